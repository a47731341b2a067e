import { CustomerRouteParams } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { fromMinorUnits } from '../shared/money.js';
import { survivorHeaders } from '../shared/links/http.js';
import { profileScores } from '../shared/segmentation/profile-scores.js';
import { segmentation } from '../shared/segmentation/services.js';
import { services } from '../shared/services.js';

/** GET /api/customers/{customerId}/profile-scores — the segment and the scores as of the latest completed run. */
export const customerProfileScores = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const current = await services().links.resolver.current(params.value.customerId);
  const { customerId } = current;
  const { deps } = segmentation();
  const found = await profileScores(deps, customerId);
  if (found.kind === 'not_found') {
    return { kind: 'not_found', detail: `no scores for customer ${customerId} (no run has seen purchases of theirs yet)` };
  }
  const a = found.analytics;
  const money = (minor: number | null) => (minor === null ? null : a.currency ? fromMinorUnits(Math.round(minor), a.currency) : minor);
  return jsonResponse(200, {
    customerId,
    segment: found.segment,
    segmentSince: found.segmentSince,
    previousSegment: found.previousSegment,
    runId: a.runId,
    asOf: a.asOf,
    source: found.source,
    scores: a,
    // The money fields again in major units of the currency, for people reading the response.
    display: {
      currency: a.currency,
      totalSpend: money(a.totalSpendMinor),
      repeatAov: money(a.repeatAovMinor),
      expectedAov: money(a.expectedAovMinor),
      clv12m: money(a.clv12mMinor),
    },
  }, survivorHeaders(current, '/profile-scores'));
});

httpFunction('customer-profile-scores', {
  route: 'customers/{customerId}/profile-scores',
  methods: ['GET'],
  authLevel: 'function',
  handler: customerProfileScores,
  doc: {
    summary: 'Scores and segment from the last segmentation run that saw the customer',
    tags: ['customers', 'segments'],
    params: CustomerRouteParams,
    responses: { 200: { description: 'Scores', example: { customerId: 'C-42', segment: 'at_risk', runId: 'seg-2026-11-01', asOf: '2026-11-01', scores: { pAlive: 0.41 } } } },
    errors: { 404: 'No run has scored this customer yet' },
  },
});
