import { contentHash } from '../canonical.js';
import type { DocumentStore, Versioned } from '../storage/documents.js';
import { builtinJourney, builtinJourneys } from './defaults.js';
import type { JourneyDefinition, JourneyStatus } from './definition.js';
import type { Enrollment, Membership } from './enrollment.js';

/** The current definition of a journey (id = journeyId) in `journey-definitions` (partition /id). */
export interface JourneyDocument {
  id: string;
  type: 'journey';
  journeyId: string;
  version: number;
  status: JourneyStatus;
  definition: JourneyDefinition;
  contentHash: string;
  createdAt: string;
  updatedAt: string;
}

/** Every version ever made, immutable (id = `<journeyId>@<version>`): enrollments run on theirs. */
export interface JourneyVersionDocument {
  id: string;
  type: 'journey-version';
  journeyId: string;
  version: number;
  definition: JourneyDefinition;
  createdAt: string;
}

export interface JourneyState {
  journeyId: string;
  version: number;
  status: JourneyStatus;
  definition: JourneyDefinition;
  builtin: boolean;
  updatedAt: string | null;
}

const builtinAt = '1970-01-01T00:00:00.000Z';
const maxAttempts = 50;

function builtinState(journeyId: string): JourneyState | undefined {
  const definition = builtinJourney(journeyId);
  // Shipped journeys start paused: nothing goes out until a marketer resumes one.
  return definition && { journeyId, version: 1, status: 'paused', definition, builtin: true, updatedAt: null };
}

/**
 * Every customer event and every step reads journey definitions, so the current ones are kept in memory for
 * `cacheMs` (real time): a change made on this instance is seen at once, one made on another instance within
 * that time. Versions never change and are kept for good.
 */
export class JourneyStore {
  private readonly versions = new Map<string, JourneyDefinition>();
  private listed?: { at: number; states: Promise<JourneyState[]> };

  constructor(
    private readonly docs: DocumentStore<JourneyDocument | JourneyVersionDocument>,
    private readonly cacheMs = 10_000,
  ) {}

  private invalidate(): void {
    this.listed = undefined;
  }

  private async current(journeyId: string): Promise<Versioned<JourneyDocument> | undefined> {
    const found = await this.docs.get(journeyId, journeyId);
    return found && found.value.type === 'journey' ? (found as Versioned<JourneyDocument>) : undefined;
  }

  async get(journeyId: string): Promise<JourneyState | undefined> {
    return (await this.list()).find((j) => j.journeyId === journeyId) ?? this.read(journeyId);
  }

  private async read(journeyId: string): Promise<JourneyState | undefined> {
    const found = await this.current(journeyId);
    if (found) {
      const d = found.value;
      return { journeyId, version: d.version, status: d.status, definition: d.definition, builtin: false, updatedAt: d.updatedAt };
    }
    return builtinState(journeyId);
  }

  /** The definition an enrollment runs on; versions never change, so they are kept in memory once read. */
  async getVersion(journeyId: string, version: number): Promise<JourneyDefinition | undefined> {
    const key = `${journeyId}@${version}`;
    const cached = this.versions.get(key);
    if (cached) return cached;
    const found = await this.docs.get(key, key);
    const definition = found && found.value.type === 'journey-version' ? found.value.definition : version === 1 ? builtinJourney(journeyId) : undefined;
    if (definition) this.versions.set(key, definition);
    return definition;
  }

  async list(): Promise<JourneyState[]> {
    const now = Date.now();
    if (!this.listed || now - this.listed.at > this.cacheMs) {
      const states = this.readAll();
      this.listed = { at: now, states };
      states.catch(() => this.invalidate());
    }
    return this.listed.states;
  }

  private async readAll(): Promise<JourneyState[]> {
    const stored = (await this.docs.all({ type: 'journey' })) as JourneyDocument[];
    const ids = new Set(stored.map((d) => d.journeyId));
    const states: JourneyState[] = stored.map((d) => ({ journeyId: d.journeyId, version: d.version, status: d.status, definition: d.definition, builtin: false, updatedAt: d.updatedAt }));
    for (const id of Object.keys(builtinJourneys)) if (!ids.has(id)) states.push(builtinState(id)!);
    return states.sort((a, b) => (a.journeyId < b.journeyId ? -1 : 1));
  }

