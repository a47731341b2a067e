/**
 * vitest runs the emulator from its TypeScript sources, but its worker thread is started from the compiled
 * dist/local/cosmos/emulator-worker.js (node cannot start a .ts worker; see workerScript in emulator.ts).
 * So that these tests need no separate `npm run build`, the worker's modules are compiled into dist when
 * missing or older than their sources, exactly as tsc would emit them, each written atomically so test
 * files running side by side never see half a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { workerModules } from '../../../local/cosmos/emulator.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function compileWorkerIfStale(): void {
  const outDir = path.join(repoRoot, 'dist/local/cosmos');
  for (const name of workerModules) {
    const source = path.join(repoRoot, 'local/cosmos', `${name}.ts`);
    const target = path.join(outDir, `${name}.js`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const built = fs.statSync(target, { throwIfNoEntry: false });
    if (built && built.mtimeMs >= fs.statSync(source).mtimeMs) continue;
    const { outputText } = ts.transpileModule(fs.readFileSync(source, 'utf8'), {
      fileName: source,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, outputText);
    fs.renameSync(tmp, target);
  }
}
