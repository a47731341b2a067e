// Applies patches/ with patch-package. The only patched module is a dev dependency (the local Cosmos DB
// emulator's query engine), so an install without dev dependencies (`npm ci --omit=dev`, NODE_ENV=production:
// deployments, production images) has nothing to patch and no patch-package: that is not an error. A full
// install without patch-package is one (the local host would run the unpatched, quadratic query engine).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const omitted = (process.env.npm_config_omit ?? '').split(/[\s,]+/).includes('dev') || process.env.NODE_ENV === 'production';
let bin;
try {
  bin = createRequire(import.meta.url).resolve('patch-package/index.js');
} catch {
  if (omitted) {
    console.log('postinstall: dev dependencies omitted; the patches apply to dev dependencies only, nothing to do');
    process.exit(0);
  }
  console.error('postinstall: patch-package is missing although dev dependencies are installed; run npm ci');
  process.exit(1);
}
const result = spawnSync(process.execPath, [bin], { stdio: 'inherit' });
process.exit(result.status ?? 1);
