import type { MergeConflict, Merger } from './merge.js';
import { claimLink, newLink, resolution, type CustomerResolver } from './resolve.js';
import {
  aliasSource,
  fallbackCustomerId,
  linkId,
  normalizeExternalId,
  type CustomerRef,
  type IndexDocument,
  type LinkDocument,
  type LinkOrigin,
  type LinkTombstone,
} from './schema.js';
import { readRef, type LinkRepository, type Versioned } from './store.js';

export interface LinkDeps {
  repo: LinkRepository;
  resolver: CustomerResolver;
  merger: Merger;
  customers: { erase(customerId: string, now: Date): Promise<{ purchasesDeleted: number }> };
  /** LINK_EMAIL_MATCHING: whether a profile's verified e-mail is learned as a link. */
  emailMatching: boolean;
  log?: (line: string) => void;
}

export type LinkPlan =
  | { kind: 'noop' }
  /** Write the link to the target (create, or replace a tombstone); then absorb the identity's fallback customer. */
  | { kind: 'claim'; absorb?: string; erasedAt?: string }
  /** The identity belongs to `from`: merge `from` into the target (the merge re-points the link). */
  | { kind: 'absorb'; from: string; holderOrigin?: LinkOrigin };

/** What linking `ref` to `target` takes, given the identity's index document. */
export function planLink(found: IndexDocument | undefined, ref: CustomerRef, target: string): LinkPlan {
  const decided = resolution(found, ref);
  if (ref.source === aliasSource) {
    // Linking a winback customer id merges that customer (or the one it was merged into) into the target.
    const from = decided.kind === 'linked' ? decided.customerId : ref.externalId;
    return from === target ? { kind: 'noop' } : { kind: 'absorb', from };
  }
  switch (decided.kind) {
    case 'linked':
      return decided.customerId === target ? { kind: 'noop' } : { kind: 'absorb', from: decided.customerId, holderOrigin: decided.link.origin };
    case 'erased':
      // The holder was erased: the identity starts afresh, and purchases from before the erasure stay refused.
      return { kind: 'claim', erasedAt: decided.erasedAt };
    case 'unlinked': {
      // History recorded before the identity had a link sits on its fallback customer.
      const fallback = fallbackCustomerId(ref);
      return fallback === target ? { kind: 'claim' } : { kind: 'claim', absorb: fallback };
    }
    default: {
      const exhaustive: never = decided;
      return exhaustive;
    }
  }
}

export type LinkOutcome =
  | { kind: 'linked'; customerId: string; merged: string[]; links: LinkDocument[] }
  | { kind: 'conflict'; customerId: string; conflicts: (MergeConflict & { customerId: string })[] };

const absorbed = (plan: LinkPlan) => (plan.kind === 'absorb' ? plan.from : plan.kind === 'claim' ? plan.absorb : undefined);

type PlannedLink = { ref: CustomerRef; read: Versioned<IndexDocument> | undefined; plan: LinkPlan };
type NamedConflict = MergeConflict & { customerId: string };

/** What linking `refs` to `target` would do, and the conflicts of the merges it implies. Reads only. */
async function planLinks(
  deps: LinkDeps,
  target: string,
  refs: readonly CustomerRef[],
  options: { auto?: boolean; survivorProfile?: Record<string, unknown> },
): Promise<{ plans: PlannedLink[]; conflicts: NamedConflict[] }> {
  const reads = await Promise.all(refs.map((ref) => readRef(deps.repo, ref)));
  let plans: PlannedLink[] = refs.map((ref, i) => ({ ref, read: reads[i], plan: planLink(reads[i]?.value, ref, target) }));
  if (options.auto) plans = plans.filter(({ plan }) => plan.kind !== 'absorb' || plan.holderOrigin === 'first_seen');
  // An identity nobody saw before has an empty fallback customer: nothing to merge, no alias to leave.
  plans = await Promise.all(
    plans.map(async (p) => (p.plan.kind === 'claim' && p.plan.absorb !== undefined && !(await deps.merger.holdsData(p.plan.absorb)) ? { ...p, plan: { ...p.plan, absorb: undefined } } : p)),
  );
  const conflicts: NamedConflict[] = [];
  for (const from of absorbedBy(plans)) {
    if (from === target) continue;
    for (const conflict of await deps.merger.conflicts(from, target, { survivorProfile: options.survivorProfile })) conflicts.push({ ...conflict, customerId: from });
  }
  return { plans, conflicts };
}

