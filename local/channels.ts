import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { settingNames } from '../shared/settings.js';

/**
 * `npm start` works without channel settings: unsubscribe links are signed with a key generated once per data
 * directory, and point at this host when its port is known. Values set in the environment or
 * local.settings.json win.
 */
export function applyLocalChannelDefaults(dataDir: string, port: number, env: NodeJS.ProcessEnv = process.env): void {
  if (!env[settingNames.unsubscribeSecret]) {
    const file = path.join(dataDir, 'unsubscribe-secret');
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
    env[settingNames.unsubscribeSecret] = readFileSync(file, 'utf8').trim();
  }
  if (!env[settingNames.publicBaseUrl] && port !== 0) env[settingNames.publicBaseUrl] = `http://localhost:${port}`;
}
