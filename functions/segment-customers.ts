import { z } from 'zod';
import { SegmentCustomerSort, SegmentName, listSegmentCustomers, segmentCustomerView } from '../shared/customers/segment-list.js';
import { fetchPage, nextPageToken, pageQuery, readPageToken } from '../shared/http/paging.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams, validateQuery } from '../shared/http/request.js';
import { containers } from '../shared/resources.js';
import { mapWithConcurrency } from '../shared/concurrency.js';
import { services } from '../shared/services.js';

export const SegmentCustomersParams = z.strictObject({ segment: SegmentName });
export const SegmentCustomersQuery = z.strictObject({ ...pageQuery({ defaultLimit: 50 }), sort: SegmentCustomerSort.default('pAlive') });

/**
 * GET /api/segments/{segment}/customers?limit=&sort=&continuationToken= — the customers of one segment,
 * least likely to be alive first by default, with the fields a marketer decides on.
 */
export const segmentCustomers = httpHandler(async (request) => {
  const params = validateParams(SegmentCustomersParams, request.params);
  if (!params.ok) return params.failure;
  const query = validateQuery(SegmentCustomersQuery, request);
  if (!query.ok) return query.failure;
  const { segment } = params.value;
  const { limit, sort, continuationToken } = query.value;
  const scope = `segment-customers\n${segment}\n${sort}`;
  const position = readPageToken(scope, continuationToken);
  if (!position.ok) return position.failure;
  const { runtime: rt, enrollments } = services();
  const page = await fetchPage(position.value, (p) => listSegmentCustomers(rt.container(containers.customers.name), segment, sort, limit, p));
  if (!page.ok) return page.failure;
  const now = rt.clock.now();
  // One partition-scoped read per row (a page is at most 1,000): the journey each customer is in right now.
  const current = await mapWithConcurrency(page.value.rows, 8, async (row) =>
    (await enrollments.forCustomer(row.id)).find((e) => e.status === 'active')?.journeyId ?? null,
  );
  return jsonResponse(200, {
    segment,
    sort,
    items: page.value.rows.map((row, i) => segmentCustomerView(row, now, rt.settings.retailerTimeZone, current[i] ?? null)),
    continuationToken: nextPageToken(scope, page.value.continuationToken),
  });
});

httpFunction('segment-customers', {
  route: 'segments/{segment}/customers',
  methods: ['GET'],
  authLevel: 'function',
  handler: segmentCustomers,
  doc: {
    summary: 'Who to act on: the customers of one segment, least likely to be alive first, paged',
    tags: ['segments', 'customers'],
    params: SegmentCustomersParams,
    query: SegmentCustomersQuery,
    responses: {
      200: {
        description: 'One page; `continuationToken` is null on the last page. Money in major units of `currency`',
        example: {
          segment: 'at_risk',
          sort: 'pAlive',
          items: [
            {
              customerId: 'C-42', name: 'Anna Muster', segment: 'at_risk', segmentSince: '2026-11-01', pAlive: 0.21, expectedClv12m: 84.5, currency: 'EUR',
              lastPurchaseDay: '2026-08-02', daysSinceLastPurchase: 121, typicalIntervalDays: 30,
              consents: { email: true, sms: false, push: false, mail: false }, preferredChannel: 'email', currentJourney: 'winback-default',
            },
          ],
          continuationToken: null,
        },
      },
    },
  },
});
