import { contentHash } from '../canonical.js';
import { mapWithConcurrency } from '../concurrency.js';
import { currencyExponent, toMinorUnits } from '../money.js';
import { retryKeyTtlSeconds, type Claim, type IdempotencyRecord } from '../idempotency.js';
import { toPurchase } from '../purchases/ingest.js';
import type { RecordOutcome } from '../purchases/store.js';
import type { Purchase, PurchaseInput } from '../purchases/schema.js';
import type { MessageBus } from '../messaging/bus.js';
import { couponRedeemedEvents, couponRolledBackEvents, sendKpiEvents } from '../journeys/kpi.js';
import { queues } from '../resources.js';
import { budgetLimits, reserveBudget, initialBudgetState, type BudgetState } from './budget.js';
import { builtinOffer, issueCustomerFrom } from './catalog.js';
import { generateCode, normalizeCode, type CouponCode } from './code.js';
import {
  applyRollback,
  issueDecision,
  redeem,
  validateRedemption,
  withCode,
  type Basket,
  type Coupon,
  type IssueRefusalReason,
  type Redemption,
  type RedemptionCheck,
  type RedemptionFailure,
} from './coupon.js';
import { expiryRelease } from './expiry.js';
import { emptyHoldings, holdingsId, needsFreshState, withCoupon, type Holdings } from './holdings.js';
import type { OfferDocument } from './offer.js';
import { redemptionPurchase, redemptionId, toBasket, type IssueCouponRequest, type RedemptionRequest, type ValidateRequest } from './requests.js';
import type { RedemptionEvent } from './redemption-events.js';
import { revokeDecision, type RevokeRequest } from './revocation.js';
import type { CouponRepository, OfferRepository, Versioned } from './store.js';

/**
 * The coupon use cases, between the HTTP/queue adapters and the pure domain: read, decide with the phase-1
 * functions, write with `ifMatch`, retry on 412. Ports are small so tests and the bench can count or fake
 * what reaches Cosmos.
 */
export interface CouponDeps {
  coupons: CouponRepository;
  offers: OfferRepository;
  idempotency: {
    claim(scope: string, key: string, hash: string, now: Date, extra?: { customerId?: string; refs?: Record<string, string>; ttlSeconds?: number }): Promise<Claim>;
    complete(record: IdempotencyRecord, response: { status: number; body: unknown }): Promise<void>;
    forget(scope: string, key: string): Promise<void>;
  };
  customers: {
    get(customerId: string): Promise<{ customer: Record<string, unknown> } | undefined>;
    tombstone(customerId: string): Promise<{ erasedAt: string } | undefined>;
  };
  purchases: { record(purchase: Purchase, now: Date, options?: { customerKnownLive?: boolean }): Promise<RecordOutcome> };
  /** Identity links (shared/links): a customer id that was merged away is served as its survivor. */
  links?: { survivorOf(customerId: string): Promise<string | undefined> };
  newCode?: () => CouponCode;
  log?: (line: string) => void;
}

const maxAttempts = 200;

/** The customer a request names, or the one it was merged into (one point read). */
async function currentCustomer(deps: Pick<CouponDeps, 'links'>, customerId: string | undefined): Promise<string | undefined> {
  if (customerId === undefined) return undefined;
  return (await deps.links?.survivorOf(customerId)) ?? customerId;
}

/** Spreads retries of writers that lost an ETag race so they do not collide again in lockstep. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(2 + attempt, 25);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function contention(what: string): Error {
  // 503 makes `httpHandler` answer "retry later"; the queue trigger throws and the message is redelivered.
  return Object.assign(new Error(`too much contention on ${what}`), { code: 503 });
}

// ---------------------------------------------------------------------------------------------------------
// Offers

export async function getOffer(deps: Pick<CouponDeps, 'offers'>, offerId: string): Promise<(OfferDocument & { builtin: boolean }) | undefined> {
  const stored = await deps.offers.get(offerId);
  if (stored) return { ...stored, builtin: false };
  const builtin = builtinOffer(offerId);
  return builtin && { ...builtin, builtin: true };
}

// ---------------------------------------------------------------------------------------------------------
// Issuing

export type IssueOutcome =
  | { kind: 'issued'; coupon: Coupon }
  /** The requestId was served before: the same coupon, nothing written. */
  | { kind: 'existing'; coupon: Coupon }
  | { kind: 'refused'; reason: IssueRefusalReason; detail: string };

