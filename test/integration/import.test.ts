import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, sharedKit, startHost, waitIdle, type RunningHost } from '../helpers/local-host.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run import`'s program (dist/cli/import/main.js); `killWhen` may stop it midway with SIGKILL. */
function runImport(args: string[], options: { env?: Record<string, string>; killWhen?: (stderr: string) => boolean } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...options.env };
    delete env['WINBACK_FUNCTION_KEY'];
    Object.assign(env, options.env);
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist/cli/import/main.js'), ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (options.killWhen?.(stderr)) child.kill('SIGKILL');
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const lastJson = <T>(run: Run): T => JSON.parse(run.stdout.trim().split('\n').at(-1)!) as T;

interface Summary {
  purchases: { rows: number; created: number; duplicates: number; rejected: number; repeatedIdentical: number; reasons: { reason: string; rows: number; lines: number[] }[] };
  customers?: { rows: number; created: number; replaced: number; rejected: number };
}

describe('npm run import (CDNOW, against the local host)', () => {
  let host: RunningHost;
  const work = mkdtempSync(path.join(os.tmpdir(), 'winback-import-'));
  // The first 3,000 purchases of CDNOW_master.txt (whitespace separated, CRLF, YYYYMMDD): ~1,000 customers,
  // identical rows among them (customer 00398 bought the same 12.99 CD twice on 1998-05-18).
  const lines = readFileSync(path.join(sharedKit, 'datasets/cdnow/CDNOW_master.txt'), 'utf8').split('\r\n');
  const file = path.join(work, 'cdnow-3000.txt');
  writeFileSync(file, lines.slice(0, 3001).join('\r\n') + '\r\n');
  const customers = new Set(lines.slice(1, 3001).map((l) => l.trim().split(/\s+/)[0]));
  const args = () => ['--purchases', file, '--amount-col', 'dollar_value', '--date-format', 'YYYYMMDD', '--currency', 'USD', '--url', host.url];

  beforeAll(async () => {
    host = await startHost({ args: ['--quiet'] });
  });
  afterAll(async () => {
    await host?.stop();
    host?.cleanup();
  });

  it('resumes after being killed midway: the rows stored before come back as duplicates, nothing twice', async () => {
    // The key from the data folder, as with npm start (no --key, no WINBACK_FUNCTION_KEY).
    writeFileSync(path.join(work, 'function-key'), host.functionKey);
    const killed = await runImport([...args(), '--data-dir', work, '--batch-size', '100', '--concurrency', '1', '--progress-every', '0'], {
      killWhen: (stderr) => [...stderr.matchAll(/([\d,]+) new/g)].some((m) => Number(m[1]!.replace(/,/g, '')) >= 500),
    });
    expect(killed.code).toBeNull(); // killed, not finished

    const resumed = await runImport([...args(), '--data-dir', work, '--json']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const summary = lastJson<Summary>(resumed);
    expect(summary.purchases.rows).toBe(3000);
    expect(summary.purchases.rejected).toBe(0);
    expect(summary.purchases.duplicates).toBeGreaterThanOrEqual(500);
    expect(summary.purchases.created).toBeGreaterThan(0);
    expect(summary.purchases.created + summary.purchases.duplicates).toBe(3000);
    expect(resumed.stdout).toMatch(/duplicates \(already there/);

    // Identical rows stay separate purchases, stored once each.
    const response = await host.call('/api/customers/00398/purchases?limit=100');
    const { purchases } = (await response.json()) as { purchases: { occurredAt: string; total: number }[] };
    const sameDay = purchases.filter((p) => p.occurredAt === '1998-05-18T12:00:00.000Z' && p.total === 12.99);
    expect(sameDay).toHaveLength(lines.slice(1, 3001).filter((l) => /^\s*00398\s+19980518\s+1\s+12\.99\s*$/.test(l)).length);
    expect(sameDay.length).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('the README segments example then works: a run as of 1997-09-30 sees every imported customer', async () => {
    const started = await host.call('/admin/functions/segments-compute', { method: 'POST', json: { input: JSON.stringify({ asOf: '1997-09-30', timeUnit: 'week' }) } });
    expect(started.status).toBe(202);
    await waitIdle(host);
    const view = (await (await host.call('/api/segments')).json()) as { status: string; customers: number; models: { bgnbd: { r: number } } };
    expect(view.status).toBe('completed');
    expect(view.customers).toBe(customers.size);
    expect(view.models.bgnbd.r).toBeGreaterThan(0);
  }, 180_000);

  it('summarises rejected rows with their reasons and exits 1; the good rows are stored', async () => {
    const bad = path.join(work, 'bad.csv');
    writeFileSync(
      bad,
      [
        'Kunde;Datum;Betrag;Bon',
        'K-1;01.02.2026 10:00;59,90;B-1',
        'K-2;31.02.2026 10:00;5,00;B-2',
        ';02.02.2026 10:00;5,00;B-3',
        'K-3;02.02.2026 10:00;abc;B-4',
        'K-4;02.02.2026 10:00;1,999;B-5', // three decimals: the host refuses it for EUR
        'K-5;02.02.2099 10:00;5,00;B-6', // in the future: the host refuses it
        'K-6;03.02.2026 11:30;12,00;B-7',
      ].join('\n') + '\n',
    );
    const common = ['--purchases', bad, '--customer-col', 'Kunde', '--date-col', 'Datum', '--amount-col', 'Betrag', '--order-col', 'Bon'];
    const run = await runImport([...common, '--date-format', 'DD.MM.YYYY HH:mm', '--time-zone', 'Europe/Berlin', '--decimal-comma', '--currency', 'EUR', '--url', host.url, '--json'], {
      env: { WINBACK_FUNCTION_KEY: host.functionKey },
    });
    expect(run.code).toBe(1);
    const summary = lastJson<Summary>(run);
    expect(summary.purchases).toMatchObject({ rows: 7, created: 2, rejected: 5 });
    expect(Object.fromEntries(summary.purchases.reasons.map((r) => [r.reason, r.lines]))).toEqual({
      'Datum: not a real date': [3],
      'Kunde: empty customer id': [4],
      'Betrag: not an amount (decimal comma)': [5],
      'Betrag: more decimals than EUR allows': [6],
      'Datum: lies in the future (beyond 5 minutes of clock skew)': [7],
    });
    expect(run.stdout).toContain('5 purchase rows rejected:');
    const stored = (await (await host.call('/api/customers/K-6/purchases')).json()) as { purchases: { occurredAt: string; total: number; orderId: string }[] };
    expect(stored.purchases).toEqual([expect.objectContaining({ orderId: 'B-7', occurredAt: '2026-02-03T10:30:00.000Z', total: 12 })]);

    // A usage error names the option and exits 2; a wrong key says so and exits 1.
    const usage = await runImport(['--purchases', bad, '--url', host.url]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--currency CODE');
    const wrongKey = await runImport([...common, '--currency', 'EUR', '--date-format', 'DD.MM.YYYY HH:mm', '--decimal-comma', '--url', host.url, '--key', 'wrong']);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/401 — wrong or missing function key/);
  }, 120_000);

  it('loads customer profiles from a customers file', async () => {
    const people = path.join(work, 'customers.csv');
    writeFileSync(people, 'customer_id,email,first_name,locale,time_zone,email_consent\n00001,anna@example.com,Anna,de-DE,Europe/Berlin,yes\n00002,not-an-email,Ben,en-GB,Europe/London,no\n');
    const run = await runImport(['--customers', people, '--url', host.url, '--json'], { env: { WINBACK_FUNCTION_KEY: host.functionKey } });
    expect(run.code).toBe(1);
    expect(lastJson<Summary>(run).customers).toMatchObject({ rows: 2, created: 1, rejected: 1 });
    expect(run.stdout).toMatch(/email: .* — 1 row \(line 3\)/);
    const anna = (await (await host.call('/api/customers/00001')).json()) as { email: string; consents: { email: { granted: boolean } } };
    expect(anna).toMatchObject({ email: 'anna@example.com', consents: { email: { granted: true, source: 'import' } } });
  }, 60_000);
});
