import type { MergeParticipant } from '../links/merge.js';
import type { DocumentStore } from '../storage/documents.js';
import type { ContactLedger, MessageRecord, SuppressionDocument } from './message.js';
import type { MessagesDoc } from './store.js';

/**
 * A customer's messages, suppression list and frequency-cap ledger follow a merge. The person is one: a
 * channel either customer unsubscribed from stays suppressed, and sends to either count against the cap.
 */

/** Both lists; per channel the later entry (the most recent word of the person about that channel). */
export function mergedSuppressions(from: SuppressionDocument, into: SuppressionDocument | undefined, intoId: string): SuppressionDocument {
  const byChannel = new Map((into?.entries ?? []).map((e) => [e.channel, e]));
  for (const entry of from.entries) {
    const held = byChannel.get(entry.channel);
    if (!held || entry.at > held.at) byChannel.set(entry.channel, entry);
  }
  return { id: 'suppression', type: 'suppression', customerId: intoId, entries: [...byChannel.values()] };
}

/** Both ledgers' sends, each message once, in time order. */
export function mergedLedger(from: ContactLedger, into: ContactLedger | undefined, intoId: string): ContactLedger {
  const sends = new Map((into?.sends ?? []).map((s) => [s.messageId, s]));
  for (const send of from.sends) if (!sends.has(send.messageId)) sends.set(send.messageId, send);
  return { id: 'ledger', type: 'ledger', customerId: intoId, sends: [...sends.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)) };
}

/** A message record under the survivor; a copy already there that is as recent stays (it may have moved on). */
export function movedMessage(record: MessageRecord, existing: MessageRecord | undefined, intoId: string): MessageRecord | undefined {
  if (existing && existing.updatedAt >= record.updatedAt) return undefined;
  return { ...record, customerId: intoId };
}

const maxAttempts = 50;
const contention = (what: string) => Object.assign(new Error(`too much contention on ${what}`), { code: 503 });

/** Each document is written under the survivor (ETag), then deleted under the absorbed id; a retry redoes what is left. */
export function messageParticipant(docs: DocumentStore<MessagesDoc>): MergeParticipant {
  const fold = async (doc: MessagesDoc, into: string) => {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const target = await docs.get(into, doc.id);
      const next = decide(doc, target?.value, into);
      const written = next === undefined ? 'ok' : target ? await docs.replace(into, next, target.etag) : await docs.create(into, next);
      if (written === 'conflict') continue;
      await docs.delete(doc.customerId, doc.id);
      return;
    }
    throw contention(`${doc.type} ${doc.id} of ${into}`);
  };
  return {
    name: 'messages',
    holds: async (customerId) => (await docs.inPartition(customerId)).length > 0,
    async merge(from, into) {
      for (const doc of await docs.inPartition(from)) await fold(doc, into);
    },
  };
}

function decide(doc: MessagesDoc, target: MessagesDoc | undefined, into: string): MessagesDoc | undefined {
  switch (doc.type) {
    case 'message':
      return movedMessage(doc, target?.type === 'message' ? target : undefined, into);
    case 'suppression':
      return mergedSuppressions(doc, target?.type === 'suppression' ? target : undefined, into);
    case 'ledger':
      return mergedLedger(doc, target?.type === 'ledger' ? target : undefined, into);
    default: {
      const exhaustive: never = doc;
      return exhaustive;
    }
  }
}
