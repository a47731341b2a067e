/** Snapshots of the repository's code side and infra side, as the agreement checks take them. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { containers, queues } from '../../../shared/resources.js';
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
    loadSettings: (env) => loadSettings(env) as SettingsView,
  };
}
