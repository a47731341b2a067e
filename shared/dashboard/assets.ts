import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The dashboard's files, served by the function app itself: the page from `dashboard/` in the deployed
 * package and uPlot's browser build from its npm package (a production dependency), so no CDN and no
 * build step. Only these names are served; anything else is a 404.
 */
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(import.meta.url);
const uplotDist = () => path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

const files: Record<string, { file: () => string; contentType: string }> = {
  'index.html': { file: () => path.join(projectRoot, 'dashboard/index.html'), contentType: 'text/html; charset=utf-8' },
  'dashboard.js': { file: () => path.join(projectRoot, 'dashboard/dashboard.js'), contentType: 'text/javascript; charset=utf-8' },
  'i18n.js': { file: () => path.join(projectRoot, 'dashboard/i18n.js'), contentType: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: () => path.join(projectRoot, 'dashboard/dashboard.css'), contentType: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { file: () => path.join(uplotDist(), 'uPlot.iife.min.js'), contentType: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: () => path.join(uplotDist(), 'uPlot.min.css'), contentType: 'text/css; charset=utf-8' },
};

export type DashboardAsset = { body: Buffer; contentType: string };

const cache = new Map<string, Promise<DashboardAsset>>();

export function dashboardAsset(name: string): Promise<DashboardAsset> | undefined {
  const entry = Object.hasOwn(files, name) ? files[name] : undefined;
  if (!entry) return undefined;
  let loaded = cache.get(name);
  if (!loaded) {
    loaded = readFile(entry.file()).then((body) => ({ body, contentType: entry.contentType }));
    loaded.catch(() => cache.delete(name));
    cache.set(name, loaded);
  }
  return loaded;
}

/** The page holds no data; the API calls it makes carry the key. A strict CSP keeps it to its own files. */
export const dashboardHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};
