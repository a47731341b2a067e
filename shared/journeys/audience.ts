import type { Container } from '@azure/cosmos';
import type { MessageBus, OutboundMessage } from '../messaging/bus.js';
import { queues } from '../resources.js';
import type { EnrollmentRequest } from './api.js';
import { enrollmentId } from './enrollment.js';

/** Customers currently in a segment (a cross-partition query on the top-level `segment` segmentation writes). */
export async function customersInSegment(customers: Container, segment: string): Promise<string[]> {
  const ids: string[] = [];
  const iterator = customers.items.query<{ id: string }>({ query: 'SELECT c.id FROM c WHERE c.segment = @segment', parameters: [{ name: '@segment', value: segment }] }, { maxItemCount: 1000 });
  for await (const page of iterator.getAsyncIterator()) for (const row of page.resources) ids.push(row.id);
  return ids;
}

/** Queues one `enrollment.requested` per customer; answers how many were queued. */
export async function requestEnrollments(
  deps: { bus: Pick<MessageBus, 'send'>; customersContainer: Container },
  journeyId: string,
  request: EnrollmentRequest,
  now: Date,
): Promise<{ count: number; campaignId: string }> {
  const campaignId = request.campaignId ?? `api:${now.toISOString().slice(0, 10)}`;
  const ids = [...new Set(request.customerIds ?? (await customersInSegment(deps.customersContainer, request.segment!)))];
  const messages: OutboundMessage[] = ids.map((customerId) => ({
    messageId: `enroll:${enrollmentId(journeyId, customerId, campaignId)}`,
    subject: 'enrollment.requested',
    body: { type: 'enrollment.requested', journeyId, customerId, key: campaignId, applyAudience: request.applyAudience },
  }));
  for (let i = 0; i < messages.length; i += 500) await deps.bus.send(queues.customerEvents.name, messages.slice(i, i + 500));
  return { count: ids.length, campaignId };
}
