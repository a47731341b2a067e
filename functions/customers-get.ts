import { app } from '@azure/functions';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { customerView } from '../shared/customers/view.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { survivorHeaders } from '../shared/links/http.js';
import { linkView } from '../shared/links/schema.js';
import { linksOf } from '../shared/links/service.js';
import { services } from '../shared/services.js';

/** GET /api/customers/{customerId} — with its links; an id merged into another customer answers with that one. */
export const customersGet = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const { customers, links } = services();
  const current = await linksOf(links, params.value.customerId);
  const found = await customers.get(current.customerId);
  // A document without createdAt holds only segmentation results (purchases, no profile): not a customer
  // profile as far as this API is concerned; its scores are at /profile-scores.
  if (!found || found.customer.createdAt === undefined) return { kind: 'not_found', detail: `no customer ${params.value.customerId}` };
  return jsonResponse(
    200,
    { ...customerView(found.customer), links: current.links.map(linkView) },
    { ...(found.etag ? { etag: found.etag } : {}), ...survivorHeaders(current) },
  );
});

app.http('customers-get', {
  route: 'customers/{customerId}',
  methods: ['GET'],
  authLevel: 'function',
  handler: customersGet,
});
