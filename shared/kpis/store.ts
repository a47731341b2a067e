import { createHash } from 'node:crypto';
import type { Container, OperationInput } from '@azure/cosmos';
import type { DayClock } from '../analytics/days.js';
import { applyContribution, counterId, CounterDocument, emptyCounter, sameContribution, shardOf } from './counters.js';
import type { KpiEvent } from './events.js';
import { applyKpiEvent, contributionOf, outcomeId, OutcomeDocument, type CellKey, type Contribution } from './outcome.js';

const code = (error: unknown) => (error as { code?: number | string }).code;
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(5 * 2 ** attempt, 200)));
const maxAttempts = 30;

/** `kpis` container (partition /journeyId): outcome documents, counters, and one `journey` marker per journey. */
export class KpiStore {
  /** Journeys whose marker this process has seen exist; the marker is never deleted, so once is enough. */
  private readonly marked = new Set<string>();

  constructor(
    private readonly container: Container,
    private readonly days: DayClock,
  ) {}

  /**
   * Applies one KPI event: the enrollment's outcome document and the counter cells its contribution leaves
   * and enters are written in one transactional batch (same partition, every write conditional on the ETag
   * read), so a counter never gains or loses a contribution its outcome document does not record. A
   * concurrent writer makes the batch fail as a whole; it is then re-read and retried.
   */
  async record(event: KpiEvent, now: Date): Promise<'applied' | 'duplicate'> {
    if (event.type === 'enrolled') await this.markJourney(event.journeyId, now);
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const current = await this.readOutcome(event.journeyId, event.enrollmentId);
      const next = applyKpiEvent(current?.doc, event, now, this.days);
      if (next === undefined) return 'duplicate';
      const before = current?.doc.counted ?? null;
      const after = contributionOf(next);
      next.counted = after;
      const operations: OperationInput[] = [
        current
          ? { operationType: 'Replace', id: next.id, partitionKey: event.journeyId, ifMatch: current.etag, resourceBody: { ...next } }
          : { operationType: 'Create', partitionKey: event.journeyId, resourceBody: { ...next } },
      ];
      if (!sameContribution(before, after)) operations.push(...(await this.counterOperations(next, before, after, now)));
      try {
        await this.container.items.batch(operations, event.journeyId);
        return 'applied';
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    throw Object.assign(new Error(`kpis: too much contention on journey ${event.journeyId}; the message will be redelivered`), { code: 503 });
  }

  private async counterOperations(outcome: OutcomeDocument, before: Contribution | null, after: Contribution | null, now: Date): Promise<OperationInput[]> {
    const shard = shardOf(outcome);
    const changes = new Map<string, { cell: CellKey; remove?: Contribution; add?: Contribution }>();
    for (const [contribution, role] of [[before, 'remove'], [after, 'add']] as const) {
      if (contribution === null) continue;
      const cell = parseCell(contribution.cell);
      const id = counterId(cell, shard);
      const entry = changes.get(id) ?? { cell };
      entry[role] = contribution;
      changes.set(id, entry);
    }
    const operations: OperationInput[] = [];
    for (const [id, change] of changes) {
      const read = await this.container.item(id, outcome.journeyId).read();
      const exists = read.statusCode !== 404 && read.resource !== undefined;
      if (!exists && change.add === undefined) throw new Error(`kpis: counter ${id} is missing but holds a contribution of ${outcome.id}`);
      const counter = exists ? CounterDocument.parse(read.resource) : emptyCounter(outcome.journeyId, outcome, shard, now);
      if (change.remove) applyContribution(counter, change.remove, -1);
      if (change.add) applyContribution(counter, change.add, 1);
      counter.updatedAt = now.toISOString();
      operations.push(
        exists
          ? { operationType: 'Replace', id, partitionKey: outcome.journeyId, ifMatch: read.etag, resourceBody: { ...counter } }
          : { operationType: 'Create', partitionKey: outcome.journeyId, resourceBody: { ...counter } },
      );
    }
    return operations;
  }

  private async readOutcome(journeyId: string, enrollmentId: string): Promise<{ doc: OutcomeDocument; etag: string } | undefined> {
    const read = await this.container.item(outcomeId(enrollmentId), journeyId).read();
    if (read.statusCode === 404 || read.resource === undefined) return undefined;
    return { doc: OutcomeDocument.parse(read.resource), etag: read.etag };
  }

  /** One small document per journey so the daily export finds the journeys without scanning counters. */
  private async markJourney(journeyId: string, now: Date): Promise<void> {
    if (this.marked.has(journeyId)) return;
    try {
      await this.container.items.create({ id: 'journey', kind: 'journey', journeyId, createdAt: now.toISOString() });
    } catch (error) {
      if (code(error) !== 409) throw error;
    }
    this.marked.add(journeyId);
  }

  /**
   * GDPR erasure, as for coupons: the customer's outcome documents stay (the journey's KPIs count them) under
   * the erasure tombstone id, which names no one, with their order ids replaced by hashes. Contributions and
   * counters do not change. Idempotent.
   */
  async eraseCustomer(customerId: string, anonymousId: string, now: Date): Promise<number> {
    return this.rewriteOutcomes(customerId, now, (doc) => ({
      ...doc,
      customerId: anonymousId,
      orders: Object.fromEntries(Object.entries(doc.orders).map(([orderId, order]) => [`erased-${createHash('sha256').update(orderId).digest('hex').slice(0, 24)}`, order])),
    }));
  }

  /**
   * A merge: the outcome documents of the absorbed customer's enrollments (keyed by enrollment, which keeps its
   * id) name the survivor from now on, so the survivor's erasure finds them. Counters do not change: the
   * enrollments and their contributions are the same. Idempotent.
   */
  async reassignCustomer(from: string, into: string, now: Date): Promise<number> {
    return this.rewriteOutcomes(from, now, (doc) => ({ ...doc, customerId: into }));
  }

  /** Rewrites every outcome document naming the customer (ETag, re-read on a race); returns how many there were. */
  private async rewriteOutcomes(customerId: string, now: Date, change: (doc: OutcomeDocument) => OutcomeDocument): Promise<number> {
    const found = await this.container.items
      .query<{ id: string; journeyId: string }>({
        query: "SELECT c.id, c.journeyId FROM c WHERE c.kind = 'outcome' AND c.customerId = @customerId",
        parameters: [{ name: '@customerId', value: customerId }],
      })
      .fetchAll();
    for (const { id, journeyId } of found.resources) {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const read = await this.container.item(id, journeyId).read();
        if (read.statusCode === 404 || read.resource === undefined) break;
        const doc = OutcomeDocument.parse(read.resource);
        if (doc.customerId !== customerId) break;
        const next: OutcomeDocument = { ...change(doc), updatedAt: now.toISOString() };
        try {
          await this.container.item(id, journeyId).replace(next, { accessCondition: { type: 'IfMatch', condition: read.etag } });
          break;
        } catch (error) {
          if (code(error) !== 412 || attempt >= maxAttempts) throw error;
        }
      }
    }
    return found.resources.length;
  }

