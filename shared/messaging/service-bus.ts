import { ServiceBusClient, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { ServiceBusConnection } from '../settings.js';
import type { MessageBus, OutboundMessage } from './bus.js';

/** The MessageBus port on Azure Service Bus: one sender per queue, batches for multi-message sends. */
export class ServiceBusMessageBus implements MessageBus {
  private readonly client: ServiceBusClient;
  private readonly senders = new Map<string, ServiceBusSender>();

  constructor(connection: Exclude<ServiceBusConnection, { kind: 'local' }>) {
    this.client =
      connection.kind === 'connectionString'
        ? new ServiceBusClient(connection.connectionString)
        : new ServiceBusClient(
            connection.fullyQualifiedNamespace,
            connection.clientId ? new ManagedIdentityCredential({ clientId: connection.clientId }) : new DefaultAzureCredential(),
          );
  }

  async send(queue: string, messages: OutboundMessage | OutboundMessage[]): Promise<void> {
    let sender = this.senders.get(queue);
    if (!sender) {
      sender = this.client.createSender(queue);
      this.senders.set(queue, sender);
    }
    const list = (Array.isArray(messages) ? messages : [messages]).map(
      (m): ServiceBusMessage => ({
        messageId: m.messageId,
        body: m.body,
        contentType: 'application/json',
        subject: m.subject,
        correlationId: m.correlationId,
        applicationProperties: m.applicationProperties,
        scheduledEnqueueTimeUtc: m.scheduledEnqueueTime,
      }),
    );
    let batch = await sender.createMessageBatch();
    for (const message of list) {
      if (batch.tryAddMessage(message)) continue;
      await sender.sendMessages(batch);
      batch = await sender.createMessageBatch();
      if (!batch.tryAddMessage(message)) throw new Error(`message ${message.messageId} is larger than a Service Bus batch`);
    }
    if (batch.count > 0) await sender.sendMessages(batch);
  }

  async close(): Promise<void> {
    await Promise.all([...this.senders.values()].map((s) => s.close()));
    await this.client.close();
  }
}
