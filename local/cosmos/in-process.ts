/**
 * The Cosmos SDK's HTTP requests to the embedded emulator, handed to the emulator's worker thread as
 * messages instead of over a TLS socket on loopback. The SDK builds and reads exactly the same requests and
 * responses (its whole pipeline, retries and headers run as against Azure); only the transport differs, and
 * the worker answers each one through the same request listeners its HTTPS server uses. On the local host
 * most of a Cosmos call's cost was the socket: TLS, header writes and the syscalls to move them. The HTTPS
 * endpoint stays up for everything else (tests, the Data Explorer-like tools, a second process).
 *
 * Both halves live here: `InProcessHttpClient` on the caller's thread, `serveInProcess` in the worker.
 */
import type { CosmosClientOptions } from '@azure/cosmos';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

type HttpClient = NonNullable<CosmosClientOptions['httpClient']>;
type PipelineRequest = Parameters<HttpClient['sendRequest']>[0];
type PipelineResponse = Awaited<ReturnType<HttpClient['sendRequest']>>;
type HttpHeaders = PipelineResponse['headers'];

/** One request for the worker (path and query only: the worker serves one account). */
export interface HttpCall {
  id: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Calls and answers travel in batches: every postMessage wakes the other thread (a syscall, costly in a VM),
 * and with a few requests in flight most of them are sent in the same turn of the event loop.
 */
export interface HttpCalls {
  type: 'http';
  calls: HttpCall[];
}
export interface HttpAnswers {
  type: 'http-response';
  answers: HttpAnswer[];
}

/** Collects items and hands them over once per turn of the event loop. */
export class Batcher<T> {
  private items: T[] = [];
  constructor(private readonly flush: (items: T[]) => void) {}
  add(item: T): void {
    if (this.items.length === 0) setImmediate(() => this.drain());
    this.items.push(item);
  }
  private drain(): void {
    const items = this.items;
    this.items = [];
    if (items.length > 0) this.flush(items);
  }
}

export interface HttpAnswer {
  id: number;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Case-insensitive response headers, the interface core-rest-pipeline's responses offer. */
class AnswerHeaders implements HttpHeaders {
  private readonly map = new Map<string, { name: string; value: string }>();

  constructor(raw: Record<string, string>) {
    for (const [name, value] of Object.entries(raw)) this.set(name, value);
  }
  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.value;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string | number | boolean): void {
    this.map.set(name.toLowerCase(), { name, value: String(value) });
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  toJSON(options: { preserveCase?: boolean } = {}): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, { name, value }] of this.map) out[options.preserveCase ? name : key] = value;
    return out;
  }
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const [key, { value }] of this.map) yield [key, value];
  }
}

function bodyText(body: PipelineRequest['body']): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  throw new TypeError('the in-process Cosmos transport sends string or byte bodies only');
}

const abortError = () => Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });

export class InProcessHttpClient implements HttpClient {
  private readonly pending = new Map<number, { request: PipelineRequest; resolve: (r: PipelineResponse) => void; reject: (e: Error) => void; done: () => void }>();
  private next = 1;
  private gone: Error | undefined;

  private readonly outgoing: Batcher<HttpCall>;

  /** `observe` sees each call as it is sent, on the caller's thread (for counting what sent it). */
  constructor(
    post: (calls: HttpCalls) => void,
    private readonly observe?: (call: HttpCall) => void,
  ) {
    this.outgoing = new Batcher((calls) => {
      try {
        post({ type: 'http', calls });
      } catch (error) {
        for (const call of calls) this.fail(call.id, error as Error);
      }
    });
  }

  private fail(id: number, error: Error): void {
    const waiter = this.pending.get(id);
    if (!waiter) return;
    waiter.done();
    waiter.reject(error);
  }

  sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    if (this.gone) return Promise.reject(this.gone);
    if (request.abortSignal?.aborted) return Promise.reject(abortError());
    const url = new URL(request.url);
    const id = this.next++;
    return new Promise<PipelineResponse>((resolve, reject) => {
      const onAbort = () => {
        this.pending.get(id)?.done();
        reject(abortError());
      };
      request.abortSignal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        this.pending.delete(id);
        request.abortSignal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, { request, resolve, reject, done });
      try {
        const call: HttpCall = { id, method: request.method, path: `${url.pathname}${url.search}`, headers: { ...request.headers.toJSON(), host: url.host }, body: bodyText(request.body) };
        this.observe?.(call);
        this.outgoing.add(call);
      } catch (error) {
        done();
        reject(error as Error);
      }
    });
  }

  /** The worker's answers; one to a call the caller gave up on (timeout, abort) is dropped. */
  answer(message: HttpAnswers): void {
    for (const answer of message.answers) {
      const waiter = this.pending.get(answer.id);
      if (!waiter) continue;
      waiter.done();
      waiter.resolve({ request: waiter.request, status: answer.status, headers: new AnswerHeaders(answer.headers), bodyAsText: answer.body });
    }
  }

  /** The worker is gone: every call waiting and every later one fails with `error`. */
  close(error: Error): void {
    this.gone ??= error;
    for (const waiter of [...this.pending.values()]) {
      waiter.done();
      waiter.reject(error);
    }
  }
}

/**
 * Runs one call through the request listeners of `server` (the emulator's HTTPS server) with a request and
 * response that carry what those listeners use: method, url, headers and the body stream; status code,
 * headers and `end`.
 */
export function serveInProcess(server: { emit(event: 'request', req: IncomingMessage, res: ServerResponse): boolean }, call: HttpCall, reply: (answer: HttpAnswer) => void): void {
  const req = new Readable({ read() {} }) as Readable & { method: string; url: string; headers: Record<string, string> };
  req.method = call.method;
  req.url = call.path;
  req.headers = Object.fromEntries(Object.entries(call.headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (call.body !== '') req.push(Buffer.from(call.body, 'utf8'));
  req.push(null);
  const headers: Record<string, string> = {};
  const res = {
    statusCode: 200,
    headersSent: false,
    finished: false,
    writableEnded: false,
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      return res;
    },
    getHeader(name: string) {
      return headers[name.toLowerCase()];
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
    end(chunk?: string | Uint8Array) {
      if (res.finished) return res;
      res.finished = res.writableEnded = res.headersSent = true;
      const body = chunk === undefined ? '' : typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      reply({ id: call.id, status: res.statusCode, headers, body });
      return res;
    },
  };
  server.emit('request', req as unknown as IncomingMessage, res as unknown as ServerResponse);
}
