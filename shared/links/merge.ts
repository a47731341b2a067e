import { aliasRef, mergeId, type LinkDocument, type MergeRecord } from './schema.js';
import { claimLink, newLink } from './resolve.js';
import { readRef, type LinkRepository } from './store.js';

/** A profile field (or other datum) two customers disagree on, so merging them would be a guess. */
export interface MergeConflict {
  field: string;
  /** The absorbed customer's value, then the survivor's. */
  values: [unknown, unknown];
}

/** What a conflict check may know beyond the stored data: the survivor's profile as a PUT is about to store it. */
export interface ConflictContext {
  survivorProfile?: Record<string, unknown> | undefined;
}

/**
 * The port other data owners plug into a merge. `merge` moves everything the owner keeps under `from` to
 * `into`; it must be idempotent (a crashed merge runs it again) and safe while writers keep using either
 * id. `conflicts` names what cannot be merged without a human decision; a non-empty answer stops the merge
 * before anything is written.
 */
export interface MergeParticipant {
  name: string;
  merge(from: string, into: string, now: Date): Promise<void>;
  conflicts?(from: string, into: string, context?: ConflictContext): Promise<MergeConflict[]>;
  /** Whether the owner keeps anything under the customer (a link to an identity never seen merges nothing). */
  holds?(customerId: string): Promise<boolean>;
}

export type MergeOutcome =
  | { kind: 'merged'; record: MergeRecord; replayed: boolean }
  | { kind: 'conflict'; conflicts: MergeConflict[] }
  | { kind: 'same' };

const contention = (what: string) => Object.assign(new Error(`too much contention on ${what}`), { code: 503 });

/**
 * Merges customer `from` into `into`. Order of writes, and why:
 * 1. the merge record (create; its id is derived from the pair, so a retry finds it and resumes);
 * 2. the alias `{customer, from}` → `into`: from here on every resolution of `from` answers `into`, so new
 *    events stop landing on `from` (a writer that resolved just before re-checks after its write — see
 *    PurchaseStore.record — and moves what it wrote);
 * 3. every link pointing at `from` (its identities and older aliases) is re-pointed, `ifMatch`;
 * 4. the participants, in order, each marked done on the record;
 * 5. the record is marked done. A repeated merge finds it done and changes nothing.
 */
export class Merger {
  constructor(
    private readonly repo: LinkRepository,
    private readonly participants: readonly MergeParticipant[],
  ) {}

  async conflicts(from: string, into: string, context: ConflictContext = {}): Promise<MergeConflict[]> {
    const all = await Promise.all(this.participants.map((p) => p.conflicts?.(from, into, context) ?? Promise.resolve([])));
    return all.flat();
  }

  async holdsData(customerId: string): Promise<boolean> {
    const held = await Promise.all(this.participants.map((p) => p.holds?.(customerId) ?? Promise.resolve(false)));
    return held.includes(true);
  }

  async merge(from: string, into: string, now: Date): Promise<MergeOutcome> {
    if (from === into) return { kind: 'same' };
    const id = mergeId(from, into);
    let found = await this.repo.get(id);
    if (found?.value.kind === 'merge' && found.value.status === 'done') return { kind: 'merged', record: found.value, replayed: true };
    if (found === undefined) {
      const conflicts = await this.conflicts(from, into);
      if (conflicts.length > 0) return { kind: 'conflict', conflicts };
      const record: MergeRecord = { id, kind: 'merge', absorbedId: from, survivorId: into, status: 'running', done: [], startedAt: now.toISOString() };
      await this.repo.create(record);
      found = await this.repo.get(id);
    }
    if (found?.value.kind !== 'merge') throw new Error(`merge record ${id} is missing or not a merge record`);
    // Possibly the pair's merge the other way round, started first: it is finished, and stands.
    return { kind: 'merged', record: await this.run(found.value, now), replayed: false };
  }

  /** Finishes merges a crash left running that name the customer (on either side). */
  async resumePending(customerId: string, now: Date): Promise<void> {
    for (const record of await this.repo.mergesOf(customerId)) {
      if (record.status === 'running') await this.run(record, now);
    }
  }

  /**
   * Finishes merges a crash left running and nobody touched since (the timer links-merges-resume): until
   * then the absorbed id already resolves to the survivor, but part of its history would not be visible.
   */
  async resumeStalled(now: Date, options: { olderThanMs: number; limit: number }, log?: (line: string) => void): Promise<{ resumed: number; failed: number }> {
    const stalled = await this.repo.stalledMerges(new Date(now.getTime() - options.olderThanMs).toISOString(), options.limit);
    let resumed = 0;
    let failed = 0;
    for (const record of stalled) {
      try {
        await this.run(record, now);
        resumed++;
      } catch (error) {
        failed++;
        log?.(`merge ${record.id}: resuming failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { resumed, failed };
  }

  private async run(record: MergeRecord, now: Date): Promise<MergeRecord> {
    const { absorbedId: from, survivorId: into } = record;
    await this.writeAlias(from, into, now);
    await this.repointLinks(from, into, now);
    let current = record;
    for (const participant of this.participants) {
      if (current.done.includes(participant.name)) continue;
      await participant.merge(from, into, now);
      current = { ...current, done: [...current.done, participant.name] };
      await this.save(current);
    }
    current = { ...current, status: 'done', completedAt: now.toISOString() };
    await this.save(current);
    return current;
  }

  private async writeAlias(from: string, into: string, now: Date): Promise<void> {
    const ref = aliasRef(from);
    for (let attempt = 0; attempt < 10; attempt++) {
      const read = await readRef(this.repo, ref);
      if (read?.value.kind === 'link') {
        if (read.value.customerId === into) return;
        throw Object.assign(new Error(`customer ${from} is being merged into another customer at the same time; retry`), { code: 503 });
      }
      if ((await claimLink(this.repo, newLink(ref, into, 'merge', now), read)) === 'ok') return;
    }
    throw contention(`the alias of customer ${from}`);
  }

  private async repointLinks(from: string, into: string, now: Date): Promise<void> {
    for (const link of await this.repo.linksOf(from)) await this.repoint(link, from, into, now);
  }

  private async repoint(link: LinkDocument, from: string, into: string, now: Date): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const read = await this.repo.get(link.id);
      if (read?.value.kind !== 'link' || read.value.customerId !== from) return;
      const moved: LinkDocument = { ...read.value, customerId: into, updatedAt: now.toISOString() };
      if ((await this.repo.replace(moved, read.etag)) === 'ok') return;
    }
    throw contention(`link ${link.id}`);
  }

  private async save(record: MergeRecord): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const read = await this.repo.get(record.id);
      if (read?.value.kind !== 'merge') return;
      const done = [...new Set([...read.value.done, ...record.done])];
      const next: MergeRecord = { ...record, done, status: read.value.status === 'done' ? 'done' : record.status };
      if ((await this.repo.replace(next, read.etag)) === 'ok') return;
    }
    throw contention(`merge record ${record.id}`);
  }
}
