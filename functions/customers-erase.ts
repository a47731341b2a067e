import { CustomerRouteParams } from '../shared/customers/schema.js';
import { httpFunction } from '../shared/http/openapi.js';
import { correlationId, httpHandler, validateParams } from '../shared/http/request.js';
import { eraseLinked } from '../shared/links/service.js';
import { logger } from '../shared/log.js';
import { services } from '../shared/services.js';

/**
 * DELETE /api/customers/{customerId} — GDPR erasure of the profile and the purchase history, of every
 * customer merged into it and of its linked identities (tombstoned); 204 every time.
 */
export const customersErase = httpHandler(async (request, context) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const { runtime, links } = services();
  const erased = await eraseLinked(links, params.value.customerId, runtime.clock.now());
  logger(context, { correlationId: correlationId(request, context) }).info('customer.erased', { customerId: params.value.customerId, ...erased });
  return { status: 204 };
});

httpFunction('customers-erase', {
  route: 'customers/{customerId}',
  methods: ['DELETE'],
  authLevel: 'function',
  handler: customersErase,
  doc: {
    summary: 'GDPR erasure: profile, purchases and idempotency records naming the customer; 204 every time',
    tags: ['customers'],
    params: CustomerRouteParams,
    responses: { 204: { description: 'Erased (or nothing to erase)' } },
  },
});
