import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The function key: `--key`, else WINBACK_FUNCTION_KEY, else the one the local host keeps in its data folder. */
export function resolveFunctionKey(options: { key?: string; env?: NodeJS.ProcessEnv; dataDir: string }): string | undefined {
  if (options.key) return options.key;
  const fromEnv = (options.env ?? process.env)['WINBACK_FUNCTION_KEY'];
  if (fromEnv) return fromEnv;
  const file = path.join(options.dataDir, 'function-key');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

export class HostError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}

export interface HostResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface HostClientOptions {
  url: string;
  key?: string;
  /** How long a request is retried while the host is unreachable or overloaded (503, 429, connection errors). */
  retryForMs?: number;
  log?: (line: string) => void;
}

const retryableStatus = new Set([429, 502, 503, 504]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A small HTTP client for a winback host. Every write winback offers is idempotent, so a request that
 * failed on the way (connection reset, host restarting, 503/429) is sent again until `retryForMs` ran out.
 */
export class HostClient {
  readonly url: string;
  private readonly retryForMs: number;

  constructor(private readonly options: HostClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.retryForMs = options.retryForMs ?? 60_000;
  }

  async request<T = unknown>(method: string, pathAndQuery: string, json?: unknown, headers: Record<string, string> = {}): Promise<HostResponse<T>> {
    const init: RequestInit = {
      method,
      headers: {
        ...(this.options.key ? { 'x-functions-key': this.options.key } : {}),
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: json === undefined ? undefined : typeof json === 'string' || json instanceof Uint8Array ? (json as string) : JSON.stringify(json),
    };
    const deadline = Date.now() + this.retryForMs;
    for (let attempt = 0; ; attempt++) {
      let failure: string;
      try {
        const response = await fetch(`${this.url}${pathAndQuery}`, init);
        const text = await response.text();
        if (!retryableStatus.has(response.status)) {
          let body: unknown = text;
          if (/json/.test(response.headers.get('content-type') ?? '') && text) body = JSON.parse(text);
          return { status: response.status, headers: response.headers, body: body as T, text };
        }
        failure = `${response.status} ${text.slice(0, 200)}`;
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        failure = cause?.code ?? cause?.message ?? (error as Error).message;
      }
      if (Date.now() > deadline) throw new HostError(`${method} ${this.url}${pathAndQuery} failed: ${failure} (gave up after ${Math.round(this.retryForMs / 1000)} s)`);
      if (attempt === 0 || attempt % 10 === 0) this.options.log?.(`${method} ${pathAndQuery}: ${failure}; retrying`);
      await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)));
    }
  }

  /** Like `request`, but any status outside `expected` is an error that quotes the host's answer. */
  async expect<T = unknown>(expected: number[], method: string, pathAndQuery: string, json?: unknown, headers?: Record<string, string>): Promise<HostResponse<T>> {
    const response = await this.request<T>(method, pathAndQuery, json, headers);
    if (!expected.includes(response.status)) {
      const hint = response.status === 401 ? ' — wrong or missing function key (pass --key or set WINBACK_FUNCTION_KEY)' : '';
      throw new HostError(`${method} ${pathAndQuery} answered ${response.status}${hint}: ${response.text.slice(0, 500)}`, response.status, response.text);
    }
    return response;
  }
}
