import type { DocumentStore, Versioned } from '../storage/documents.js';
import type { MessageChannel, MessageStatus } from './contract.js';
import type { ContactLedger, MessageRecord, SuppressionDocument, SuppressionEntry, SuppressionReason } from './message.js';

export type MessagesDoc = MessageRecord | SuppressionDocument | ContactLedger;

const maxAttempts = 50;

function contention(what: string): Error {
  return Object.assign(new Error(`too much contention on ${what}`), { code: 503 });
}

/**
 * Messages in the `messages` container (partition /customerId, id = messageId). Status changes go through
 * `updateStatus` (ETag loop, history appended), which is also how delivery reports from providers land.
 */
export class MessageStore {
  constructor(private readonly docs: DocumentStore<MessagesDoc>) {}

  async get(customerId: string, messageId: string): Promise<Versioned<MessageRecord> | undefined> {
    const found = await this.docs.get(customerId, messageId);
    return found && found.value.type === 'message' ? (found as Versioned<MessageRecord>) : undefined;
  }

  /** A message by id alone (a provider report knows only the id): a cross-partition lookup. */
  async find(messageId: string): Promise<MessageRecord | undefined> {
    const [found] = (await this.docs.all({ type: 'message', messageId })) as MessageRecord[];
    return found;
  }

  async create(record: MessageRecord): Promise<'ok' | 'conflict'> {
    return this.docs.create(record.customerId, record);
  }

  /** `create` answering the stored record with its ETag, so the caller need not read it back. */
  async createTagged(record: MessageRecord): Promise<Versioned<MessageRecord> | 'conflict'> {
    const created = await this.docs.createTagged(record.customerId, record);
    return created === 'conflict' ? 'conflict' : { value: record, etag: created.etag };
  }

  async replace(record: MessageRecord, etag: string): Promise<'ok' | 'conflict'> {
    return this.docs.replace(record.customerId, record, etag);
  }

  async listForCustomer(customerId: string): Promise<MessageRecord[]> {
    const items = (await this.docs.inPartition(customerId, { type: 'message' })) as MessageRecord[];
    return items.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.messageId < b.messageId ? -1 : 1));
  }

  /**
   * Sets a message's status (e.g. `delivered`, `bounced` from a provider report) and records it in the history.
   * Returns the updated record, or undefined when there is no such message.
   */
  async updateStatus(customerId: string, messageId: string, status: MessageStatus, reason: string | undefined, at: Date, extra: Partial<Pick<MessageRecord, 'providerMessageId' | 'provider' | 'sentAt'>> = {}): Promise<MessageRecord | undefined> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const found = await this.get(customerId, messageId);
      if (!found) return undefined;
      const iso = at.toISOString();
      const next: MessageRecord = {
        ...found.value,
        ...extra,
        status,
        updatedAt: iso,
        history: [...found.value.history, { at: iso, status, ...(reason === undefined ? {} : { reason }) }],
      };
      if (reason === undefined) delete next.reason;
      else next.reason = reason;
      if ((await this.replace(next, found.etag)) === 'ok') return next;
    }
    throw contention(`message ${messageId}`);
  }

  /** Removes a record this process just made under an id that turned out to be merged away. */
  async delete(customerId: string, messageId: string): Promise<void> {
    await this.docs.delete(customerId, messageId);
  }

  /** Erasure: every message, the suppression list and the contact ledger of the customer. */
  async eraseCustomer(customerId: string): Promise<number> {
    const all = await this.docs.inPartition(customerId);
    for (const doc of all) await this.docs.delete(customerId, doc.id);
    return all.length;
  }
}

/** Channels a customer must not be contacted on (unsubscribed, bounced, complained), honoured at send time. */
export class SuppressionStore {
  constructor(private readonly docs: DocumentStore<MessagesDoc>) {}

  async list(customerId: string): Promise<SuppressionEntry[]> {
    const found = await this.docs.get(customerId, 'suppression');
    return found && found.value.type === 'suppression' ? found.value.entries : [];
  }

  /** Adds (or refreshes) a suppression for each named channel. Idempotent. */
  async suppress(customerId: string, channels: readonly MessageChannel[], reason: SuppressionReason, at: Date, source?: string): Promise<SuppressionEntry[]> {
    return this.update(customerId, (entries) => [
      ...entries.filter((e) => !channels.includes(e.channel)),
      ...channels.map((channel) => ({ channel, reason, at: at.toISOString(), ...(source === undefined ? {} : { source }) })),
    ]);
  }

  /** Lifts suppressions (a customer who opts in again). */
  async lift(customerId: string, channels: readonly MessageChannel[]): Promise<SuppressionEntry[]> {
    return this.update(customerId, (entries) => entries.filter((e) => !channels.includes(e.channel)));
  }

  private async update(customerId: string, change: (entries: SuppressionEntry[]) => SuppressionEntry[]): Promise<SuppressionEntry[]> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const found = (await this.docs.get(customerId, 'suppression')) as Versioned<SuppressionDocument> | undefined;
      const entries = change(found?.value.entries ?? []);
      const doc: SuppressionDocument = { id: 'suppression', type: 'suppression', customerId, entries };
      const outcome = found ? await this.docs.replace(customerId, doc, found.etag) : await this.docs.create(customerId, doc);
      if (outcome === 'ok') return entries;
    }
    throw contention(`the suppression list of ${customerId}`);
  }
}

/** Recent marketing sends per customer: the frequency cap's slots, reserved with the ledger's ETag. */
export class ContactLedgerStore {
  constructor(private readonly docs: DocumentStore<MessagesDoc>) {}

  async get(customerId: string): Promise<Versioned<ContactLedger> | undefined> {
    const found = await this.docs.get(customerId, 'ledger');
    return found && found.value.type === 'ledger' ? (found as Versioned<ContactLedger>) : undefined;
  }

  /** Records a send (kept 8 days); `conflict` when another send got there first: decide again. */
  async reserve(customerId: string, read: Versioned<ContactLedger> | undefined, messageId: string, at: Date): Promise<'ok' | 'conflict'> {
    const keepAfter = at.getTime() - 8 * 86_400_000;
    const sends = (read?.value.sends ?? []).filter((s) => Date.parse(s.at) >= keepAfter && s.messageId !== messageId);
    const doc: ContactLedger = { id: 'ledger', type: 'ledger', customerId, sends: [...sends, { messageId, at: at.toISOString() }] };
    return read ? this.docs.replace(customerId, doc, read.etag) : this.docs.create(customerId, doc);
  }

  /** Gives a slot back (the message failed for good). */
  async release(customerId: string, messageId: string): Promise<void> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const read = await this.get(customerId);
      if (!read || !read.value.sends.some((s) => s.messageId === messageId)) return;
      const doc: ContactLedger = { ...read.value, sends: read.value.sends.filter((s) => s.messageId !== messageId) };
      if ((await this.docs.replace(customerId, doc, read.etag)) === 'ok') return;
    }
    throw contention(`the contact ledger of ${customerId}`);
  }
}
