import type { Container } from '@azure/cosmos';
import type { Channel } from '../customers/schema.js';
import type { MessageStatus } from '../messages/contract.js';
import type { MessageRecord, SuppressionReason } from '../messages/message.js';
import { interpretEvent, shouldApplyStatus, type DeliveryReport, type EventGridEvent } from './delivery-events.js';
import { containers } from '../resources.js';
import { CosmosDocumentStore } from '../storage/documents.js';
import {
  CosmosCustomerEngagementWriter,
  EngagementStore,
  engagementFields,
  type CouponFacts,
  type CustomerEngagementWriter,
  type EngagementDocument,
  type EngagementEvent,
} from './engagement.js';

export interface DeliveryEventDeps {
  messages: {
    find(messageId: string): Promise<MessageRecord | undefined>;
    updateStatus(customerId: string, messageId: string, status: MessageStatus, reason: string | undefined, at: Date): Promise<MessageRecord | undefined>;
  };
  /** The message a provider id belongs to (the id the provider answered the send with). */
  findByProviderMessageId(providerMessageId: string): Promise<MessageRecord | undefined>;
  suppressions: { suppress(customerId: string, channels: readonly Channel[], reason: SuppressionReason, at: Date, source?: string): Promise<unknown> };
  customers: { withdrawConsent(customerId: string, channel: Channel, source: string, now: Date): Promise<'withdrawn' | 'unchanged' | 'unknown'> };
  customerIdsByPhone(phone: string): Promise<string[]>;
  engagement: EngagementStore;
  couponsOf(customerId: string): Promise<CouponFacts[]>;
  engagementWriter: CustomerEngagementWriter;
}

export const smsStopSource = 'sms-stop';

/** Applies one provider event; returns what happened, for the log. Safe to apply twice. */
export async function applyDeliveryEvent(deps: DeliveryEventDeps, event: EventGridEvent, now: Date): Promise<string> {
  const report = interpretEvent(event, now);
  return applyReport(deps, report, now);
}

async function applyReport(deps: DeliveryEventDeps, report: DeliveryReport, now: Date): Promise<string> {
  switch (report.kind) {
    case 'ignored':
      return `ignored: ${report.reason}`;
    case 'status': {
      const message = await findMessage(deps, report.providerMessageId, report.messageId);
      if (!message) return `ignored: no message for ${report.channel} provider id ${report.providerMessageId}`;
      const lines: string[] = [];
      if (shouldApplyStatus(message.status, report.status)) {
        await deps.messages.updateStatus(message.customerId, message.messageId, report.status, `provider report: ${report.reason}`, now);
        lines.push(`${message.messageId}: ${message.status} → ${report.status}`);
      } else {
        lines.push(`${message.messageId}: stays ${message.status} (report ${report.status})`);
      }
      if (report.suppress) {
        await deps.suppressions.suppress(message.customerId, [report.channel], 'bounced', now, `${report.channel} report on ${message.messageId}: ${report.reason}`);
        lines.push(`${report.channel} suppressed for ${message.customerId}`);
      }
      if (report.status === 'delivered') await recordAndPublish(deps, message.customerId, { kind: 'delivered', messageId: message.messageId, channel: report.channel, at: report.at }, now);
      return lines.join('; ');
    }
    case 'engagement': {
      const message = await findMessage(deps, report.providerMessageId);
      if (!message) return `ignored: no message for engagement on provider id ${report.providerMessageId}`;
      const channel = message.channel === 'preferred' ? 'email' : message.channel;
      const changed = await recordAndPublish(deps, message.customerId, { kind: report.engagement, messageId: message.messageId, channel, at: report.at, ...(report.url ? { url: report.url } : {}) }, now);
      return `${message.messageId}: ${report.engagement}${changed ? '' : ' (already recorded)'}`;
    }
    case 'sms-reply': {
      if (!report.stop) return 'ignored: an inbound SMS that is not an opt-out keyword';
      const customerIds = await deps.customerIdsByPhone(report.from);
      if (customerIds.length === 0) return `STOP from a number no customer has (${maskPhone(report.from)})`;
      const outcomes = [];
      for (const id of customerIds) outcomes.push(`${id} ${await deps.customers.withdrawConsent(id, 'sms', smsStopSource, now)}`);
      return `STOP: SMS consent of ${outcomes.join(', ')}`;
    }
    default: {
      const exhaustive: never = report;
      return exhaustive;
    }
  }
}

async function findMessage(deps: DeliveryEventDeps, providerMessageId: string, messageId?: string): Promise<MessageRecord | undefined> {
  if (messageId) {
    const byId = await deps.messages.find(messageId);
    if (byId) return byId;
  }
  return deps.findByProviderMessageId(providerMessageId);
}

async function recordAndPublish(deps: DeliveryEventDeps, customerId: string, event: EngagementEvent, now: Date): Promise<boolean> {
  const doc = await deps.engagement.record(customerId, event, now);
  if (!doc) return false;
  await deps.engagementWriter.write(customerId, engagementFields(doc, await deps.couponsOf(customerId), now));
  return true;
}

function maskPhone(phone: string): string {
  return phone.length > 4 ? `${'•'.repeat(phone.length - 4)}${phone.slice(-4)}` : phone;
}

/** The Cosmos-backed ports of the delivery-events consumer, built in the composition root (shared/services.ts). */
export function cosmosDeliveryEventDeps(input: {
  messages: DeliveryEventDeps['messages'];
  suppressions: DeliveryEventDeps['suppressions'];
  customers: DeliveryEventDeps['customers'];
  coupons: { listForCustomer(customerId: string): Promise<CouponFacts[]> };
  messagesContainer: Container;
  customersContainer: Container;
}): DeliveryEventDeps {
  const messageDocs = new CosmosDocumentStore<MessageRecord>(input.messagesContainer, containers.messages.partitionKey);
  return {
    messages: input.messages,
    suppressions: input.suppressions,
    customers: input.customers,
    async findByProviderMessageId(providerMessageId) {
      const [found] = await messageDocs.all({ type: 'message', providerMessageId });
      return found;
    },
    async customerIdsByPhone(phone) {
      const { resources } = await input.customersContainer.items
        .query<{ id: string }>({ query: 'SELECT c.id FROM c WHERE c.phone = @phone', parameters: [{ name: '@phone', value: phone }] })
        .fetchAll();
      return resources.map((r) => r.id);
    },
    engagement: new EngagementStore(new CosmosDocumentStore<EngagementDocument>(input.messagesContainer, containers.messages.partitionKey)),
    couponsOf: (customerId) => input.coupons.listForCustomer(customerId),
    engagementWriter: new CosmosCustomerEngagementWriter(input.customersContainer),
  };
}
