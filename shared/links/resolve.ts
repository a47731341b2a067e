import { aliasRef, aliasSource, fallbackCustomerId, linkId, normalizeExternalId, type CustomerRef, type IndexDocument, type LinkDocument, type LinkOrigin } from './schema.js';
import { readRef, type LinkRepository, type Versioned } from './store.js';

export type Resolution =
  /** The identity is linked: its customer. */
  | { kind: 'linked'; customerId: string; link: LinkDocument }
  /** Linked to nobody (yet): the fallback customer; `erasedAt` when a former holder was erased. */
  | { kind: 'unlinked'; customerId: string; erasedAt?: string }
  /** Erased, and the event happened before the erasure: it must not bring the person back. */
  | { kind: 'erased'; erasedAt: string };

/**
 * What one link-index document says about an identity. `occurredAt` is the time of the event being
 * ingested; reads pass none, and then a tombstone always means erased.
 */
export function resolution(found: IndexDocument | undefined, ref: CustomerRef, occurredAt?: string): Resolution {
  const fallback = fallbackCustomerId(ref);
  switch (found?.kind) {
    case undefined:
    case 'merge':
      return { kind: 'unlinked', customerId: fallback };
    case 'tombstone':
      if (occurredAt === undefined || occurredAt <= found.erasedAt) return { kind: 'erased', erasedAt: found.erasedAt };
      return { kind: 'unlinked', customerId: fallback, erasedAt: found.erasedAt };
    case 'link':
      if (found.erasedAt !== undefined && occurredAt !== undefined && occurredAt <= found.erasedAt) return { kind: 'erased', erasedAt: found.erasedAt };
      return { kind: 'linked', customerId: found.customerId, link: found };
    default: {
      const exhaustive: never = found;
      return exhaustive;
    }
  }
}

export function newLink(ref: CustomerRef, customerId: string, origin: LinkOrigin, now: Date, erasedAt?: string): LinkDocument {
  return {
    id: linkId(ref.source, ref.externalId),
    kind: 'link',
    source: ref.source,
    externalId: ref.externalId,
    customerId,
    origin,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(erasedAt === undefined ? {} : { erasedAt }),
  };
}

/** Creates the link, or replaces the tombstone it was read as; `conflict` when someone else wrote first. */
export async function claimLink(repo: LinkRepository, link: LinkDocument, read: Versioned<IndexDocument> | undefined): Promise<'ok' | 'conflict'> {
  if (read === undefined || read.value.kind === 'merge') return (await repo.create(link)) === 'created' ? 'ok' : 'conflict';
  return repo.replace(link, read.etag);
}

export type IngestResolution = { kind: 'customer'; customerId: string } | { kind: 'erased'; erasedAt: string };

/**
 * Finds the customer an ingested event belongs to: one point read of the identity's link. An identity seen
 * for the first time is claimed (create, first writer wins) for its fallback customer — or, when e-mail
 * matching is on and the order's e-mail is linked to a customer who verified it, for that customer — so a
 * later link to someone else is a visible change of hands that merges the history along with it.
 */
export class CustomerResolver {
  constructor(
    private readonly repo: LinkRepository,
    private readonly options: { emailMatching: boolean },
  ) {}

  async forIngest(ref: CustomerRef, context: { occurredAt: string; email?: string | undefined; now: Date }): Promise<IngestResolution> {
    const occurredAt = new Date(context.occurredAt).toISOString(); // tombstones compare as UTC ISO strings
    for (let attempt = 0; attempt < 5; attempt++) {
      const read = await readRef(this.repo, ref);
      const decided = resolution(read?.value, ref, occurredAt);
      switch (decided.kind) {
        case 'erased':
          return decided;
        case 'linked':
          return { kind: 'customer', customerId: decided.customerId };
        case 'unlinked':
          break;
        default: {
          const exhaustive: never = decided;
          return exhaustive;
        }
      }
      // A customer id names itself; only an absorbed one has a document (its alias).
      if (ref.source === aliasSource) return { kind: 'customer', customerId: decided.customerId };
      const verified = ref.source === 'email' ? undefined : await this.verifiedEmailOwner(context.email);
      const link = newLink(ref, verified ?? decided.customerId, verified === undefined ? 'first_seen' : 'email_match', context.now, decided.erasedAt);
      if ((await claimLink(this.repo, link, read)) === 'ok') return { kind: 'customer', customerId: link.customerId };
    }
    throw Object.assign(new Error(`too much contention on the link of a ${ref.source} identity`), { code: 503 });
  }

  /** The customer whose verified e-mail (or explicit e-mail link) this is; guests' own links do not count. */
  private async verifiedEmailOwner(email: string | undefined): Promise<string | undefined> {
    if (!this.options.emailMatching || email === undefined) return undefined;
    const normalized = normalizeExternalId('email', email);
    const found = await this.repo.get(linkId('email', normalized));
    return found?.value.kind === 'link' && found.value.origin !== 'first_seen' ? found.value.customerId : undefined;
  }

  /** A customer id as a read sees it: the survivor when it was merged away (one point read). */
  async current(customerId: string): Promise<{ customerId: string; redirected: boolean }> {
    const survivor = await this.survivorOf(customerId);
    return survivor === undefined ? { customerId, redirected: false } : { customerId: survivor, redirected: true };
  }

  /** The customer this one was merged into, if it was. */
  async survivorOf(customerId: string): Promise<string | undefined> {
    const read = await readRef(this.repo, aliasRef(customerId));
    return read?.value.kind === 'link' && read.value.customerId !== customerId ? read.value.customerId : undefined;
  }
}
