import { engagementFields, engagementView } from '../shared/channels/engagement.js';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/**
 * GET /api/customers/{customerId}/engagement — the engagement rate and coupon redemption rate segment rules
 * see, and per recent message when it was delivered, opened and clicked (from provider reports).
 */
export const customerEngagement = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const { runtime, deliveryEvents } = services();
  const id = params.value.customerId;
  const [doc, coupons] = await Promise.all([deliveryEvents.engagement.get(id), deliveryEvents.couponsOf(id)]);
  // Computed now rather than read from the customer document, so a redemption since the last report shows.
  const fields = engagementFields(doc ?? { id: 'engagement', type: 'engagement', customerId: id, version: 0, messages: {}, updatedAt: '' }, coupons, runtime.clock.now());
  return jsonResponse(200, engagementView(doc, fields));
});

httpFunction('customer-engagement', {
  route: 'customers/{customerId}/engagement',
  methods: ['GET'],
  authLevel: 'function',
  handler: customerEngagement,
  doc: {
    summary: "A customer's engagement and coupon redemption rates as of now, and per recent message when it was delivered, opened and clicked",
    tags: ['customers', 'messages'],
    params: CustomerRouteParams,
    responses: {
      200: {
        description: 'Rates over the last 100 messages (null before any delivery or coupon) and, per message, the times providers reported',
        example: {
          engagementRate: 1,
          couponRedemptionRate: 0,
          messagesDelivered: 1,
          messagesEngaged: 1,
          couponsReceived: 1,
          couponsRedeemed: 0,
          computedAt: '2026-11-05T10:00:00.000Z',
          messages: [{ messageId: 'e_3f2a.2.miss-you', channel: 'email', deliveredAt: '2026-11-05T04:05:00Z', openedAt: '2026-11-05T04:07:00Z', clickedAt: null, clicks: 0 }],
        },
      },
    },
  },
});
