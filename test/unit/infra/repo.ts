/** Snapshots of the repository's code side and infra side, as the agreement checks take them. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printCsvPath, printDonePath, printPdfPath, printPendingPrefix, printSkippedPath } from '../../../shared/channels/print.js';
import { kpisExportPath } from '../../../shared/kpis/daily.js';
import { outboxPath } from '../../../shared/messages/outbox.js';
import { containers, queues, snapshotFolders } from '../../../shared/resources.js';
import { partialPath, partPath, statePath, summariesPath, summaryPath } from '../../../shared/segmentation/paths.js';
import { loadSettings, settingNames } from '../../../shared/settings.js';
import type { CodeSide, InfraSide, SettingsView } from './agreement.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function walk(dir: string, accept: (file: string) => boolean): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(full, accept);
    return accept(entry.name) ? [full] : [];
  });
}

function readAll(files: string[]): Record<string, string> {
  return Object.fromEntries(
    files.map((file) => [path.relative(repoRoot, file).split(path.sep).join('/'), readFileSync(file, 'utf8')]),
  );
}

export function loadInfra(): InfraSide {
  return { files: readAll(walk(path.join(repoRoot, 'infra'), (name) => name.endsWith('.bicep'))) };
}

export function loadCode(): CodeSide {
  const example = JSON.parse(readFileSync(path.join(repoRoot, 'local.settings.example.json'), 'utf8')) as {
    Values?: Record<string, unknown>;
  };
  const sources = readAll(
    ['functions', 'shared', 'local'].flatMap((dir) =>
      walk(path.join(repoRoot, dir), (name) => name.endsWith('.ts') && !name.endsWith('.d.ts')),
    ),
  );
  return {
    containers,
    queues,
    settingNames,
    localSettingsExample: Object.keys(example.Values ?? {}),
    sources,
    snapshotFolders,
    blobPaths: [
      { writer: 'shared/segmentation/summarize.ts', path: summariesPath('r', 0), container: 'snapshot' },
      { writer: 'shared/segmentation/summarize.ts', path: partialPath('r', 0), container: 'snapshot' },
      { writer: 'shared/segmentation/score.ts', path: partPath('r', 0), container: 'snapshot' },
      { writer: 'shared/segmentation/score.ts', path: statePath('r', 0), container: 'snapshot' },
      { writer: 'shared/segmentation/finalize.ts', path: summaryPath('r'), container: 'snapshot' },
      { writer: 'shared/messages/outbox.ts', path: outboxPath('m', new Date(0)), container: 'snapshot' },
      { writer: 'functions/kpis-export.ts', path: kpisExportPath('2026-01-01'), container: 'snapshot' },
      { writer: 'shared/channels/print.ts', path: `${printPendingPrefix('2026-01-01')}m.json`, container: 'print' },
      ...[printCsvPath, printPdfPath, printSkippedPath, printDonePath].map((p) => ({ writer: 'shared/channels/print-batch.ts', path: p('2026-01-01'), container: 'print' as const })),
    ],
    loadSettings: (env) => loadSettings(env) as SettingsView,
  };
}