/** What the idempotency record keeps to answer a replay without deciding again. */
type StoredIssue = { kind: 'issued'; code: string } | { kind: 'refused'; reason: IssueRefusalReason; detail: string };

/**
 * Order of writes, and why:
 * 1. claim the requestId (global: the same id for another customer or offer is a conflict);
 * 2. reserve the budget (`ifMatch` loop on `budget:<offerId>`) — a crash after this step leaks one
 *    reservation, which errs on the side of never overspending;
 * 3. add the coupon to the customer's holdings (`ifMatch`): the atomic per-customer limit; on a lost race
 *    the reservation is given back and everything is decided again;
 * 4. create the coupon (`id = code`; a taken code draws another);
 * 5. store the answer on the claim. A redelivery between 3 and 5 finds the requestId in the holdings and
 *    creates the coupon from its snapshot if step 4 never happened. A failure in step 4 is not compensated:
 *    the create may have succeeded, and undoing the holdings entry would let the retry issue a second coupon.
 */
export async function issueCoupon(deps: CouponDeps, request: IssueCouponRequest, now: Date): Promise<IssueOutcome> {
  const claim = await deps.idempotency.claim('coupon-request', request.requestId, contentHash(request), now, {
    customerId: request.customerId,
    refs: { offerId: request.offerId },
  });
  if (claim.kind === 'conflict') {
    return { kind: 'refused', reason: 'request_conflict', detail: `requestId ${request.requestId} was used for a different request` };
  }
  // Claimed as sent (a retry after a merge is still the same request), issued to whom it names now.
  request = { ...request, customerId: (await currentCustomer(deps, request.customerId))! };
  if (claim.kind === 'replay' && claim.record.response !== undefined) {
    const stored = claim.record.response.body as StoredIssue;
    if (stored.kind === 'refused') return stored;
    const found = await deps.coupons.get(stored.code);
    if (found && sameIssue(found.value, request)) return { kind: 'existing', coupon: found.value };
    // The coupon is gone or anonymised (erased customer): fall through and let the holdings decide.
  }
  const finish = async (outcome: IssueOutcome): Promise<IssueOutcome> => {
    const body: StoredIssue = outcome.kind === 'refused' ? outcome : { kind: 'issued', code: outcome.coupon.code };
    await deps.idempotency.complete(claim.record, { status: outcome.kind === 'refused' ? 409 : 201, body });
    return outcome;
  };

  const newCode = deps.newCode ?? (() => generateCode());
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await backoff(attempt);
    const offerDoc = await getOffer(deps, request.offerId);
    if (!offerDoc) return finish({ kind: 'refused', reason: 'unknown_offer', detail: `no offer ${request.offerId}` });
    if (await deps.customers.tombstone(request.customerId)) {
      return finish({ kind: 'refused', reason: 'customer_erased', detail: 'the customer was erased' });
    }
    const [customerDoc, holdingsRead, budgetRead] = await Promise.all([
      deps.customers.get(request.customerId),
      deps.coupons.getHoldings(holdingsId(request.offerId, request.customerId)),
      deps.offers.getBudget(request.offerId),
    ]);
    const holdings = holdingsRead?.value ?? emptyHoldings(request.offerId, request.customerId);

    const previous = holdings.coupons.find((c) => c.requestId === request.requestId);
    if (previous) return finish({ kind: 'existing', coupon: await ensureStored(deps, previous, newCode) });

    const fresh = new Map<string, Coupon>();
    for (const stale of needsFreshState(holdings, now)) {
      const current = await deps.coupons.get(stale.code);
      if (current) fresh.set(stale.code, current.value);
    }
    const decision = issueDecision({
      offerId: request.offerId,
      offer: offerDoc.offer,
      customer: issueCustomerFrom(request.customerId, customerDoc?.customer, offerDoc.offer.currency),
      existingCouponsForCustomer: holdings.coupons.map((c) => fresh.get(c.code) ?? c),
      budgetState: budgetRead?.value,
      now,
      request,
      code: newCode(),
    });
    switch (decision.kind) {
      case 'refused':
        return finish(decision);
      case 'existing':
        return finish({ kind: 'existing', coupon: await ensureStored(deps, decision.coupon, newCode) });
      case 'issue':
        break;
      default: {
        const exhaustive: never = decision;
        return exhaustive;
      }
    }

    let coupon = decision.coupon;
    const reserved = coupon.budgetReservedMinor;
    if (offerDoc.offer.budget !== undefined) {
      const reservation = await reserve(deps, offerDoc, reserved, budgetRead, decision.budgetState);
      if (!reservation.ok) return finish({ kind: 'refused', reason: 'budget_exhausted', detail: `the offer's ${reservation.limit} budget is spent` });
    } else if (budgetRead !== undefined) {
      await deps.offers.incrementBudget(request.offerId, { issued: 1, discountMinor: reserved });
    }
    const undoBudget = () =>
      offerDoc.offer.budget !== undefined || budgetRead !== undefined
        ? deps.offers.incrementBudget(request.offerId, { issued: -1, discountMinor: -reserved })
        : Promise.resolve();

    const written = await deps.coupons.putHoldings(withCoupon(holdings, coupon, now, fresh), holdingsRead?.etag);
    if (written === 'conflict') {
      await undoBudget();
      continue;
    }
    // No compensation if this throws: the create may have reached Cosmos (an ambiguous failure). The
    // holdings entry keeps the reservation, and the retry finds it and creates the coupon from its snapshot.
    coupon = await storeCoupon(deps, coupon, newCode);
    return finish({ kind: 'issued', coupon });
  }
  throw contention(`the holdings of customer ${request.customerId}`);
}

