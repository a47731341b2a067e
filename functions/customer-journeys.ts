import { app } from '@azure/functions';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { enrollmentView } from '../shared/journeys/api.js';
import { survivorHeaders } from '../shared/links/http.js';
import { services } from '../shared/services.js';

/** GET /api/customers/{customerId}/journeys — every enrollment: journey, version, arm, status and the reasons. */
export const customerJourneys = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const { enrollments, links } = services();
  // A merged-away id answers with the survivor's, where its enrollments moved.
  const current = await links.resolver.current(params.value.customerId);
  const items = await enrollments.forCustomer(current.customerId);
  return jsonResponse(200, { items: items.map(enrollmentView) }, survivorHeaders(current, '/journeys'));
});

app.http('customer-journeys', { route: 'customers/{customerId}/journeys', methods: ['GET'], authLevel: 'function', handler: customerJourneys });