const absorbedBy = (plans: readonly PlannedLink[]) => new Set(plans.map(({ plan }) => absorbed(plan)).filter((f): f is string => f !== undefined));

/**
 * The conflicts linking `refs` would run into if the customer's profile were `survivorProfile` (a PUT checks
 * its new profile before storing anything).
 */
export async function linkConflicts(deps: LinkDeps, customerId: string, refs: readonly CustomerRef[], survivorProfile: Record<string, unknown>): Promise<LinkOutcome | undefined> {
  const target = (await deps.resolver.current(customerId)).customerId;
  const { conflicts } = await planLinks(deps, target, refs, { survivorProfile });
  return conflicts.length > 0 ? { kind: 'conflict', customerId: target, conflicts } : undefined;
}

/**
 * Links identities to a customer (`customerId` may be an absorbed id: its survivor is meant). Every merge the
 * links imply is checked for conflicts first; one conflict and nothing is written. `auto` is the e-mail
 * learning of `learnFromProfile`: it only takes identities nobody claimed but a guest, and skips rather than
 * reports a conflict.
 */
export async function linkIdentities(
  deps: LinkDeps,
  customerId: string,
  refs: readonly CustomerRef[],
  now: Date,
  options: { origin?: LinkOrigin; auto?: boolean } = {},
): Promise<LinkOutcome> {
  const target = (await deps.resolver.current(customerId)).customerId;
  await deps.merger.resumePending(target, now);
  const merged: string[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const { plans, conflicts } = await planLinks(deps, target, refs, options);
    if (conflicts.length > 0) {
      if (!options.auto) return { kind: 'conflict', customerId: target, conflicts };
      deps.log?.(`customer ${target}: verified e-mail not linked, the customer holding it has conflicting ${conflicts.map((c) => c.field).join(', ')}`);
      return { kind: 'linked', customerId: target, merged, links: await deps.repo.linksOf(target) };
    }
    let lost = false;
    for (const { ref, read, plan } of plans) {
      if (plan.kind !== 'claim') continue;
      const written = await claimLink(deps.repo, newLink(ref, target, options.origin ?? 'api', now, plan.erasedAt), read);
      if (written === 'conflict') lost = true;
    }
    if (lost) continue; // someone claimed one of the identities meanwhile: plan again on what is there now
    for (const from of absorbedBy(plans)) {
      const outcome = await deps.merger.merge(from, target, now);
      if (outcome.kind === 'conflict') return { kind: 'conflict', customerId: target, conflicts: outcome.conflicts.map((c) => ({ ...c, customerId: from })) };
      if (outcome.kind === 'merged' && !outcome.replayed) merged.push(from);
    }
    // An identity that came along with a merge was only ever seen; now it was linked on purpose.
    for (const { ref, plan } of plans) {
      if (plan.kind === 'absorb' && ref.source !== aliasSource) await confirmOrigin(deps.repo, ref, target, options.origin ?? 'api', now);
    }
    // A merge of the same pair the other way round, started first by someone else, decides the survivor.
    const survivor = (await deps.resolver.current(target)).customerId;
    return { kind: 'linked', customerId: survivor, merged, links: await deps.repo.linksOf(survivor) };
  }
  throw Object.assign(new Error(`too much contention on the links of customer ${target}`), { code: 503 });
}

async function confirmOrigin(repo: LinkRepository, ref: CustomerRef, target: string, origin: LinkOrigin, now: Date): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const read = await readRef(repo, ref);
    if (read?.value.kind !== 'link' || read.value.customerId !== target || read.value.origin !== 'first_seen') return;
    if ((await repo.replace({ ...read.value, origin, updatedAt: now.toISOString() }, read.etag)) === 'ok') return;
  }
}