/** The same issue: a code found in storage may belong to another coupon (a collision), never trust it blindly. */
function sameIssue(stored: Coupon, issue: { requestId: string; customerId: string; offerId: string }): boolean {
  return stored.requestId === issue.requestId && stored.customerId === issue.customerId && stored.offerId === issue.offerId;
}

/** The holdings' snapshot as a stored coupon: the one stored earlier, or stored now (under a fresh code if taken). */
async function ensureStored(deps: CouponDeps, snapshot: Coupon, newCode: () => CouponCode): Promise<Coupon> {
  const found = await deps.coupons.get(snapshot.code);
  if (found && sameIssue(found.value, snapshot)) return found.value;
  return storeCoupon(deps, snapshot, newCode, found !== undefined);
}

/**
 * Creates the coupon under its code or, when that code is another coupon's, under freshly drawn ones. The
 * holdings learn a new code *before* the coupon is created under it: a crash in between leaves a snapshot
 * the retry can store, whereas the other order would leave the holdings naming the other customer's coupon
 * (which the retry would then hand out) and an orphaned coupon holding the reservation.
 */
async function storeCoupon(deps: CouponDeps, coupon: Coupon, newCode: () => CouponCode, knownTaken = false): Promise<Coupon> {
  let current = coupon;
  let taken = knownTaken;
  for (let attempt = 0; attempt < 6; attempt++) {
    if (!taken) {
      if ((await deps.coupons.create(current)) === 'created') return current;
      // Taken: by a concurrent delivery of this same request, or by another coupon.
      const existing = await deps.coupons.get(current.code);
      if (existing && sameIssue(existing.value, current)) return existing.value;
      if (!existing) continue;
    }
    const next = withCode(coupon, newCode());
    await replaceInHoldings(deps, current, next);
    current = next;
    taken = false;
  }
  throw new Error('five drawn coupon codes were all taken: the code space or the random source is broken');
}

async function replaceInHoldings(deps: CouponDeps, from: Coupon, to: Coupon): Promise<void> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const read = await deps.coupons.getHoldings(holdingsId(from.offerId, from.customerId));
    if (!read) return;
    const next: Holdings = { ...read.value, coupons: read.value.coupons.map((c) => (c.code === from.code ? to : c)) };
    if ((await deps.coupons.putHoldings(next, read.etag)) === 'ok') return;
    await backoff(attempt);
  }
  throw contention('a holdings document');
}

