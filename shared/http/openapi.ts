import { app, type HttpFunctionOptions } from '@azure/functions';
import { z } from 'zod';
import { Problem } from './problem.js';

/**
 * The API description lives next to each function: `httpFunction(name, { route, methods, authLevel,
 * handler, doc })` registers the function with the Functions host exactly like `app.http` and records its
 * documentation, so the route, methods and auth level in the OpenAPI document are the registered ones.
 * Parameters and bodies are the zod schemas the handler validates with, turned into JSON Schema 2020-12
 * (the dialect of OpenAPI 3.1) by zod's own `z.toJSONSchema`. `GET /api/openapi.json` serves the result.
 */
export interface RouteDoc {
  summary: string;
  description?: string;
  tags: string[];
  /** Path parameters: an object schema whose keys are the `{names}` of the route. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: { name: string; required: boolean; description: string; schema?: z.ZodType }[];
  body?: { schema: z.ZodType; example: unknown; description?: string };
  /** Success answers: status → description and an example body (absent: no body). */
  responses: Record<number, { description: string; example?: unknown; schema?: z.ZodType; headers?: Record<string, string> }>;
  /** Problem answers this route gives besides the ones every route may give (see `commonErrors`). */
  errors?: Partial<Record<ErrorStatus, string>>;
}

type ErrorStatus = 400 | 401 | 404 | 409 | 410 | 412 | 413 | 415 | 422 | 428 | 500 | 503;

type AuthLevel = 'anonymous' | 'function' | 'admin';

export interface DocumentedRoute {
  name: string;
  route: string;
  methods: string[];
  authLevel: AuthLevel;
  doc: RouteDoc;
}

const routes = new Map<string, DocumentedRoute>();

/** `app.http` plus the route's documentation; use it for every HTTP function. */
export function httpFunction(name: string, options: HttpFunctionOptions & { route: string; doc: RouteDoc }): void {
  const { doc, ...registration } = options;
  const methods = (registration.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase());
  routes.set(name, { name, route: registration.route, methods, authLevel: (registration.authLevel ?? 'anonymous') as AuthLevel, doc });
  app.http(name, registration);
}

export function documentedRoutes(): DocumentedRoute[] {
  return [...routes.values()];
}

/**
 * Non-HTTP functions that can be run by hand (`POST /admin/functions/<name>`): a message that works, for
 * the local host's start banner and the docs. Queue consumers register the example next to their trigger.
 */
const triggerExamples = new Map<string, unknown>();

export function documentTrigger(name: string, example: { input: unknown }): void {
  triggerExamples.set(name, example.input);
}

export function triggerExample(name: string): unknown {
  return triggerExamples.get(name);
}

// ---------------------------------------------------------------------------------------------------------

const errorTitles: Record<ErrorStatus, string> = {
  400: 'Invalid request: `errors` names each offending field as a JSON pointer',
  401: 'Missing or wrong function key (or webhook signature)',
  404: 'Not found',
  409: 'Conflict with the current state (`reason` says which)',
  410: 'Gone',
  412: 'Precondition failed',
  413: 'Body larger than 1 MB',
  415: 'Body is not application/json',
  422: 'Well-formed but refused (`reason` says why)',
  428: 'A required precondition header is missing',
  500: 'Unexpected failure; `detail` names the invocation id to look up in the logs',
  503: 'A backing service is busy or unreachable; retry after `Retry-After` seconds',
};

const problemExample = {
  type: 'about:blank',
  title: 'Invalid request',
  status: 400,
  detail: '1 invalid field(s): /customerId',
  errors: [{ pointer: '/customerId', message: 'must not contain "/" (ids may not contain / \\ ? # or control characters)' }],
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** `customers/{customerId}` → `/customers/{customerId}` (ASP.NET constraints and optional marks dropped). */
export function openApiPath(route: string): string {
  return '/' + route.replace(/^\/+|\/+$/g, '').replace(/\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\??\}/g, '{$1}');
}

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined) {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const fieldSchema = field as z.ZodType;
    const json = jsonSchema(fieldSchema);
    const { description, ...rest } = json;
    return {
      name,
      in: where,
      required: where === 'path' || !fieldSchema.safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function problemResponse(description: string) {
  return { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' }, example: problemExample } } };
}

function operation(route: DocumentedRoute, method: string) {
  const { doc } = route;
  const errors: Partial<Record<ErrorStatus, string>> = {
    ...(doc.params || doc.query ? { 400: errorTitles[400] } : {}),
    ...(doc.body ? { 400: errorTitles[400], 413: errorTitles[413], 415: errorTitles[415] } : {}),
    ...(route.authLevel === 'anonymous' ? {} : { 401: errorTitles[401] }),
    ...doc.errors,
    500: errorTitles[500],
    503: errorTitles[503],
  };
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.headers ? { headers: Object.fromEntries(Object.entries(response.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
      ...(response.example === undefined && response.schema === undefined
        ? {}
        : { content: { 'application/json': { schema: response.schema ? jsonSchema(response.schema, 'output') : { type: 'object' }, ...(response.example === undefined ? {} : { example: response.example }) } } }),
    };
  }
  for (const [status, description] of Object.entries(errors)) responses[status] = problemResponse(description);
  const operationId = route.methods.length > 1 ? `${camel(route.name)}${method[0]}${method.slice(1).toLowerCase()}` : camel(route.name);
  return {
    operationId,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: doc.tags,
    security: route.authLevel === 'anonymous' ? [] : [{ functionKey: [] }, { functionKeyQuery: [] }],
    parameters: [
      ...parameters('path', doc.params),
      ...parameters('query', doc.query),
      { $ref: '#/components/parameters/CorrelationId' },
      ...(doc.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: h.required, description: h.description, schema: h.schema ? jsonSchema(h.schema) : { type: 'string' } })),
    ],
    ...(doc.body && !methodsWithoutBody.has(method)
      ? { requestBody: { required: true, ...(doc.body.description ? { description: doc.body.description } : {}), content: { 'application/json': { schema: jsonSchema(doc.body.schema), example: doc.body.example } } } }
      : {}),
    responses,
  };
}

/** A route serving GET and POST documents its body on POST only. */
const methodsWithoutBody = new Set(['GET', 'HEAD', 'DELETE']);

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function openApiDocument(info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = documentedRoutes().sort((a, b) => (a.route < b.route ? -1 : a.route > b.route ? 1 : 0));
  for (const route of sorted) {
    const item = (paths[openApiPath(route.route)] ??= {});
    for (const method of route.methods) item[method.toLowerCase()] = operation(route, method);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'winback',
      version: info.version,
      description:
        'Customer win-back engine: purchases, customers, segments, offers, coupons and redemptions. Errors are RFC 9457 `application/problem+json`. ' +
        'Every route except the health check, this document and the signature-checked shop webhooks needs a function key.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/api', description: 'this function app' }],
    paths,
    components: {
      securitySchemes: {
        functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key', description: 'An Azure Functions function or host key' },
        functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code', description: 'The same key as a query parameter (for clients that cannot set headers)' },
      },
      parameters: {
        CorrelationId: {
          name: 'x-correlation-id',
          in: 'header',
          required: false,
          description: 'Ties this request to the logs and Service Bus messages it causes (else the W3C `traceparent` trace id, else the invocation id); echoed in the response',
          schema: { type: 'string', maxLength: 128 },
        },
      },
      schemas: { Problem: jsonSchema(Problem, 'output') },
    },
  };
}
