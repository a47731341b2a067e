import { app } from '@azure/functions';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { customerView } from '../shared/customers/view.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/** GET /api/customers/{customerId} */
export const customersGet = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const found = await services().customers.get(params.value.customerId);
  // A document without createdAt holds only segmentation results (purchases, no profile): not a customer
  // profile as far as this API is concerned; its scores are at /profile-scores.
  if (!found || found.customer.createdAt === undefined) return { kind: 'not_found', detail: `no customer ${params.value.customerId}` };
  return jsonResponse(200, customerView(found.customer), found.etag ? { etag: found.etag } : {});
});

app.http('customers-get', {
  route: 'customers/{customerId}',
  methods: ['GET'],
  authLevel: 'function',
  handler: customersGet,
});
