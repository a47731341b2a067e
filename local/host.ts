import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import functions from '@azure/functions';
import { Cron } from 'croner';
import type { Clock, VirtualClock } from '../shared/clock.js';
import { compileRoute, matchRoute, sortRoutes, type CompiledRoute } from './routes.js';
import type { Registration, Registry } from './functions-core.js';
import type { OutboundMessage } from '../shared/messaging/bus.js';
import { triggerMetadata } from './service-bus/transport.js';
import type { ReceivedMessage } from './service-bus/types.js';
import { runInvocation } from './invocation-scope.js';

// The library is a webpack bundle: Node's ESM loader finds `app` among its exports but not the classes.
const { HttpRequest, HttpResponse, InvocationContext } = functions;
type InvocationContext = InstanceType<typeof InvocationContext>;

/** What the host needs of the local Service Bus transport. */
export interface LocalTransportPort {
  subscribe(queue: string, handler: (message: ReceivedMessage) => Promise<void>, options: { maxConcurrentCalls: number }): unknown;
  send(queue: string, messages: OutboundMessage | OutboundMessage[]): Promise<void>;
  stats(queue: string): unknown;
  peekDeadLetters(queue: string): unknown[];
  idle(): Promise<void>;
}

export interface HostOptions {
  registry: Registry;
  hostname?: string;
  port: number;
  functionKey: string;
  clock: Clock;
  virtualClock?: VirtualClock;
  transport?: LocalTransportPort;
  /** Resolves `%NAME%` binding expressions, as the Functions host does from app settings. */
  appSettings: Record<string, string | undefined>;
  log?: (line: string) => void;
  /** Upper bound on what the host buffers; the app enforces its own, smaller limit. */
  maxRequestBytes?: number;
  maxConcurrentCalls?: number;
  /** The embedded emulator's requests (GET /admin/local/cosmos/requests): by container and kind, or by the function that sent them. */
  cosmosRequests?: (by: 'container' | 'function') => unknown;
}

interface HttpRoute {
  registration: Registration;
  methods: string[];
  authLevel: 'anonymous' | 'function' | 'admin';
}

interface TimerState {
  registration: Registration;
  cron: Cron;
  next: Date | null;
  last?: Date;
  handle?: NodeJS.Timeout;
}

export class PortInUseError extends Error {
  constructor(readonly port: number, what: string) {
    super(`port ${port} is already in use (${what}) — is another winback host running? Choose another port with --port.`);
    this.name = 'PortInUseError';
  }
}

