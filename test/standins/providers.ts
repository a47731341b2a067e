/**
 * Local HTTP stand-ins for the providers' REST APIs, so each channel adapter runs its real SDK end to end:
 * ACS Email (`POST /emails:send`, `GET /emails/operations/{id}`), ACS SMS (`POST /sms`), Notification Hubs
 * (`POST /{hub}/messages/?direct`) and a webhook receiver (`POST /webhook`). Every request is recorded with
 * whether its authentication checked out against the configured key; answers can be scripted per route.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = 'email' | 'email-status' | 'sms' | 'push' | 'webhook';

export interface RecordedRequest {
  route: Route;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  body: unknown;
  /** The request carried valid credentials (HMAC for ACS, SAS for Notification Hubs, Standard Webhooks signature). */
  authenticated: boolean;
  authProblem?: string;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Hold the answer this long (tests of timeouts). */
  delayMs?: number;
}

export interface StandIns {
  url: string;
  acsAccessKey: string;
  acsConnectionString: string;
  hubName: string;
  hubConnectionString: string;
  webhookUrl: string;
  webhookSecret: string;
  requests: RecordedRequest[];
  of(route: Route): RecordedRequest[];
  /** The next answers for a route, in order; afterwards the route answers success again. */
  script(route: Route, ...answers: ScriptedAnswer[]): void;
  reset(): void;
  close(): Promise<void>;
}

const acsAccessKey = Buffer.from('winback-stand-in-acs-access-key-0123456789').toString('base64');
const hubKeyName = 'DefaultFullSharedAccessSignature';
const hubKey = 'stand-in-hub-key-0123456789abcdef';
const webhookSecret = 'whsec_' + Buffer.from('winback-stand-in-webhook-secret!').toString('base64');