  async journeys(): Promise<string[]> {
    const { resources } = await this.container.items
      .query<{ journeyId: string }>({ query: "SELECT c.journeyId FROM c WHERE c.kind = 'journey'" })
      .fetchAll();
    return [...new Set(resources.map((r) => r.journeyId))].sort();
  }

  async counters(journeyId: string): Promise<CounterDocument[]> {
    return this.queryKind(journeyId, 'counter', (r) => CounterDocument.parse(r));
  }

  /** Every outcome document of a journey (for recomputation and audits; the KPI read does not use it). */
  async outcomes(journeyId: string): Promise<OutcomeDocument[]> {
    return this.queryKind(journeyId, 'outcome', (r) => OutcomeDocument.parse(r));
  }

  private async queryKind<T>(journeyId: string, kind: string, parse: (raw: unknown) => T): Promise<T[]> {
    const iterator = this.container.items.query(
      { query: 'SELECT * FROM c WHERE c.journeyId = @journeyId AND c.kind = @kind', parameters: [{ name: '@journeyId', value: journeyId }, { name: '@kind', value: kind }] },
      { partitionKey: journeyId, maxItemCount: 1000 },
    );
    const out: T[] = [];
    while (iterator.hasMoreResults()) {
      const page = await iterator.fetchNext();
      for (const raw of page.resources) out.push(parse(raw));
    }
    return out;
  }
}

function parseCell(cell: string): CellKey {
  const [version, arm, entryDay, segment, channel, currency] = JSON.parse(cell) as [number, string, string, string | null, string | null, string | null];
  return { version, arm, entryDay, segment, channel, currency };
}

/** A failed transactional batch (a precondition failed or a document was created in between) or a plain 409/412. */
function isConflict(error: unknown): boolean {
  const c = code(error);
  if (c === 409 || c === 412) return true;
  return error instanceof Error && /^Batch request error/.test(error.message) && !/\b(429|503|ECONNREFUSED|ETIMEDOUT)\b/.test(error.message);
}
