import { app } from '@azure/functions';
import { z } from 'zod';
import { CustomerId } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { purchaseView } from '../shared/purchases/ingest.js';
import { survivorHeaders } from '../shared/links/http.js';
import { services } from '../shared/services.js';

const Query = z.strictObject({
  customerId: CustomerId,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  continuationToken: z.string().min(1).max(4096).optional(),
});

/**
 * GET /api/customers/{customerId}/purchases?limit=&continuationToken= — newest first, paged; every channel's
 * purchases once its identities are linked (an id merged away answers with the survivor's).
 */
export const customerPurchases = httpHandler(async (request) => {
  const params = validateParams(Query, { ...Object.fromEntries(request.query.entries()), ...request.params });
  if (!params.ok) return params.failure;
  const { limit, continuationToken } = params.value;
  const { purchases, links } = services();
  const current = await links.resolver.current(params.value.customerId);
  const page = await purchases.listForCustomer(current.customerId, limit, continuationToken);
  return jsonResponse(
    200,
    { customerId: current.customerId, purchases: page.purchases.map(purchaseView), continuationToken: page.continuationToken ?? null },
    survivorHeaders(current, '/purchases'),
  );
});

app.http('customer-purchases', {
  route: 'customers/{customerId}/purchases',
  methods: ['GET'],
  authLevel: 'function',
  handler: customerPurchases,
});
