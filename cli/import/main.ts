/**
 * npm run import -- --purchases FILE.csv [--customers FILE.csv] [column options]
 *
 * Loads a retailer's export into a running winback host through its public API (POST /api/purchases in
 * batches, PUT /api/customers/{id}). Safe to run again after an interruption: every row maps to the same
 * purchase each time, and the host's idempotency answers rows it already has as duplicates.
 */
import { HostError } from '../host-client.js';
import { UsageError, parseImportArgs, runImport, usage, type ImportOptions } from './run.js';

async function main() {
  let options: ImportOptions;
  try {
    options = parseImportArgs(process.argv.slice(2), process.env['INIT_CWD'] ?? process.cwd(), process.cwd());
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  try {
    process.exitCode = await runImport(options);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`\n${error.message}`);
      process.exit(2);
    }
    console.error(`\nimport failed: ${(error as Error).message}`);
    if (!(error instanceof HostError) || process.env['WINBACK_DEBUG']) console.error((error as Error).stack);
    console.error('Nothing is lost: run the same command again; rows already stored come back as duplicates.');
    process.exit(1);
  }
}

await main();
