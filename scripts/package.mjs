// The deployment package: what `azd deploy` and `func azure functionapp publish` upload (docs/deploy.md).
//
//   node scripts/package.mjs [--out DIR] [--check]      (npm run package: --out .deploy; npm run check:package: --check)
//
// Stages host.json, the built function modules (dist/functions, dist/shared — never the local host, tests or
// benchmarks), a package.json without devDependencies or scripts, a lock file pruned to production
// dependencies, and node_modules from `npm ci --omit=dev`. Whoever runs `npm install` in the package later
// (azd, a remote build) gets the same production dependencies and nothing else.
// --check then proves it: no dev dependency present, every dist/functions/*.js imports with production
// dependencies only, and a segmentation shard's worker thread starts from the package — in a directory outside the repository, so Node cannot fall back on the repository's
// node_modules. The last line printed is JSON with the figures (files, bytes, deflated bytes ≈ zip size).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, check: { type: 'boolean', default: false } } });
const out = values.out ? path.resolve(values.out) : mkdtempSync(path.join(os.tmpdir(), 'winback-package-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

if (!existsSync(path.join(root, 'dist/functions'))) fail('dist/functions is missing: run npm run build first');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(path.join(root, 'host.json'), path.join(out, 'host.json'));
for (const dir of ['functions', 'shared']) cpSync(path.join(root, 'dist', dir), path.join(out, 'dist', dir), { recursive: true });
const deployed = {
  name: pkg.name,
  version: pkg.version,
  private: true,
  description: pkg.description,
  license: pkg.license,
  type: pkg.type,
  main: pkg.main,
  engines: pkg.engines,
  dependencies: pkg.dependencies,
};
writeFileSync(path.join(out, 'package.json'), JSON.stringify(deployed, null, 2) + '\n');
// Present (and empty of rules) so azd and Core Tools upload node_modules as staged instead of their defaults.
writeFileSync(path.join(out, '.funcignore'), '# The staged deployment package: everything in it is uploaded (scripts/package.mjs).\n');
cpSync(path.join(root, 'package-lock.json'), path.join(out, 'package-lock.json'));
const quiet = ['--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'];
// Prunes the lock to what the stripped package.json needs; every entry is already in the lock, so no network.
execFileSync(npm, ['install', '--package-lock-only', '--omit=dev', '--offline', ...quiet], { cwd: out, stdio: 'inherit' });
execFileSync(npm, ['ci', '--omit=dev', ...quiet], { cwd: out, stdio: 'inherit' });

function walk(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walk(full));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}
const files = walk(out);
const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
const deflatedBytes = files.reduce((sum, f) => sum + deflateRawSync(readFileSync(f)).length + 30 + 46 + 2 * path.relative(out, f).length, 22);
const installed = readdirSync(path.join(out, 'node_modules')).flatMap((name) =>
  name.startsWith('@') ? readdirSync(path.join(out, 'node_modules', name)).map((sub) => `${name}/${sub}`) : name.startsWith('.') ? [] : [name],
);

if (values.check) {
  // A dev dependency may also be a production dependency's dependency (@types/node is); what must not be
  // there is anything the lock file marks as needed by dev dependencies alone.
  const original = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')).packages;
  const staged = JSON.parse(readFileSync(path.join(out, 'package-lock.json'), 'utf8')).packages;
  const devOnly = Object.keys(staged).filter((key) => key !== '' && original[key]?.dev === true);
  const present = Object.keys(staged).filter((key) => key !== '' && existsSync(path.join(out, key)));
  if (devOnly.length > 0) fail(`dev-only packages in the package: ${devOnly.join(', ')}`);
  const onDisk = walk(path.join(out, 'node_modules')).length;
  if (present.length === 0 || onDisk === 0) fail('no production dependencies installed');
  const modules = readdirSync(path.join(out, 'dist/functions')).filter((f) => f.endsWith('.js')).sort();
  if (modules.length === 0) fail('no function modules in dist/functions');
  // Outside the Functions worker @azure/functions registers nothing and says so once; the import is the test.
  const probe = `for (const m of ${JSON.stringify(modules)}) await import('./dist/functions/' + m); console.log('loaded ' + ${modules.length} + ' modules');`;
  const loaded = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: out, encoding: 'utf8' });
  if (loaded.status !== 0) fail(`function modules do not load with production dependencies only:\n${loaded.stderr}`);
  console.log(loaded.stdout.trim());
  // A shard's worker threads load their own entry module (dist/shared/segmentation/compute-worker.js): one
  // task through a two-thread pool proves it is in the package and loads with production dependencies only.
  const workerProbe = `
    const { PooledCompute } = await import('./dist/shared/segmentation/compute-pool.js');
    const { parseDay } = await import('./dist/shared/analytics/days.js');
    const pool = new PooledCompute({ threads: 2, minRowsPerThread: 1 });
    const rows = ['a', 'b'].map((customerId) => ({ customerId, occurredAt: '2024-01-02T10:00:00Z', totalMinor: 100, type: 'purchase' }));
    const out = await pool.summarize({ runId: 'probe', shard: 0, asOf: '2024-01-31', asOfDay: parseDay('2024-01-31'), timeZone: 'UTC', rows });
    await pool.close();
    if (!out.ok || out.work.customers.join() !== 'a,b') throw new Error('unexpected answer ' + JSON.stringify(out));
    console.log('shard worker threads answer from the package');`;
  // From a file: a worker thread inherits the parent's execArgv, and `--input-type` is refused outside --eval.
  const probeFile = path.join(out, 'probe-worker.mjs');
  writeFileSync(probeFile, workerProbe);
  const worker = spawnSync(process.execPath, [probeFile], { cwd: out, encoding: 'utf8' });
  rmSync(probeFile);
  if (worker.status !== 0) fail(`the shard worker thread does not run from the package:\n${worker.stderr}`);
  console.log(worker.stdout.trim());
}

console.log(`package: ${out} — ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB, ≈ ${(deflatedBytes / 1e6).toFixed(1)} MB zipped; node_modules: ${installed.join(', ')}`);
if (!values.out) rmSync(out, { recursive: true, force: true });
console.log(JSON.stringify({ dir: values.out ? out : null, files: files.length, bytes, zipBytes: deflatedBytes, packages: installed.length, checked: values.check }));
