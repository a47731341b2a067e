/**
 * The maintained patch of @zeit/cosmosdb-query (patches/@zeit+cosmosdb-query+0.7.2.patch):
 * it applies cleanly to the published package, node_modules holds exactly "published + patch", and the
 * patched query engine answers every query the same as the published one.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const patchFile = path.join(repoRoot, 'patches/@zeit+cosmosdb-query+0.7.2.patch');
const installedDir = path.dirname(require.resolve('@zeit/cosmosdb-query/package.json'));

type Query = (sql: string) => {
  exec(collection: unknown[], options?: Record<string, unknown>): { result: unknown[]; continuation: unknown };
};

let work: string;
let pristineDir: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'winback-patch-'));
  // The npm cache usually has the tarball (npm ci just fetched it); the registry is asked only if not.
  await run('npm', ['pack', '@zeit/cosmosdb-query@0.7.2', '--prefer-offline', '--silent'], { cwd: work });
  await run('tar', ['xzf', 'zeit-cosmosdb-query-0.7.2.tgz'], { cwd: work });
  pristineDir = path.join(work, 'package');
}, 120_000);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('@zeit/cosmosdb-query patch', () => {
  it('applies to the published 0.7.2 without fuzz or offsets, and node_modules is exactly that result', async () => {
    // patch-package writes paths as a/node_modules/@zeit/cosmosdb-query/lib/…: strip 4 components.
    const dryRun = await run('patch', ['-p4', '--dry-run', '--batch', '--forward', '-i', patchFile], { cwd: pristineDir });
    expect(dryRun.stdout).not.toMatch(/fuzz|offset|reversed|failed/i);

    await run('patch', ['-p4', '--batch', '--forward', '--silent', '-i', patchFile], { cwd: pristineDir });
    for (const file of ['lib/transformer.js', 'lib/helpers.js']) {
      expect(fs.readFileSync(path.join(installedDir, file), 'utf8'), file).toBe(fs.readFileSync(path.join(pristineDir, file), 'utf8'));
    }
  });

  it('generates in-place appends instead of copying the accumulated rows per document', () => {
    const query = require('@zeit/cosmosdb-query').default as (sql: string) => { code: string };
    const code = query('SELECT c.id, t FROM c JOIN t IN c.tags WHERE c.n > 1').code;
    expect(code).not.toMatch(/\[\s*\.\.\.\$/);
    expect(code).toContain('$.push(');
    expect(code).toContain('$h.pushAll($');
  });
});

describe('patched query engine', () => {
  // The published engine, loaded from the pristine tarball with its own relative modules and the
  // installed third-party dependencies (@babel/*), side by side with the patched one.
  let published: Query;
  let patched: Query;
  beforeAll(async () => {
    const pristine = path.join(work, 'published');
    fs.mkdirSync(pristine);
    await run('tar', ['xzf', path.join(work, 'zeit-cosmosdb-query-0.7.2.tgz')], { cwd: pristine });
    published = loadCommonJs(path.join(pristine, 'package/lib/index.js'), createRequire(path.join(installedDir, 'lib/index.js'))).default as Query;
    patched = require('@zeit/cosmosdb-query').default as Query;
  });

  const queries: [string, Record<string, unknown>?][] = [
    ['SELECT * FROM c'],
    ['SELECT * FROM c WHERE c.n > 5'],
    ['SELECT c.id FROM c WHERE c.n > 5', { maxItemCount: 3 }],
    ['SELECT VALUE COUNT(1) FROM c'],
    ['SELECT VALUE COUNT(1) FROM c WHERE c.kind = "a"'],
    ['SELECT VALUE SUM(c.n) FROM c'],
    ['SELECT VALUE MAX(c.n) FROM c'],
    ['SELECT c.id, t FROM c JOIN t IN c.tags'],
    ['SELECT c.id, t FROM c JOIN t IN c.tags WHERE t = "a"'],
    ['SELECT c.id, ch.name, p FROM c JOIN ch IN c.children JOIN p IN ch.pets'],
    ['SELECT c.id FROM c WHERE EXISTS (SELECT VALUE t FROM t IN c.tags WHERE t = "b")'],
    ['SELECT c.id, x FROM c JOIN (SELECT VALUE t FROM t IN c.tags WHERE t != "a") x'],
    ['SELECT VALUE ARRAY(SELECT VALUE t FROM t IN c.tags) FROM c'],
    ['SELECT * FROM ch IN c.children'],
    ['SELECT c.nested.deep FROM c'],
    ['SELECT TOP 3 c.id, c.n FROM c ORDER BY c.n DESC'],
    ['SELECT c.id FROM c ORDER BY c.n', { maxItemCount: 2 }],
    ['SELECT c.id, c.n FROM c WHERE c.kind IN ("a", "b") AND IS_DEFINED(c.tags)'],
  ];

  const doc = fc.record(
    {
      n: fc.integer({ min: -5, max: 20 }),
      kind: fc.constantFrom('a', 'b', 'c'),
      tags: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
      children: fc.array(
        fc.record({ name: fc.string({ maxLength: 3 }), pets: fc.array(fc.constantFrom('cat', 'dog'), { maxLength: 2 }) }, { requiredKeys: ['name'] }),
        { maxLength: 2 },
      ),
      nested: fc.record({ deep: fc.oneof(fc.integer(), fc.constant(null)) }, { requiredKeys: [] }),
    },
    { requiredKeys: ['n', 'kind'] },
  );
  const collection = fc
    .array(doc, { maxLength: 12 })
    .map((docs) => docs.map((d, i) => ({ id: `d${i}`, _rid: `rid${String(i).padStart(4, '0')}`, ...d })));

  const outcome = (engine: Query, sql: string, docs: unknown[], options?: Record<string, unknown>) => {
    try {
      return { ok: engine(sql).exec(docs, options) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };

  it.each(queries)('answers %s exactly like the published engine', (sql, options) => {
    fc.assert(
      fc.property(collection, (docs) => {
        expect(outcome(patched, sql, docs, options)).toEqual(outcome(published, sql, docs, options));
      }),
      { numRuns: 60 },
    );
  });
});

/** Evaluates a CommonJS module tree from a folder outside node_modules. */
function loadCommonJs(entry: string, external: NodeJS.Require): Record<string, unknown> {
  const cache = new Map<string, { exports: Record<string, unknown> }>();
  const load = (file: string): Record<string, unknown> => {
    const cached = cache.get(file);
    if (cached) return cached.exports;
    const module = { exports: {} as Record<string, unknown> };
    cache.set(file, module);
    const localRequire = (id: string) => {
      if (!id.startsWith('.')) return external(id);
      const target = path.resolve(path.dirname(file), id);
      return load(fs.existsSync(target) && fs.statSync(target).isFile() ? target : `${target}.js`);
    };
    const source = fs.readFileSync(file, 'utf8');
    new Function('exports', 'require', 'module', '__filename', '__dirname', source)(module.exports, localRequire, module, file, path.dirname(file));
    return module.exports;
  };
  return load(entry);
}
