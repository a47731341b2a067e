import { app } from '@azure/functions';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { enrollmentView } from '../shared/journeys/api.js';
import { services } from '../shared/services.js';

/** GET /api/customers/{customerId}/journeys — every enrollment: journey, version, arm, status and the reasons. */
export const customerJourneys = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const items = await services().enrollments.forCustomer(params.value.customerId);
  return jsonResponse(200, { items: items.map(enrollmentView) });
});

app.http('customer-journeys', { route: 'customers/{customerId}/journeys', methods: ['GET'], authLevel: 'function', handler: customerJourneys });