async function reserve(
  deps: CouponDeps,
  offerDoc: OfferDocument,
  reservedMinor: number,
  firstRead: Versioned<BudgetState> | undefined,
  firstState: BudgetState | undefined,
): Promise<{ ok: true } | { ok: false; limit: 'coupons' | 'discount' }> {
  const limits = budgetLimits(offerDoc.offer);
  let read = firstRead;
  let next = firstState;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (next === undefined) {
      const reservation = reserveBudget(read?.value ?? initialBudgetState(offerDoc.id), limits, reservedMinor);
      if (!reservation.ok) return { ok: false, limit: reservation.limit };
      next = reservation.state;
    }
    if ((await deps.offers.putBudget(next, read?.etag)) === 'ok') return { ok: true };
    await backoff(attempt);
    read = await deps.offers.getBudget(offerDoc.id);
    next = undefined;
  }
  throw contention(`the budget of offer ${offerDoc.id}`);
}

// ---------------------------------------------------------------------------------------------------------
// Redemption

/**
 * Public redemption ids name the coupon: `<code>.<redemptionId>`. A rollback then needs one point read, not
 * a query across every coupon, and no separate redemption document has to be written on the hot path.
 */
export function publicRedemptionId(code: string, internalId: string): string {
  return `${code}.${internalId}`;
}

export function parsePublicRedemptionId(id: string): { code: CouponCode; redemptionId: string } | undefined {
  const dot = id.indexOf('.');
  if (dot < 0) return undefined;
  const normalized = normalizeCode(id.slice(0, dot));
  const internal = id.slice(dot + 1);
  if (!normalized.ok || !/^r_[A-Za-z0-9_-]{1,64}$/.test(internal)) return undefined;
  return { code: normalized.code, redemptionId: internal };
}

export type PurchaseStatus = 'created' | 'duplicate' | 'conflict' | 'erased';

/** What `redeemCoupon` needs beyond the common ports: the bus its redemption-events message goes to. */
export type RedeemDeps = CouponDeps & {
  bus: Pick<MessageBus, 'send'>;
  /** Carried on the redemption-events message, so its consumer's logs join the request's. */
  correlationId?: string;
};

export type RedeemOutcome =
  /** The purchase and the budget delta follow asynchronously (`redemption-events` → `recordRedemption`). */
  | { kind: 'redeemed'; coupon: Coupon; redemption: Redemption; replayed: boolean }
  /** The Idempotency-Key was used before with a different body. */
  | { kind: 'key_reused' }
  | ({ kind: 'refused' } & RedemptionFailure);

function malformed(input: string): RedemptionFailure | undefined {
  const normalized = normalizeCode(input);
  if (normalized.ok) return undefined;
  switch (normalized.reason) {
    case 'invalid_character':
      return { reason: 'malformed_code', detail: `codes never contain "${normalized.character}"${normalized.confusable ? ' (O, 0, I, 1 and L are left out on purpose)' : ''}` };
    case 'wrong_length':
      return { reason: 'malformed_code', detail: `a code has 12 symbols after the WB prefix; got ${normalized.length} characters` };
    case 'check_failed':
      return { reason: 'malformed_code', detail: 'the check character does not match: a typo' };
    default: {
      const exhaustive: never = normalized;
      return exhaustive;
    }
  }
}

/**
 * The hot path, three Cosmos operations: the Idempotency-Key claim and the coupon point read (in parallel),
 * then one `ifMatch` replace — the commit point: it carries the redemption, its id derived from (source,
 * Idempotency-Key), the request's hash and the budget delta still owed (`budgetApplied: false`). Then one
 * `redemption-events` message (messageId = redemptionId) hands the purchase and the budget delta to
 * `recordRedemption`. A replay is recognised on the coupon itself and sends the same message again, which
 * heals a crash between the replace and the send (duplicate detection drops the copy otherwise).
 */
