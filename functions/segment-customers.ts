import { app } from '@azure/functions';
import { z } from 'zod';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { containers } from '../shared/resources.js';
import { runtime } from '../shared/runtime.js';
import { SegmentCustomerSort, SegmentName, listSegmentCustomers, segmentCustomerView } from '../shared/customers/segment-list.js';

const Query = z.strictObject({
  segment: SegmentName,
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  sort: SegmentCustomerSort.default('pAlive'),
  continuationToken: z.string().min(1).max(4096).optional(),
});

/**
 * GET /api/segments/{segment}/customers?limit=&sort=&continuationToken= — the customers of one segment,
 * least likely to be alive first by default, with the fields a marketer decides on.
 */
export const segmentCustomers = httpHandler(async (request) => {
  const params = validateParams(Query, { ...Object.fromEntries(request.query.entries()), ...request.params });
  if (!params.ok) return params.failure;
  const { segment, limit, sort, continuationToken } = params.value;
  const rt = runtime();
  const page = await listSegmentCustomers(rt.container(containers.customers.name), segment, sort, limit, continuationToken);
  const now = rt.clock.now();
  return jsonResponse(200, {
    segment,
    sort,
    items: page.rows.map((row) => segmentCustomerView(row, now, rt.settings.retailerTimeZone, null)),
    continuationToken: page.continuationToken ?? null,
  });
});

app.http('segment-customers', {
  route: 'segments/{segment}/customers',
  methods: ['GET'],
  authLevel: 'function',
  handler: segmentCustomers,
});
