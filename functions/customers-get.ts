import { CustomerRouteParams } from '../shared/customers/schema.js';
import { knownCustomerView } from '../shared/customers/view.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { survivorHeaders } from '../shared/links/http.js';
import { linkView } from '../shared/links/schema.js';
import { linksOf } from '../shared/links/service.js';
import { services } from '../shared/services.js';

/**
 * GET /api/customers/{customerId} — the profile (if any), its links, segmentation results and a purchase
 * summary; `hasProfile: false` for a customer known only from purchases. 404 only when nothing is known. An
 * id merged into another customer answers with that one.
 */
export const customersGet = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const { customers, links } = services();
  const current = await linksOf(links, params.value.customerId);
  const { customerId } = current;
  const [found, purchases] = await Promise.all([customers.get(customerId), customers.purchaseSummary(customerId)]);
  const view = knownCustomerView(customerId, found?.customer, purchases);
  if (!view) return { kind: 'not_found', detail: `no customer ${params.value.customerId} (no profile and no purchases)` };
  return jsonResponse(
    200,
    { ...view, links: current.links.map(linkView) },
    { ...(found?.etag && view['hasProfile'] ? { etag: found.etag } : {}), ...survivorHeaders(current) },
  );
});

httpFunction('customers-get', {
  route: 'customers/{customerId}',
  methods: ['GET'],
  authLevel: 'function',
  handler: customersGet,
  doc: {
    summary: 'What winback knows of a customer: profile (if any), segmentation results and a purchase summary',
    tags: ['customers'],
    params: CustomerRouteParams,
    responses: {
      200: {
        description: '`hasProfile: false` for a customer known only from purchases',
        headers: { etag: 'version of the profile, when there is one' },
        example: { id: 'C-42', hasProfile: true, email: 'anna@example.com', segment: 'loyal', purchases: { count: 12, firstAt: '2025-01-04T10:00:00.000Z', lastAt: '2026-10-30T17:12:00.000Z' } },
      },
    },
    errors: { 404: 'No profile and no purchases' },
  },
});