export async function redeemCoupon(deps: RedeemDeps, request: RedemptionRequest, idempotencyKey: string, now: Date): Promise<RedeemOutcome> {
  const bad = malformed(request.code);
  if (bad) return { kind: 'refused', ...bad };
  const code = (normalizeCode(request.code) as { code: CouponCode }).code;
  const id = redemptionId(request.source, idempotencyKey);
  const requestHash = contentHash({ ...request, code });
  const basket = toBasket(request);
  let claimedHere = false;

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await backoff(attempt);
    const [claim, found, customerId] = await Promise.all([
      // The key is claimed globally (the coupon alone cannot see a key reused on another code); in parallel
      // with the coupon read, so it costs an operation but no latency.
      attempt === 0 ? deps.idempotency.claim('redemption-key', `${request.source}\n${idempotencyKey}`, requestHash, now, { customerId: request.customerId, ttlSeconds: retryKeyTtlSeconds }) : undefined,
      deps.coupons.get(code),
      // A card that was merged into another customer still redeems that customer's coupons.
      attempt === 0 ? currentCustomer(deps, request.customerId) : basket.customerId,
    ]);
    basket.customerId = customerId;
    if (claim?.kind === 'conflict') return { kind: 'key_reused' };
    if (claim?.kind === 'new') claimedHere = true;
    const decision = redeem({ coupon: found?.value, basket, now, redemptionId: id, orderId: request.orderId, source: request.source });
    switch (decision.kind) {
      case 'refused': {
        // A refused request stores nothing, not even its key: the till may retry it corrected.
        if (claimedHere) await deps.idempotency.forget('redemption-key', `${request.source}\n${idempotencyKey}`);
        const { kind: _kind, ...failure } = decision;
        return { kind: 'refused', ...failure };
      }
      case 'replay': {
        if (decision.redemption.requestHash !== undefined && decision.redemption.requestHash !== requestHash) return { kind: 'key_reused' };
        await sendRedemptionEvent(deps, request, decision.coupon, decision.redemption);
        return { kind: 'redeemed', coupon: decision.coupon, redemption: decision.redemption, replayed: true };
      }
      case 'redeemed': {
        const redemption: Redemption = {
          ...decision.redemption,
          requestHash,
          ...(decision.budgetDeltaMinor === 0 ? {} : { budgetDeltaMinor: decision.budgetDeltaMinor, budgetApplied: false }),
        };
        const coupon: Coupon = { ...decision.coupon, redemption };
        if ((await deps.coupons.replace(coupon, found!.etag)) === 'conflict') continue;
        await sendRedemptionEvent(deps, request, coupon, redemption);
        return { kind: 'redeemed', coupon, redemption, replayed: false };
      }
      default: {
        const exhaustive: never = decision;
        return exhaustive;
      }
    }
  }
  throw contention(`coupon ${code}`);
}

/** The message is a pure function of the request and the stored redemption, so a replay sends the same one. */
export function redemptionEvent(request: RedemptionRequest, coupon: Coupon, redemption: Redemption): RedemptionEvent {
  return {
    type: 'redemption.recorded',
    code: coupon.code,
    redemptionId: redemption.redemptionId,
    offerId: coupon.offerId,
    // The redemption's own time, not `now`: a replay must produce the same purchase, or it would conflict.
    purchase: redemptionPurchase(request, coupon, redemption.discountMinor, new Date(redemption.at)),
    budgetDeltaMinor: redemption.budgetApplied === false ? (redemption.budgetDeltaMinor ?? 0) : 0,
    ...Object.fromEntries(couponRedeemedEvents(coupon, redemption).map((event) => ['couponRedeemed', event])),
  };
}

async function sendRedemptionEvent(deps: RedeemDeps, request: RedemptionRequest, coupon: Coupon, redemption: Redemption): Promise<void> {
  await deps.bus.send(queues.redemptionEvents.name, {
    messageId: redemption.redemptionId,
    subject: 'redemption.recorded',
    ...(deps.correlationId === undefined ? {} : { correlationId: deps.correlationId }),
    body: redemptionEvent(request, coupon, redemption),
  });
}

export type RecordRedemptionOutcome = {
  purchase: PurchaseStatus;
  /**
   * `applied`: this delivery patched the budget; `settled`: nothing (left) to do — zero delta, applied by
   * an earlier delivery, or the redemption was rolled back before its delta was applied (the rollback
   * accounted for it); `unknown_coupon`: the coupon is gone.
   */
  budget: 'applied' | 'settled' | 'unknown_coupon';
};

