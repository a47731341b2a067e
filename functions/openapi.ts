import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { httpFunction, openApiDocument } from '../shared/http/openapi.js';
import { httpHandler } from '../shared/http/request.js';

let cached: string | undefined;

/** The package version, from the package.json deployed beside dist/. */
function version(): string {
  try {
    const file = fileURLToPath(new URL('../../package.json', import.meta.url));
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * GET /api/openapi.json — the OpenAPI 3.1 description of every HTTP function, built from the documentation
 * each registers with `httpFunction` (shared/http/openapi.ts) and the zod schemas it validates with.
 * Anonymous: it describes the API, it holds no data. Built once per process (all functions are loaded first).
 */
export const openapi = httpHandler(async () => {
  cached ??= JSON.stringify(openApiDocument({ version: version() }));
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' }, body: cached };
});

httpFunction('openapi', {
  route: 'openapi.json',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: openapi,
  doc: {
    summary: 'This document (OpenAPI 3.1)',
    tags: ['operations'],
    responses: { 200: { description: 'The OpenAPI document', example: { openapi: '3.1.0', info: { title: 'winback' } } } },
  },
});

