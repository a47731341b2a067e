import { z } from 'zod';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { fetchPage, nextPageToken, pageQuery, readPageToken } from '../shared/http/paging.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams, validateQuery } from '../shared/http/request.js';
import { purchaseView } from '../shared/purchases/ingest.js';
import { survivorHeaders } from '../shared/links/http.js';
import { services } from '../shared/services.js';

export const CustomerPurchasesQuery = z.strictObject(pageQuery());

/**
 * GET /api/customers/{customerId}/purchases?limit=&continuationToken= — newest first, paged; every channel's
 * purchases once its identities are linked (an id merged away answers with the survivor's).
 */
export const customerPurchases = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const query = validateQuery(CustomerPurchasesQuery, request);
  if (!query.ok) return query.failure;
  const { limit, continuationToken } = query.value;
  const { purchases, links } = services();
  const current = await links.resolver.current(params.value.customerId);
  const scope = `customer-purchases\n${current.customerId}`;
  const position = readPageToken(scope, continuationToken);
  if (!position.ok) return position.failure;
  const page = await fetchPage(position.value, (p) => purchases.listForCustomer(current.customerId, limit, p));
  if (!page.ok) return page.failure;
  return jsonResponse(
    200,
    {
      customerId: current.customerId,
      purchases: page.value.purchases.map(purchaseView),
      continuationToken: nextPageToken(scope, page.value.continuationToken),
    },
    survivorHeaders(current, '/purchases'),
  );
});

httpFunction('customer-purchases', {
  route: 'customers/{customerId}/purchases',
  methods: ['GET'],
  authLevel: 'function',
  handler: customerPurchases,
  doc: {
    summary: "A customer's purchases, newest first, paged",
    tags: ['purchases', 'customers'],
    params: CustomerRouteParams,
    query: CustomerPurchasesQuery,
    responses: {
      200: { description: 'One page; `continuationToken` is null on the last page', example: { customerId: 'C-42', purchases: [{ orderId: 'A-1001', total: 59.9, currency: 'EUR' }], continuationToken: null } },
    },
  },
});
