import { app } from '@azure/functions';
import { CustomerProfileInput, CustomerRouteParams } from '../shared/customers/schema.js';
import { customerView } from '../shared/customers/view.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, readJson, validateParams } from '../shared/http/request.js';
import { services } from '../shared/services.js';

/** PUT /api/customers/{customerId} — create or replace the profile; scores kept by winback stay. */
export const customersPut = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const body = await readJson(request, CustomerProfileInput);
  if (!body.ok) return body.failure;
  const { runtime, customers } = services();
  const { customer, created } = await customers.putProfile(params.value.customerId, body.value, runtime.clock.now());
  return jsonResponse(created ? 201 : 200, customerView(customer));
});

app.http('customers-put', {
  route: 'customers/{customerId}',
  methods: ['PUT'],
  authLevel: 'function',
  handler: customersPut,
});
