/** Rejected rows grouped by reason, with the first few line numbers and values of each, for the summary. */
export class Rejections {
  private readonly groups = new Map<string, { count: number; lines: number[]; values: string[] }>();
  count = 0;

  add(line: number, column: string, message: string, value?: string): void {
    this.count++;
    const key = `${column}: ${message}`;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { count: 0, lines: [], values: [] }));
    group.count++;
    if (group.lines.length < 5) {
      group.lines.push(line);
      if (value !== undefined && group.values.length < 3 && !group.values.includes(value)) group.values.push(value);
    }
  }

  /** Reasons, most frequent first. */
  reasons(): { reason: string; rows: number; lines: number[]; values: string[] }[] {
    return [...this.groups.entries()]
      .map(([reason, g]) => ({ reason, rows: g.count, lines: g.lines, values: g.values }))
      .sort((a, b) => b.rows - a.rows || a.reason.localeCompare(b.reason));
  }

  summary(what: string): string[] {
    if (this.count === 0) return [];
    const lines = [`${this.count.toLocaleString('en')} ${what} rejected:`];
    for (const r of this.reasons()) {
      const more = r.rows > r.lines.length ? ', …' : '';
      const values = r.values.length > 0 ? `, e.g. ${r.values.map((v) => JSON.stringify(v)).join(', ')}` : '';
      lines.push(`  ${r.reason} — ${r.rows.toLocaleString('en')} row${r.rows === 1 ? '' : 's'} (line ${r.lines.join(', ')}${more})${values}`);
    }
    return lines;
  }
}