export async function startStandIns(options: { hubName?: string } = {}): Promise<StandIns> {
  const hubName = options.hubName ?? 'winback';
  const requests: RecordedRequest[] = [];
  const scripts = new Map<Route, ScriptedAnswer[]>();
  let base = '';

  const server: Server = createServer((req, res) => {
    void readBody(req).then(async (rawBody) => {
      const url = new URL(req.url ?? '/', base);
      const route = routeOf(req.method ?? 'GET', url.pathname, hubName);
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'NotFound', message: `no route ${req.method} ${url.pathname}` } }));
        return;
      }
      const auth = authenticate(route, req, url, rawBody, base);
      let body: unknown = rawBody;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        // not JSON: keep the text
      }
      requests.push({ route, method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, rawBody, body, authenticated: auth === undefined, authProblem: auth });
      const scripted = scripts.get(route)?.shift();
      if (scripted?.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
      if (res.destroyed) return;
      if (auth !== undefined && !scripted) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'Unauthorized', message: auth } }));
        return;
      }
      const answer = scripted ?? success(route, req, body, base, hubName);
      const payload = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { ...(payload && typeof answer.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...answer.headers }).end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    acsAccessKey,
    acsConnectionString: `endpoint=${base}/;accesskey=${acsAccessKey}`,
    hubName,
    hubConnectionString: `Endpoint=${base}/;SharedAccessKeyName=${hubKeyName};SharedAccessKey=${hubKey}`,
    webhookUrl: `${base}/webhook`,
    webhookSecret,
    requests,
    of: (route) => requests.filter((r) => r.route === route),
    script: (route, ...answers) => scripts.set(route, [...(scripts.get(route) ?? []), ...answers]),
    reset: () => {
      requests.length = 0;
      scripts.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function routeOf(method: string, path: string, hubName: string): Route | undefined {
  if (method === 'POST' && path === '/emails:send') return 'email';
  if (method === 'GET' && path.startsWith('/emails/operations/')) return 'email-status';
  if (method === 'POST' && path === '/sms') return 'sms';
  if (method === 'POST' && path === `/${hubName}/messages/`) return 'push';
  if (method === 'POST' && path === '/webhook') return 'webhook';
  return undefined;
}

function success(route: Route, req: IncomingMessage, body: unknown, base: string, hubName: string): ScriptedAnswer {
  switch (route) {
    case 'email': {
      const id = String(req.headers['operation-id'] ?? randomUUID());
      return {
        status: 202,
        headers: { 'operation-location': `${base}/emails/operations/${id}?api-version=2025-09-01`, 'retry-after': '0' },
        body: { id, status: 'Running' },
      };
    }
    case 'email-status':
      return { status: 200, body: { id: req.url!.split('/').pop()!.split('?')[0], status: 'Succeeded' } };
    case 'sms': {
      const request = body as { smsRecipients?: { to: string }[] };
      return {
        status: 202,
        body: {
          value: (request.smsRecipients ?? []).map((r) => ({ to: r.to, messageId: `Outgoing_${randomUUID()}_noam`, httpStatusCode: 202, repeatabilityResult: 'accepted', successful: true })),
        },
      };
    }
    case 'push': {
      const id = randomUUID().replaceAll('-', '');
      return { status: 201, headers: { location: `${base}/${hubName}/messages/${id}?api-version=2020-06`, trackingid: randomUUID() } };
    }
    case 'webhook':
      return { status: 204 };
    default: {
      const exhaustive: never = route;
      return exhaustive;
    }
  }
}

/** undefined when authenticated, else what is wrong. */
function authenticate(route: Route, req: IncomingMessage, url: URL, rawBody: string, base: string): string | undefined {
  switch (route) {
    case 'email':
    case 'email-status':
    case 'sms':
      return checkAcsHmac(req, url, rawBody);
    case 'push':
      return checkSas(req, base);
    case 'webhook':
      return checkStandardWebhook(req, rawBody);
    default: {
      const exhaustive: never = route;
      return exhaustive;
    }
  }
}

/** ACS HMAC-SHA256: `{VERB}\n{path?query}\n{x-ms-date};{host};{x-ms-content-sha256}` signed with the access key. */
function checkAcsHmac(req: IncomingMessage, url: URL, rawBody: string): string | undefined {
  const authorization = String(req.headers['authorization'] ?? '');
  const match = /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(.+)$/.exec(authorization);
  if (!match) return 'no HMAC-SHA256 authorization header';
  const contentHash = createHash('sha256').update(rawBody).digest('base64');
  if (req.headers['x-ms-content-sha256'] !== contentHash) return 'x-ms-content-sha256 does not match the body';
  const query = url.searchParams.toString();
  const toSign = `${req.method}\n${url.pathname}${query ? `?${query}` : ''}\n${String(req.headers['x-ms-date'])};${req.headers['host']};${contentHash}`;
  const expected = createHmac('sha256', Buffer.from(acsAccessKey, 'base64')).update(toSign).digest('base64');
  return safeEqual(expected, match[1]!) ? undefined : 'HMAC signature does not match';
}

/** Notification Hubs SAS: `sr={audience}&sig={HMAC(key, audience \n expiry)}&se={expiry}&skn={keyName}`. */
function checkSas(req: IncomingMessage, base: string): string | undefined {
  const authorization = String(req.headers['authorization'] ?? '');
  if (!authorization.startsWith('SharedAccessSignature ')) return 'no SharedAccessSignature authorization';
  const fields = new URLSearchParams(authorization.slice('SharedAccessSignature '.length));
  const sr = fields.get('sr') ?? '';
  const se = fields.get('se') ?? '';
  if (fields.get('skn') !== hubKeyName) return 'unknown key name';
  if (decodeURIComponent(sr) !== `${base}/`.toLowerCase()) return `audience ${sr} is not this namespace`;
  if (Number(se) * 1000 < Date.now()) return 'token expired';
  const expected = createHmac('sha256', hubKey).update(`${encodeURIComponent(decodeURIComponent(sr))}\n${se}`).digest('base64');
  return safeEqual(expected, fields.get('sig') ?? '') ? undefined : 'SAS signature does not match';
}

function checkStandardWebhook(req: IncomingMessage, rawBody: string): string | undefined {
  const id = String(req.headers['webhook-id'] ?? '');
  const timestamp = String(req.headers['webhook-timestamp'] ?? '');
  const signatures = String(req.headers['webhook-signature'] ?? '').split(' ');
  if (!id || !/^\d+$/.test(timestamp)) return 'webhook-id or webhook-timestamp missing';
  const key = Buffer.from(webhookSecret.slice('whsec_'.length), 'base64');
  const expected = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest('base64')}`;
  return signatures.some((s) => safeEqual(expected, s)) ? undefined : 'webhook-signature does not match';
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
