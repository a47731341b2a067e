import { CustomerRouteParams } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
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

httpFunction('customer-journeys', {
  route: 'customers/{customerId}/journeys',
  methods: ['GET'],
  authLevel: 'function',
  handler: customerJourneys,
  doc: {
    summary: "A customer's enrollments: journey, version, arm, status, the next step and every decision with its reason",
    tags: ['journeys', 'customers'],
    params: CustomerRouteParams,
    responses: {
      200: {
        description: 'Every enrollment of the customer (empty for a customer never enrolled); `currentStep` and `nextStepAt` are null once it ended',
        example: {
          items: [
            {
              enrollmentId: 'e_3f2a',
              journeyId: 'winback-default',
              version: 1,
              arm: 'message_coupon',
              status: 'active',
              enteredAt: '2026-11-01T02:00:00.000Z',
              endedAt: null,
              currentStep: 'wait-7d',
              nextStepAt: '2026-11-08T09:00:00.000Z',
              trigger: { type: 'segmentEntered', key: 'segment:run-2026-11-01' },
              history: [{ at: '2026-11-01T02:00:00.000Z', event: 'entered', reason: 'segment.changed loyal → at_risk (run run-2026-11-01)' }],
            },
          ],
        },
      },
    },
  },
});
