import { app } from '@azure/functions';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { eraseLinked } from '../shared/links/service.js';
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
  context.log(`erased a customer: ${erased.customersErased} customer records, ${erased.purchasesDeleted} purchases, ${erased.identitiesErased} linked identities`);
  return { status: 204 };
});

app.http('customers-erase', {
  route: 'customers/{customerId}',
  methods: ['DELETE'],
  authLevel: 'function',
  handler: customersErase,
});