/**
 * The `redemption-events` consumer: records the redemption's purchase (PurchaseStore.record, the same
 * idempotency as `POST /api/purchases`) and applies the deferred budget delta, both safe to redeliver.
 *
 * When the coupon came from a journey, the `couponRedeemed` KPI fact the message carries is sent last.
 *
 * The delta is marked applied on the coupon's redemption (`ifMatch`) *before* the budget is patched: a
 * crash between the two leaves it unapplied for good rather than applying it twice. A redemption's delta
 * gives back the part of the reservation the discount did not use, so an unapplied delta keeps the budget
 * more committed than it is — it never lets a campaign overspend (on an offer without a budget limit it only
 * under-counts the committed discount). Patching first would apply it twice on such a crash.
 */
export async function recordRedemption(deps: RedeemDeps, event: RedemptionEvent, now: Date): Promise<RecordRedemptionOutcome> {
  const [purchase, budget] = await Promise.all([recordEventPurchase(deps, event, now), applyDeferredBudget(deps, event)]);
  // A journey's coupon: its KPI fact, under an eventId from the redemption, so a redelivery counts once.
  if (event.couponRedeemed !== undefined) await sendKpiEvents(deps.bus, [event.couponRedeemed]);
  return { purchase, budget };
}

async function recordEventPurchase(deps: CouponDeps, event: RedemptionEvent, now: Date): Promise<PurchaseStatus> {
  // No `customerKnownLive`: the customer may have been erased since the redemption, so the tombstone decides.
  // The coupon's owner when it was redeemed; a merge since moved the coupon, and the store's re-check after
  // writing (PurchaseStore.record) moves a purchase that landed on the absorbed customer.
  const outcome = await deps.purchases.record(toPurchase(event.purchase, now), now);
  if (outcome.kind === 'conflict') {
    deps.log?.(`redemption ${event.redemptionId}: order ${event.purchase.orderId} from ${event.purchase.source} was already recorded with other content; the purchase was left as it was`);
  }
  return outcome.kind;
}

async function applyDeferredBudget(deps: CouponDeps, event: RedemptionEvent): Promise<RecordRedemptionOutcome['budget']> {
  // The message says whether a delta was deferred; when none was, the coupon need not even be read.
  if (event.budgetDeltaMinor === 0) return 'settled';
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await backoff(attempt);
    const found = await deps.coupons.get(event.code);
    if (!found) return 'unknown_coupon';
    const redemption = found.value.redemption;
    if (redemption?.redemptionId !== event.redemptionId || redemption.budgetApplied !== false) return 'settled';
    const marked: Coupon = { ...found.value, redemption: { ...redemption, budgetApplied: true } };
    if ((await deps.coupons.replace(marked, found.etag)) === 'conflict') continue;
    const delta = redemption.budgetDeltaMinor ?? 0;
    if (delta !== 0) await deps.offers.incrementBudget(found.value.offerId, { discountMinor: delta });
    return 'applied';
  }
  throw contention(`coupon ${event.code}`);
}

export type ValidateOutcome = { code: string; check: RedemptionCheck; coupon: Coupon | undefined };

/** Reads, never writes. */
export async function validateCoupon(deps: CouponDeps, rawCode: string, request: ValidateRequest, now: Date): Promise<ValidateOutcome> {
  const bad = malformed(rawCode);
  if (bad) return { code: rawCode, check: { ok: false, ...bad }, coupon: undefined };
  const code = (normalizeCode(rawCode) as { code: CouponCode }).code;
  const [found, customerId] = await Promise.all([deps.coupons.get(code), currentCustomer(deps, request.customerId)]);
  const basket: Basket = { ...toBasket(request), customerId };
  return { code, check: validateRedemption({ coupon: found?.value, basket, now }), coupon: found?.value };
}

// ---------------------------------------------------------------------------------------------------------
// Rollback

export type RollbackOutcome =
  | { kind: 'rolled_back'; coupon: Coupon; usable: boolean; replayed: boolean }
  | { kind: 'unknown_redemption' };

/**
 * Rolls a redemption back (a return). A journey's coupon tells the KPIs, also on a replay, so a crash between
 * the coupon's write and the event is healed by the retry (the event's id is the redemption's).
 */