/**
 * A profile whose e-mail is verified gets the `email` link when e-mail matching is on; a guest customer
 * that ordered with that address is merged into it.
 */
export async function learnFromProfile(deps: LinkDeps, customerId: string, profile: { email?: string | undefined; emailVerified?: boolean | undefined }, now: Date): Promise<void> {
  if (!deps.emailMatching || profile.email === undefined || profile.emailVerified !== true) return;
  await linkIdentities(deps, customerId, [{ source: 'email', externalId: normalizeExternalId('email', profile.email) }], now, { origin: 'email_match', auto: true });
}

export type UnlinkOutcome = { kind: 'unlinked' } | { kind: 'not_found' } | { kind: 'permanent' };

/**
 * Removes a link: future events of the identity land on its fallback customer again. History already merged
 * stays where it is (it cannot be told apart any more), and a merge (`customer` link) cannot be undone.
 */
export async function unlinkIdentity(deps: LinkDeps, customerId: string, ref: CustomerRef): Promise<UnlinkOutcome> {
  const target = (await deps.resolver.current(customerId)).customerId;
  for (let attempt = 0; attempt < 5; attempt++) {
    const read = await readRef(deps.repo, ref);
    if (read === undefined) return { kind: 'unlinked' };
    if (read.value.kind !== 'link' || read.value.customerId !== target) return { kind: 'not_found' };
    if (ref.source === aliasSource) return { kind: 'permanent' };
    if ((await deps.repo.delete(read.value.id, read.etag)) === 'ok') return { kind: 'unlinked' };
  }
  throw Object.assign(new Error('too much contention on a link'), { code: 503 });
}

/** The links of a customer, with the survivor's id when `customerId` was merged away. */
export async function linksOf(deps: Pick<LinkDeps, 'repo' | 'resolver'>, customerId: string): Promise<{ customerId: string; redirected: boolean; links: LinkDocument[] }> {
  const current = await deps.resolver.current(customerId);
  return { ...current, links: await deps.repo.linksOf(current.customerId) };
}

/**
 * Erasure follows links: the customer (the survivor, when an absorbed id is named), every customer merged
 * into it, and every identity linked to it. Identities become tombstones first, so events arriving while
 * the erasure runs are refused; a tombstone keeps only the hashed id and the time, and refuses any event
 * from before it — a replayed old webhook cannot bring the person back.
 */
export async function eraseLinked(deps: LinkDeps, customerId: string, now: Date): Promise<{ purchasesDeleted: number; identitiesErased: number; customersErased: number }> {
  const target = (await deps.resolver.current(customerId)).customerId;
  await deps.merger.resumePending(target, now);
  const links = await deps.repo.linksOf(target);
  const absorbedIds: string[] = [];
  let identitiesErased = 0;
  for (const link of links) {
    if (link.source === aliasSource) {
      absorbedIds.push(link.externalId);
      continue;
    }
    const tombstone: LinkTombstone = { id: link.id, kind: 'tombstone', erasedAt: now.toISOString() };
    for (let attempt = 0; attempt < 10; attempt++) {
      const read = await deps.repo.get(link.id);
      if (read?.value.kind !== 'link' || read.value.customerId !== target) break;
      if ((await deps.repo.replace(tombstone, read.etag)) === 'ok') {
        identitiesErased++;
        break;
      }
    }
  }
  let purchasesDeleted = 0;
  for (const id of [...absorbedIds, target]) purchasesDeleted += (await deps.customers.erase(id, now)).purchasesDeleted;
  // Aliases go once the absorbed ids carry their own erasure tombstones; merge records name both sides.
  for (const id of absorbedIds) await deps.repo.delete(linkId(aliasSource, id));
  for (const id of [...absorbedIds, target]) {
    for (const record of await deps.repo.mergesOf(id)) await deps.repo.delete(record.id);
  }
  return { purchasesDeleted, identitiesErased, customersErased: absorbedIds.length + 1 };
}
