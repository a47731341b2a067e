import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { fieldErrors, jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, parseJsonBytes, readRawBody } from '../shared/http/request.js';
import { purchaseView, temporalIssues, toPurchase } from '../shared/purchases/ingest.js';
import { PurchaseBatchInput, PurchaseInput, maxBatchSize } from '../shared/purchases/schema.js';
import { mapWithConcurrency } from '../shared/concurrency.js';
import { purchaseIdentity, splitCustomerRef } from '../shared/links/purchase-ref.js';
import { services } from '../shared/services.js';

import type { Failure } from '../shared/http/failure.js';
import type { FieldError } from '../shared/http/problem.js';

const batchConcurrency = 8;

/** What the route accepts, for the API description; each purchase of a batch is judged with PurchaseInput on its own. */
const PurchaseRequest = z.union([PurchaseInput, z.strictObject({ purchases: z.array(PurchaseInput).min(1).max(maxBatchSize) })]);

type ItemOutcome =
  | { status: 'created' | 'duplicate'; httpStatus: 201 | 200; purchase: ReturnType<typeof purchaseView> }
  | { status: 'invalid'; httpStatus: 400; errors: FieldError[] }
  | { status: 'conflict'; httpStatus: 409; detail: string }
  | { status: 'erased'; httpStatus: 410; detail: string };

async function ingestOne(body: unknown, pointer: string, now: Date): Promise<ItemOutcome> {
  const { candidate: raw, ref, errors: refErrors } = splitCustomerRef(body, pointer);
  const parsed = PurchaseInput.safeParse(raw);
  if (!parsed.success || refErrors.length > 0) {
    const errors = [...refErrors, ...(parsed.success ? [] : fieldErrors(parsed.error, pointer ? pointer.split('/').slice(1) : []))];
    // Name every offending field at once: a well-formed timestamp in the future is wrong too.
    const occurredAt = typeof raw === 'object' && raw !== null ? (raw as { occurredAt?: unknown }).occurredAt : undefined;
    if (typeof occurredAt === 'string' && !errors.some((e) => e.pointer === `${pointer}/occurredAt`)) {
      errors.push(...temporalIssues({ occurredAt }, now, pointer));
    }
    return { status: 'invalid', httpStatus: 400, errors };
  }
  const temporal = temporalIssues(parsed.data, now, pointer);
  if (temporal.length > 0) return { status: 'invalid', httpStatus: 400, errors: temporal };
  const { purchases, links } = services();
  const customer = await links.resolver.forIngest(purchaseIdentity(parsed.data.customerId, ref), { occurredAt: parsed.data.occurredAt, now });
  if (customer.kind === 'erased') {
    return { status: 'erased', httpStatus: 410, detail: `the customer was erased at ${customer.erasedAt}; older purchases are not accepted` };
  }
  const outcome = await purchases.record(toPurchase(parsed.data, now, customer.customerId), now);
  switch (outcome.kind) {
    case 'created':
      return { status: 'created', httpStatus: 201, purchase: purchaseView(outcome.purchase) };
    case 'duplicate':
      return { status: 'duplicate', httpStatus: 201, purchase: purchaseView(outcome.purchase) };
    case 'conflict':
      return {
        status: 'conflict',
        httpStatus: 409,
        detail: `order ${parsed.data.orderId} from ${parsed.data.source} was already recorded with different content`,
      };
    case 'erased':
      return { status: 'erased', httpStatus: 410, detail: `customer was erased at ${outcome.erasedAt}; older purchases are not accepted` };
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
}

function singleResponse(outcome: ItemOutcome) {
  switch (outcome.status) {
    case 'created':
      return jsonResponse(201, outcome.purchase, { location: `/api/customers/${encodeURIComponent(outcome.purchase.customerId)}/purchases` });
    case 'duplicate':
      // Same answer as the first time; the header tells a curious client it was a replay.
      return jsonResponse(201, outcome.purchase, { 'idempotent-replayed': 'true' });
    case 'invalid':
      return { kind: 'invalid', detail: 'the purchase is invalid', errors: outcome.errors } satisfies Failure;
    case 'conflict':
      return { kind: 'conflict', detail: outcome.detail, reason: 'idempotency_key_reused' } satisfies Failure;
    case 'erased':
      return { kind: 'gone', detail: outcome.detail } satisfies Failure;
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
}

/** POST /api/purchases — one purchase, or {"purchases": [...]} with up to 1,000, each judged on its own. */
export const purchasesIngest = httpHandler(async (request: HttpRequest, _context: InvocationContext) => {
  const contentType = request.headers.get('content-type');
  if (contentType && !/^application\/json\b/i.test(contentType)) {
    return { kind: 'unsupported_media_type', detail: `expected application/json, got ${contentType}` } satisfies Failure;
  }
  const raw = await readRawBody(request);
  if (!raw.ok) return raw.failure;
  const json = parseJsonBytes(raw.value);
  if (!json.ok) return json.failure;
  const now = services().runtime.clock.now();

  const body = json.value;
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'purchases' in body) {
    const batch = PurchaseBatchInput.safeParse(body);
    if (!batch.success) {
      const errors = fieldErrors(batch.error);
      return { kind: 'invalid', detail: `a batch holds 1 to ${maxBatchSize} purchases`, errors } satisfies Failure;
    }
    // A few at a time: enough to hide Cosmos latency, few enough not to trip serverless throttling.
    const results = await mapWithConcurrency(batch.data.purchases, batchConcurrency, async (item, index) => {
      const outcome = await ingestOne(item, `/purchases/${index}`, now);
      const orderId = typeof item === 'object' && item !== null ? (item as { orderId?: unknown }).orderId : undefined;
      return { index, orderId: typeof orderId === 'string' ? orderId : undefined, ...outcome };
    });
    const counts = Object.fromEntries(
      ['created', 'duplicate', 'invalid', 'conflict', 'erased'].map((s) => [s, results.filter((r) => r.status === s).length]),
    );
    return jsonResponse(200, { counts, results });
  }
  if (Array.isArray(body)) {
    return { kind: 'invalid', detail: 'send one purchase object, or {"purchases": [...]}', errors: [{ pointer: '', message: 'expected an object' }] } satisfies Failure;
  }
  return singleResponse(await ingestOne(body, '', now));
});

httpFunction('purchases-ingest', {
  route: 'purchases',
  methods: ['POST'],
  authLevel: 'function',
  handler: purchasesIngest,
  doc: {
    summary: 'Record one purchase, or a batch of up to 1,000; idempotent on (source, orderId)',
    tags: ['purchases'],
    body: {
      schema: PurchaseRequest,
      example: { orderId: 'A-1001', source: 'pos', customerId: 'C-42', occurredAt: '2026-11-01T10:15:00Z', total: 59.9, currency: 'EUR', items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 29.95 }] },
    },
    responses: {
      201: { description: 'Recorded (also for a replay, with `idempotent-replayed: true`)', example: { id: 'pos-1f3a…', orderId: 'A-1001', customerId: 'C-42', total: 59.9, currency: 'EUR' } },
      200: { description: 'A batch: one result per purchase', example: { counts: { created: 1, duplicate: 0, invalid: 1, conflict: 0, erased: 0 }, results: [{ index: 0, status: 'created' }] } },
    },
    errors: { 409: 'The same (source, orderId) with different content', 410: 'The customer was erased after this purchase' },
  },
});
