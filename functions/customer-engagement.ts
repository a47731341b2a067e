import { app } from '@azure/functions';
import { engagementFields, engagementView } from '../shared/channels/engagement.js';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
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

app.http('customer-engagement', { route: 'customers/{customerId}/engagement', methods: ['GET'], authLevel: 'function', handler: customerEngagement });