export async function rollbackRedemption(deps: RedeemDeps, code: CouponCode, internalId: string, now: Date): Promise<RollbackOutcome> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await backoff(attempt);
    const found = await deps.coupons.get(code);
    if (!found) return { kind: 'unknown_redemption' };
    const result = applyRollback(found.value, internalId, now);
    switch (result.kind) {
      case 'unknown_redemption':
        return result;
      case 'already_rolled_back':
        await sendKpiEvents(deps.bus, couponRolledBackEvents(result.coupon, internalId, now));
        return { kind: 'rolled_back', coupon: result.coupon, usable: result.usable, replayed: true };
      case 'rolled_back':
        if ((await deps.coupons.replace(result.coupon, found.etag)) === 'conflict') continue;
        if (result.budgetDeltaMinor !== 0) await deps.offers.incrementBudget(result.coupon.offerId, { discountMinor: result.budgetDeltaMinor });
        await sendKpiEvents(deps.bus, couponRolledBackEvents(result.coupon, internalId, now));
        return { kind: 'rolled_back', coupon: result.coupon, usable: result.usable, replayed: false };
      default: {
        const exhaustive: never = result;
        return exhaustive;
      }
    }
  }
  throw contention(`coupon ${code}`);
}

// ---------------------------------------------------------------------------------------------------------
// Revocation

export type RevokeOutcome =
  | { kind: 'revoked'; coupon: Coupon; replayed: boolean }
  | { kind: 'unknown' }
  | { kind: 'malformed'; detail: string };

export async function revokeCoupon(deps: Pick<CouponDeps, 'coupons' | 'offers'>, rawCode: string, request: RevokeRequest, now: Date): Promise<RevokeOutcome> {
  const bad = malformed(rawCode);
  if (bad) return { kind: 'malformed', detail: 'detail' in bad ? bad.detail : 'not a coupon code' };
  const code = (normalizeCode(rawCode) as { code: CouponCode }).code;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await backoff(attempt);
    const found = await deps.coupons.get(code);
    if (!found) return { kind: 'unknown' };
    const decision = revokeDecision(found.value, request, now);
    switch (decision.kind) {
      case 'already_revoked':
        return { kind: 'revoked', coupon: decision.coupon, replayed: true };
      case 'revoke':
        if ((await deps.coupons.replace(decision.coupon, found.etag)) === 'conflict') continue;
        if (decision.budgetChange) await deps.offers.incrementBudget(decision.coupon.offerId, decision.budgetChange);
        return { kind: 'revoked', coupon: decision.coupon, replayed: false };
      default: {
        const exhaustive: never = decision;
        return exhaustive;
      }
    }
  }
  throw contention(`coupon ${code}`);
}

// ---------------------------------------------------------------------------------------------------------
// Shop orders (webhooks)

export type OrderRedemption = { code: string; redemptionId: string } & (
  | { status: 'redeemed' | 'replayed'; discountMinor: number }
  | { status: 'refused'; reason: RedemptionFailure['reason'] }
);

/**
 * A shop already gave the discount when the webhook arrives, so the order is not refused: the coupon is
 * marked used (single use still enforced — a code redeemed elsewhere is reported, not redeemed twice), and
 * the customer check is skipped because shop customer ids are not winback's.
 */