  /**
   * Creates or changes a journey. The same definition again changes nothing (same version); a different one
   * becomes version n+1. A new journey starts active; a changed one keeps its status.
   */
  async put(journeyId: string, definition: JourneyDefinition, now: Date): Promise<{ state: JourneyState; created: boolean; changed: boolean }> {
    const hash = contentHash(definition);
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const found = await this.current(journeyId);
      const builtin = found ? undefined : builtinState(journeyId);
      const baseHash = found?.value.contentHash ?? (builtin ? contentHash(builtin.definition) : undefined);
      if (baseHash === hash) return { state: (await this.read(journeyId))!, created: false, changed: false };
      const version = (found?.value.version ?? builtin?.version ?? 0) + 1;
      const versionId = `${journeyId}@${version}`;
      const at = now.toISOString();
      const made = await this.docs.create(versionId, { id: versionId, type: 'journey-version', journeyId, version, definition, createdAt: at });
      if (made === 'conflict') {
        // Another writer made this version first; an identical one is ours too, otherwise decide again.
        const other = await this.docs.get(versionId, versionId);
        if (!other || contentHash((other.value as JourneyVersionDocument).definition) !== hash) continue;
      }
      const doc: JourneyDocument = {
        id: journeyId,
        type: 'journey',
        journeyId,
        version,
        status: found?.value.status ?? builtin?.status ?? 'active',
        definition,
        contentHash: hash,
        createdAt: found?.value.createdAt ?? at,
        updatedAt: at,
      };
      const written = found ? await this.docs.replace(journeyId, doc, found.etag) : await this.docs.create(journeyId, doc);
      if (written === 'conflict') continue;
      this.invalidate();
      return { state: { journeyId, version, status: doc.status, definition, builtin: false, updatedAt: at }, created: !found && !builtin, changed: true };
    }
    throw Object.assign(new Error(`too much contention on journey ${journeyId}`), { code: 503 });
  }

  /** Pause or resume (idempotent). A shipped journey is stored at version 1 the first time. */
  async setStatus(journeyId: string, status: JourneyStatus, now: Date): Promise<JourneyState | undefined> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const found = await this.current(journeyId);
      const at = now.toISOString();
      if (found) {
        if (found.value.status === status) return this.read(journeyId);
        if ((await this.docs.replace(journeyId, { ...found.value, status, updatedAt: at }, found.etag)) === 'ok') {
          this.invalidate();
          return this.read(journeyId);
        }
        continue;
      }
      const builtin = builtinState(journeyId);
      if (!builtin) return undefined;
      const doc: JourneyDocument = { id: journeyId, type: 'journey', journeyId, version: 1, status, definition: builtin.definition, contentHash: contentHash(builtin.definition), createdAt: builtinAt, updatedAt: at };
      if ((await this.docs.create(journeyId, doc)) === 'ok') {
        this.invalidate();
        return this.read(journeyId);
      }
    }
    throw Object.assign(new Error(`too much contention on journey ${journeyId}`), { code: 503 });
  }
}

type EnrollmentsDoc = Enrollment | Membership;

/** Enrollments and memberships in `enrollments` (partition /customerId). */
export class EnrollmentStore {
  constructor(private readonly docs: DocumentStore<EnrollmentsDoc>) {}

  async get(customerId: string, id: string): Promise<Versioned<Enrollment> | undefined> {
    const found = await this.docs.get(customerId, id);
    return found && found.value.type === 'enrollment' ? (found as Versioned<Enrollment>) : undefined;
  }

  async create(enrollment: Enrollment): Promise<'ok' | 'conflict'> {
    return this.docs.create(enrollment.customerId, enrollment);
  }

  async replace(enrollment: Enrollment, etag: string): Promise<'ok' | 'conflict'> {
    return this.docs.replace(enrollment.customerId, enrollment, etag);
  }

  /** `replace` answering the new ETag, so the next step due at once can write without reading again. */
  async replaceTagged(enrollment: Enrollment, etag: string): Promise<{ etag: string } | 'conflict'> {
    return this.docs.replaceTagged(enrollment.customerId, enrollment, etag);
  }

  async forCustomer(customerId: string): Promise<Enrollment[]> {
    const items = (await this.docs.inPartition(customerId, { type: 'enrollment' })) as Enrollment[];
    return items.sort((a, b) => (a.enteredAt < b.enteredAt ? -1 : a.enteredAt > b.enteredAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async membership(customerId: string, id: string): Promise<Versioned<Membership> | undefined> {
    const found = await this.docs.get(customerId, id);
    return found && found.value.type === 'membership' ? (found as Versioned<Membership>) : undefined;
  }

  async putMembership(membership: Membership, etag: string | undefined): Promise<'ok' | 'conflict'> {
    return etag === undefined ? this.docs.create(membership.customerId, membership) : this.docs.replace(membership.customerId, membership, etag);
  }

  async documentsOf(customerId: string): Promise<EnrollmentsDoc[]> {
    return this.docs.inPartition(customerId);
  }

  async delete(customerId: string, id: string): Promise<void> {
    await this.docs.delete(customerId, id);
  }

  async eraseCustomer(customerId: string): Promise<number> {
    const all = await this.docs.inPartition(customerId);
    for (const doc of all) await this.docs.delete(customerId, doc.id);
    return all.length;
  }
}
