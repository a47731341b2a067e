import { app } from '@azure/functions';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
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

app.http('customer-messages', { route: 'customers/{customerId}/messages', methods: ['GET'], authLevel: 'function', handler: customerMessages });
