import { CustomerProfileInput, CustomerRouteParams } from '../shared/customers/schema.js';
import { customerView } from '../shared/customers/view.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
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

httpFunction('customers-put', {
  route: 'customers/{customerId}',
  methods: ['PUT'],
  authLevel: 'function',
  handler: customersPut,
  doc: {
    summary: 'Create or replace the profile; scores kept by winback stay',
    tags: ['customers'],
    params: CustomerRouteParams,
    body: {
      schema: CustomerProfileInput,
      example: { email: 'anna@example.com', firstName: 'Anna', locale: 'de-DE', timeZone: 'Europe/Berlin', consents: { email: { granted: true, at: '2026-10-01T09:00:00Z', source: 'pos-signup' } } },
    },
    responses: {
      201: { description: 'Created', example: { id: 'C-42', email: 'anna@example.com', createdAt: '2026-11-02T12:00:00.000Z' } },
      200: { description: 'Replaced', example: { id: 'C-42', email: 'anna@example.com', updatedAt: '2026-11-02T12:00:00.000Z' } },
    },
  },
});
