import { CustomerRouteParams } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { messageView } from '../shared/messages/message.js';
import { survivorHeaders } from '../shared/links/http.js';
import { services } from '../shared/services.js';

/** GET /api/customers/{customerId}/messages — every message: channel, template, status (and why), coupon. */
export const customerMessages = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const { messages, links } = services();
  // A merged-away id answers with the survivor's, where its messages moved.
  const current = await links.resolver.current(params.value.customerId);
  const items = await messages.listForCustomer(current.customerId);
  return jsonResponse(200, { items: items.map(messageView) }, survivorHeaders(current, '/messages'));
});

httpFunction('customer-messages', {
  route: 'customers/{customerId}/messages',
  methods: ['GET'],
  authLevel: 'function',
  handler: customerMessages,
  doc: {
    summary: "A customer's messages: channel, template, status (with the reason when skipped, deferred or failed) and coupon",
    tags: ['messages', 'customers'],
    params: CustomerRouteParams,
    responses: {
      200: {
        description: 'Every message to the customer; `reason` and `deferredUntil` appear only when they apply',
        example: {
          items: [
            {
              messageId: 'e_3f2a.2.miss-you',
              channel: 'email',
              template: 'winback-miss-you',
              journeyId: 'winback-default',
              stepId: 'miss-you',
              enrollmentId: 'e_3f2a',
              status: 'sent',
              createdAt: '2026-11-01T02:00:00.000Z',
              sentAt: '2026-11-01T08:00:00.000Z',
              couponCode: 'WBGT4CDMRXAUAX',
              locale: 'de',
              history: [
                { at: '2026-11-01T02:00:00.000Z', status: 'deferred', reason: 'quiet_hours' },
                { at: '2026-11-01T08:00:00.000Z', status: 'sent', channel: 'email' },
              ],
            },
          ],
        },
      },
    },
  },
});