export async function redeemForOrder(
  deps: RedeemDeps,
  purchase: PurchaseInput,
  code: CouponCode,
  id: string,
  shopDiscount: number,
  now: Date,
): Promise<OrderRedemption> {
  // Amounts were validated against the currency by PurchaseInput; a shop's discount may carry more decimals.
  const minor = (amount: number) => toMinorUnits(amount, purchase.currency) ?? Math.round(amount * 10 ** currencyExponent(purchase.currency));
  const basket: Basket = {
    basketTotalMinor: minor(purchase.total) + minor(shopDiscount),
    currency: purchase.currency,
    items: purchase.items.map((i) => ({ sku: i.sku, category: i.category, quantity: i.quantity, unitPriceMinor: minor(i.unitPrice) })),
    channel: purchase.channel === 'pos' ? 'pos' : 'shop',
    storeId: purchase.storeId,
  };
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await backoff(attempt);
    const found = await deps.coupons.get(code);
    const decision = redeem({ coupon: found?.value, basket, now, redemptionId: id, orderId: purchase.orderId, source: purchase.source });
    switch (decision.kind) {
      case 'refused':
        return { code, redemptionId: id, status: 'refused', reason: decision.reason };
      case 'replay':
        // Sent again: heals a crash between the redemption and its KPI fact (the eventId makes it count once).
        await sendKpiEvents(deps.bus, couponRedeemedEvents(decision.coupon, decision.redemption));
        return { code, redemptionId: id, status: 'replayed', discountMinor: decision.redemption.discountMinor };
      case 'redeemed':
        if ((await deps.coupons.replace(decision.coupon, found!.etag)) === 'conflict') continue;
        if (decision.budgetDeltaMinor !== 0) await deps.offers.incrementBudget(decision.coupon.offerId, { discountMinor: decision.budgetDeltaMinor });
        await sendKpiEvents(deps.bus, couponRedeemedEvents(decision.coupon, decision.redemption));
        return { code, redemptionId: id, status: 'redeemed', discountMinor: decision.redemption.discountMinor };
      default: {
        const exhaustive: never = decision;
        return exhaustive;
      }
    }
  }
  throw contention(`coupon ${code}`);
}

// ---------------------------------------------------------------------------------------------------------
// Expiry

export interface ReleaseSummary {
  /** Candidates the query returned. */
  scanned: number;
  /** Reservations given back by this run. */
  released: number;
  /** Sum of the discount reservations given back, minor units (per offer currency, so only a rough total). */
  releasedMinor: number;
  /** Candidates found redeemed, not expired or already released on a fresh read (another writer won). */
  skipped: number;
  /** Candidates whose release threw (logged); a marked one stays marked, so nothing is released twice. */
  failed: number;
  /** The query hit `limit`: more may be waiting for the next run. */
  more: boolean;
}

/**
 * Gives back the budget reservations of expired, unredeemed coupons (see expiry.ts for why the coupon is
 * marked before the budget is patched). Safe to run again and concurrently with itself, redemptions,
 * rollbacks and erasure: whoever replaces the coupon first wins, and a marked coupon is never released again.
 */
export async function releaseExpiredReservations(
  deps: Pick<CouponDeps, 'coupons' | 'offers' | 'log'>,
  now: Date,
  options: { limit: number; concurrency?: number },
): Promise<ReleaseSummary> {
  const candidates = await deps.coupons.expiredUnreleased(now, options.limit);
  const results = await mapWithConcurrency(candidates, options.concurrency ?? 8, (candidate) =>
    releaseOne(deps, candidate, now).catch((error: unknown) => {
      deps.log?.(`coupon ${candidate.value.code}: releasing its reservation failed: ${error instanceof Error ? error.message : String(error)}`);
      return 'failed' as const;
    }),
  );
  const summary: ReleaseSummary = { scanned: candidates.length, released: 0, releasedMinor: 0, skipped: 0, failed: 0, more: candidates.length >= options.limit };
  for (const result of results) {
    if (result === 'failed') summary.failed++;
    else if (result === undefined) summary.skipped++;
    else {
      summary.released++;
      summary.releasedMinor += result;
    }
  }
  return summary;
}

/** The discount released, or undefined when there was nothing (left) to release. */
async function releaseOne(deps: Pick<CouponDeps, 'coupons' | 'offers'>, first: Versioned<Coupon>, now: Date): Promise<number | undefined> {
  let current: Versioned<Coupon> | undefined = first;
  for (let attempt = 0; attempt < maxAttempts && current; attempt++) {
    if (attempt > 0) await backoff(attempt);
    const decision = expiryRelease(current.value, now);
    switch (decision.kind) {
      case 'keep':
        return undefined;
      case 'release':
        if ((await deps.coupons.replace(decision.coupon, current.etag)) === 'ok') {
          await deps.offers.incrementBudget(decision.coupon.offerId, decision.change);
          return -decision.change.discountMinor;
        }
        current = await deps.coupons.get(current.value.code);
        break;
      default: {
        const exhaustive: never = decision;
        return exhaustive;
      }
    }
  }
  if (current === undefined) return undefined;
  throw contention(`coupon ${current.value.code}`);
}