export class LocalHost {
  private server?: http.Server;
  private readonly routes: CompiledRoute<HttpRoute>[];
  private readonly timers: TimerState[] = [];
  /** Timer runs, on-demand runs and Service Bus deliveries. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly requests = new Set<Promise<unknown>>();
  private readonly log: (line: string) => void;
  private unsubscribeClock?: () => void;
  private stopping = false;

  constructor(private readonly options: HostOptions) {
    this.log = options.log ?? ((line) => console.log(line));
    const httpRoutes: CompiledRoute<HttpRoute>[] = [];
    for (const registration of options.registry.functions.values()) {
      if (registration.trigger.type !== 'httpTrigger') continue;
      const trigger = registration.trigger as { route?: string; methods?: string[]; authLevel?: string };
      httpRoutes.push(
        compileRoute(trigger.route ?? registration.name, {
          registration,
          methods: (trigger.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
          authLevel: (trigger.authLevel ?? 'anonymous') as HttpRoute['authLevel'],
        }),
      );
    }
    this.routes = sortRoutes(httpRoutes);
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('host is not listening');
    return `http://${this.options.hostname ?? '127.0.0.1'}:${address.port}`;
  }

  functions(): Registration[] {
    return [...this.options.registry.functions.values()];
  }

  describeEndpoints(): string[] {
    return this.routes.map(({ template, value }) => {
      const auth = value.authLevel === 'anonymous' ? '' : `  (${value.authLevel} key)`;
      return `${value.registration.name}: [${value.methods.join(',')}] ${this.url}/api/${template}${auth}`;
    });
  }

  async start(): Promise<void> {
    await this.runHooks('appStart', {});
    const server = http.createServer((req, res) => {
      const work = this.handle(req, res).catch((error: unknown) => {
        this.log(`[host] request failed: ${error instanceof Error ? error.stack : String(error)}`);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/problem+json' });
          res.end(JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500 }));
        } else res.destroy();
      });
      this.requests.add(work);
      void work.finally(() => this.requests.delete(work));
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new PortInUseError(this.options.port, 'function host HTTP') : error),
      );
      server.listen(this.options.port, this.options.hostname ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.startTimers();
    this.startServiceBusTriggers();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) if (timer.handle) clearTimeout(timer.handle);
    this.unsubscribeClock?.();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    await Promise.allSettled([...this.requests]);
    await this.idle();
    await this.runHooks('appTerminate', {});
  }

  /** Resolves once nothing the host started is still running. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  private async runHooks(name: string, hookData: Record<string, unknown>): Promise<void> {
    for (const hook of this.options.registry.hooks.get(name) ?? []) {
      await hook({ hookData, appHookData: hookData });
    }
  }

  private context(registration: Registration, triggerMetadata: Record<string, unknown>): InvocationContext {
    const name = registration.name;
    return new InvocationContext({
      invocationId: randomUUID(),
      functionName: name,
      triggerMetadata,
      logHandler: (level, ...args) => {
        const text = args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.stack : JSON.stringify(a))).join(' ');
        this.log(`[${name}] ${level === 'information' ? '' : level + ': '}${text}`);
      },
      options: { trigger: registration.trigger as never },
    });
  }

  private async invoke(registration: Registration, input: unknown, triggerMetadata: Record<string, unknown>) {
    return runInvocation(registration.name, () => registration.callback(input, this.context(registration, triggerMetadata)));
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    if (path === '/' || path === '/api' || path === '/api/') return this.sendJson(res, 200, { name: 'winback', status: 'running' });
    if (path.startsWith('/admin/')) return this.handleAdmin(req, res, url);
    if (!path.startsWith('/api/')) return this.sendProblem(res, 404, 'Not Found', `no route for ${path}`);

    const subPath = path.slice('/api/'.length);
    const method = (req.method ?? 'GET').toUpperCase();
    let allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchRoute(route, subPath);
      if (!params) continue;
      if (!route.value.methods.includes(method)) {
        allowed = allowed.concat(route.value.methods);
        continue;
      }
      if (route.value.authLevel !== 'anonymous' && !this.hasValidKey(req, url)) {
        return this.sendProblem(res, 401, 'Unauthorized', 'a valid function key is required in x-functions-key or ?code=');
      }
      const body = await this.readBody(req);
      if (body === 'too-large') {
        return this.sendProblem(res, 413, 'Payload Too Large', 'request body exceeds the host limit');
      }
      return this.invokeHttp(route.value.registration, req, res, url, params, body);
    }
    if (allowed.length > 0) {
      res.setHeader('allow', [...new Set(allowed)].join(', '));
      return this.sendProblem(res, 405, 'Method Not Allowed', `${method} is not allowed on ${path}`);
    }
    return this.sendProblem(res, 404, 'Not Found', `no function route matches ${path}`);
  }

  private hasValidKey(req: http.IncomingMessage, url: URL): boolean {
    const header = req.headers['x-functions-key'];
    const supplied = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code') ?? '';
    const a = createHash('sha256').update(supplied).digest();
    const b = createHash('sha256').update(this.options.functionKey).digest();
    return supplied.length > 0 && timingSafeEqual(a, b);
  }

  private readBody(req: http.IncomingMessage): Promise<Buffer | 'too-large'> {
    const limit = this.options.maxRequestBytes ?? 16 * 1024 * 1024;
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      req.resume();
      return Promise.resolve('too-large');
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) tooLarge = true;
        else chunks.push(chunk);
      });
      req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  private async invokeHttp(
    registration: Registration,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    params: Record<string, string>,
    body: Buffer,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => {
      if (!(key in query)) query[key] = value;
    });
    const method = (req.method ?? 'GET').toUpperCase();
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers,
      query,
      params,
      body: method === 'GET' || method === 'HEAD' || body.length === 0 ? undefined : { bytes: body },
    });
    let result: unknown;
    try {
      result = await this.invoke(registration, request, { Headers: headers, Query: query, ...params });
    } catch (error) {
      this.log(`[${registration.name}] error: unhandled: ${error instanceof Error ? error.stack : String(error)}`);
      return this.sendProblem(res, 500, 'Internal Server Error', 'the function failed');
    }
    const response = result instanceof HttpResponse ? result : new HttpResponse((result ?? {}) as never);
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      responseHeaders[key] = value;
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > 0 && !responseHeaders['content-type']) responseHeaders['content-type'] = 'text/plain; charset=utf-8';
    res.writeHead(response.status, responseHeaders);
    res.end(method === 'HEAD' ? undefined : bytes);
  }

  private sendJson(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  private sendProblem(res: http.ServerResponse, status: number, title: string, detail: string): void {
    res.writeHead(status, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
  }

  // ---------------------------------------------------------------- admin API

  private async handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const hostname = this.options.hostname ?? '127.0.0.1';
    const loopback = hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '::1';
    // Core Tools leaves the admin API open on a developer's machine; off loopback it takes the key.
    if (!loopback && !this.hasValidKey(req, url)) return this.sendProblem(res, 401, 'Unauthorized', 'admin API needs the key');
    const method = (req.method ?? 'GET').toUpperCase();
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const body = await this.readBody(req);
    if (body === 'too-large') return this.sendProblem(res, 413, 'Payload Too Large', 'admin request too large');
    let json: Record<string, unknown> = {};
    if (body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return this.sendProblem(res, 400, 'Bad Request', 'the body is not valid JSON');
      }
    }

    // POST /admin/functions/<name> {"input": "..."} — Core Tools' way to run a non-HTTP function now.
    if (parts[1] === 'functions' && parts.length === 3 && method === 'POST') {
      const registration = this.options.registry.functions.get(parts[2]!);
      if (!registration) return this.sendProblem(res, 404, 'Not Found', `no function named ${parts[2]}`);
      if (registration.trigger.type === 'httpTrigger') {
        return this.sendProblem(res, 400, 'Bad Request', 'HTTP functions are called on their route');
      }
      const input = typeof json['input'] === 'string' ? (json['input'] as string) : '';
      if (registration.trigger.type === 'timerTrigger' && timerExtras(input) === undefined) {
        // Ignoring it would run the timer's normal work (for segments-compute: a run for yesterday).
        return this.sendProblem(res, 400, 'Bad Request', `"input" must be a JSON object (as a string) for timer function ${registration.name}, got ${JSON.stringify(input.slice(0, 100))}`);
      }
      this.track(this.invokeOnDemand(registration, input));
      res.writeHead(202);
      return void res.end();
    }
    if (parts[1] === 'functions' && parts.length === 2 && method === 'GET') {
      return this.sendJson(
        res,
        200,
        this.functions().map((f) => ({ name: f.name, trigger: f.trigger })),
      );
    }
    if (parts[1] === 'host' && parts[2] === 'status') {
      return this.sendJson(res, 200, { state: this.stopping ? 'Stopping' : 'Running', inFlight: this.inFlight.size, now: this.options.clock.now().toISOString() });
    }
    if (parts[1] === 'local') return this.handleLocalAdmin(res, method, parts.slice(2), json, url.searchParams);
    return this.sendProblem(res, 404, 'Not Found', `no admin route ${url.pathname}`);
  }

  /** Local-only controls: the virtual clock, the Service Bus stand-in, and a way to wait for quiet. */
  private async handleLocalAdmin(res: http.ServerResponse, method: string, parts: string[], json: Record<string, unknown>, query: URLSearchParams) {
    const [area, name, sub] = parts;
    if (area === 'clock') {
      if (method === 'GET') return this.sendJson(res, 200, { now: this.options.clock.now().toISOString(), virtual: !!this.options.virtualClock });
      const clock = this.options.virtualClock;
      if (!clock) return this.sendProblem(res, 409, 'Conflict', 'the host runs on the system clock; start it with --virtual-clock');
      try {
        if (typeof json['to'] === 'string') clock.set(new Date(json['to']));
        else if (typeof json['advanceMs'] === 'number') clock.advance(json['advanceMs']);
        else return this.sendProblem(res, 400, 'Bad Request', 'give "to" (ISO time) or "advanceMs"');
      } catch (error) {
        return this.sendProblem(res, 400, 'Bad Request', error instanceof Error ? error.message : String(error));
      }
      return this.sendJson(res, 200, { now: clock.now().toISOString() });
    }
    if (area === 'idle' && method === 'POST') {
      const deadline = Date.now() + (typeof json['timeoutMs'] === 'number' ? json['timeoutMs'] : 30_000);
      for (;;) {
        await this.idle();
        await this.options.transport?.idle();
        if (this.inFlight.size === 0) break;
        if (Date.now() > deadline) return this.sendProblem(res, 504, 'Gateway Timeout', 'host did not become idle');
      }
      return this.sendJson(res, 200, { idle: true });
    }
    if (area === 'cosmos' && name === 'requests' && method === 'GET') {
      if (!this.options.cosmosRequests) return this.sendProblem(res, 409, 'Conflict', 'no embedded Cosmos emulator');
      const by = query.get('by') ?? 'container';
      if (by !== 'container' && by !== 'function') return this.sendProblem(res, 400, 'Bad Request', `query/by: "container" or "function", got ${JSON.stringify(by)}`);
      return this.sendJson(res, 200, this.options.cosmosRequests(by));
    }
    if (area === 'queues') {
      const transport = this.options.transport;
      if (!transport) return this.sendProblem(res, 409, 'Conflict', 'a real Service Bus namespace is configured');
      if (!name) return this.sendProblem(res, 400, 'Bad Request', 'name a queue');
      if (method === 'GET' && sub === 'deadletters') return this.sendJson(res, 200, transport.peekDeadLetters(name));
      if (method === 'GET' && !sub) return this.sendJson(res, 200, transport.stats(name));
      if (method === 'POST' && sub === 'messages') {
        const messageId = typeof json['messageId'] === 'string' ? json['messageId'] : randomUUID();
        await transport.send(name, {
          messageId,
          body: json['body'],
          scheduledEnqueueTime: typeof json['scheduledEnqueueTime'] === 'string' ? new Date(json['scheduledEnqueueTime']) : undefined,
        });
        return this.sendJson(res, 202, { messageId });
      }
    }
    return this.sendProblem(res, 404, 'Not Found', 'no such local admin route');
  }

