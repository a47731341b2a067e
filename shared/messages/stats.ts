import type { Container } from '@azure/cosmos';

/**
 * Messages by channel, status and reason over a window of creation times — what the dashboard's channel
 * panel shows. One projection query over the window's messages (three short fields each), summed here; the
 * cost grows with the messages in the window, which is why the window is bounded.
 */
export interface MessageCount {
  channel: string;
  status: string;
  reason: string | null;
  count: number;
}

export function countMessages(rows: readonly { channel: string; status: string; reason?: string | null }[]): MessageCount[] {
  const counts = new Map<string, MessageCount>();
  for (const row of rows) {
    const reason = row.reason ?? null;
    const key = `${row.channel}\n${row.status}\n${reason ?? ''}`;
    const entry = counts.get(key) ?? { channel: row.channel, status: row.status, reason, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()].sort(
    (a, b) => a.channel.localeCompare(b.channel) || a.status.localeCompare(b.status) || b.count - a.count || (a.reason ?? '').localeCompare(b.reason ?? ''),
  );
}

export async function messageStats(messages: Container, from: Date, to: Date): Promise<MessageCount[]> {
  const { resources } = await messages.items
    .query<{ channel: string; status: string; reason?: string | null }>({
      query: "SELECT c.channel, c.status, c.reason FROM c WHERE c.type = 'message' AND c.createdAt >= @from AND c.createdAt <= @to",
      parameters: [
        { name: '@from', value: from.toISOString() },
        { name: '@to', value: to.toISOString() },
      ],
    })
    .fetchAll();
  return countMessages(resources);
}
