/**
 * The app's outbound port to Service Bus. In Azure it is backed by @azure/service-bus; locally, with no
 * namespace configured, by the local host's transport with the same semantics.
 */
export interface OutboundMessage {
  /** Service Bus duplicate detection keys on this: sending the same id twice within the window delivers once. */
  messageId: string;
  body: unknown;
  subject?: string;
  correlationId?: string;
  applicationProperties?: Record<string, string | number | boolean>;
  /** Deliver no earlier than this instant. */
  scheduledEnqueueTime?: Date;
}

export interface MessageBus {
  send(queue: string, messages: OutboundMessage | OutboundMessage[]): Promise<void>;
  close(): Promise<void>;
}