  private async invokeOnDemand(registration: Registration, input: string): Promise<void> {
    try {
      switch (registration.trigger.type) {
        case 'timerTrigger': {
          // Core Tools hands a timer its usual TimerInfo; a JSON object given as input is merged in so that a
          // run on demand can carry parameters (e.g. {"asOf": "1997-09-30"} for a backtest).
          await this.invoke(registration, { ...this.timerInput(false, registration), ...timerExtras(input) }, {});
          break;
        }
        case 'serviceBusTrigger': {
          let body: unknown = input;
          try {
            body = JSON.parse(input);
          } catch {
            // Service Bus delivers non-JSON bodies as strings.
          }
          await this.invoke(registration, body, { messageId: randomUUID(), deliveryCount: 1 });
          break;
        }
        default:
          await this.invoke(registration, input, {});
      }
      this.log(`[${registration.name}] completed (on demand)`);
    } catch (error) {
      this.log(`[${registration.name}] error: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }

  // ---------------------------------------------------------------- timers

  /** `%NAME%` binding expressions resolved from app settings, as the Functions host resolves them. */
  resolveSetting(value: string): string {
    return value.replace(/%([^%]+)%/g, (_, name: string) => {
      const resolved = this.options.appSettings[name];
      if (resolved === undefined) throw new Error(`binding expression %${name}% names an app setting that is not set`);
      return resolved;
    });
  }

  private startTimers(): void {
    for (const registration of this.options.registry.functions.values()) {
      if (registration.trigger.type !== 'timerTrigger') continue;
      const schedule = this.resolveSetting(String(registration.trigger['schedule']));
      const cron = new Cron(schedule, { timezone: 'UTC', paused: true });
      const state: TimerState = { registration, cron, next: cron.nextRun(this.options.clock.now()) };
      this.timers.push(state);
      if (registration.trigger['runOnStartup'] === true) this.track(this.fireTimer(state, false));
      if (!this.options.virtualClock) this.armTimer(state);
    }
    if (this.options.virtualClock) {
      this.unsubscribeClock = this.options.virtualClock.onChange((now) => {
        for (const state of this.timers) {
          if (!state.next || state.next > now) continue;
          // Like the Functions host after downtime: one catch-up run, flagged as past due when more were missed.
          const missedMore = (state.cron.nextRun(state.next) ?? now) <= now;
          state.next = state.cron.nextRun(now);
          this.track(this.fireTimer(state, missedMore));
        }
      });
    }
  }

  private armTimer(state: TimerState): void {
    if (this.stopping || !state.next) return;
    const delay = Math.min(Math.max(0, state.next.getTime() - Date.now()), 2 ** 31 - 1);
    state.handle = setTimeout(() => {
      if (state.next && state.next.getTime() <= Date.now()) {
        state.next = state.cron.nextRun(new Date());
        this.track(this.fireTimer(state, false));
      }
      this.armTimer(state);
    }, delay);
    state.handle.unref();
  }

  private timerInput(isPastDue: boolean, registration: Registration, state?: TimerState) {
    return {
      isPastDue,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: (state?.last ?? new Date(0)).toISOString(),
        next: (state?.next ?? new Date(0)).toISOString(),
        lastUpdated: this.options.clock.now().toISOString(),
      },
      registration: registration.name,
    };
  }

  private async fireTimer(state: TimerState, isPastDue: boolean): Promise<void> {
    state.last = this.options.clock.now();
    try {
      await this.invoke(state.registration, this.timerInput(isPastDue, state.registration, state), {});
    } catch (error) {
      this.log(`[${state.registration.name}] error: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }

  // ---------------------------------------------------------------- Service Bus

  private startServiceBusTriggers(): void {
    const transport = this.options.transport;
    if (!transport) return;
    for (const registration of this.options.registry.functions.values()) {
      if (registration.trigger.type !== 'serviceBusTrigger') continue;
      const queue = this.resolveSetting(String(registration.trigger['queueName']));
      transport.subscribe(
        queue,
        async (message) => {
          await this.track(Promise.resolve(this.invoke(registration, message.body, triggerMetadata(message))));
        },
        { maxConcurrentCalls: this.options.maxConcurrentCalls ?? 16 },
      );
    }
  }
}

/** The on-demand input of a timer function: empty, or a JSON object; undefined for anything else. */
function timerExtras(input: string): Record<string, unknown> | undefined {
  if (input.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(input);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
