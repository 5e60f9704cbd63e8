// One bitcoind JSON-RPC endpoint over HTTP (jayson's client on a keep-alive agent). Maps every
// failure to the two classes the rest of Anode reacts to: DaemonRpcError (the daemon answered with
// an error: not retried) and DaemonUnavailableError (no usable answer: fail over and retry).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ClientRequest } from 'node:http';
import { DaemonRpcError, DaemonUnavailableError, RpcCode, type BatchResult, type DaemonEndpoint, type RpcCall } from './types.js';

const require = createRequire(import.meta.url);
// jayson ships CommonJS without types; the slice of its HTTP client used here is typed below.
interface JaysonHttpClient {
  options: { headers?: Record<string, string> };
  request(request: unknown, callback: (err: JaysonError | null, response?: unknown) => void): unknown;
  on(event: 'http request', listener: (req: ClientRequest) => void): unknown;
  off(event: 'http request', listener: (req: ClientRequest) => void): unknown;
}
type JaysonError = Error & { code?: number | string };
const jayson = require('jayson') as { client: { http(options: object): JaysonHttpClient } };

export interface RpcClientOptions {
  /** Whole-request deadline (connect + answer). Default 30 s. */
  readonly timeoutMs?: number;
  /** Parallel HTTP connections kept to this daemon. Default 8. */
  readonly maxSockets?: number;
  /**
   * JSON-RPC version of the requests. Bitcoin Core 28+ answers '2.0' requests with HTTP 200 even
   * for errors; '1.0' (legacy) errors come back as HTTP 500/404 with the JSON error in the body.
   */
  readonly jsonrpc?: '1.0' | '2.0';
}

export type { BatchResult, RpcCall } from './types.js';

interface RpcReply {
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown } | null;
}

/** The URL without user:password, for logs and admin output. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '<invalid url>';
  }
}

export class RpcClient {
  /** URL without credentials. */
  readonly url: string;
  private readonly agent: http.Agent;
  private readonly client: JaysonHttpClient;
  private readonly timeoutMs: number;
  private readonly version: '1.0' | '2.0';
  private readonly endpoint: DaemonEndpoint;
  private readonly urlUser?: string;
  private readonly urlPassword?: string;
  private auth: string | null = null; // "Basic ..." once known
  private cookieUsed: string | null = null;
  private nextId = 1;
  private closed = false;
  private readonly inflight = new Set<ClientRequest>();

  constructor(endpoint: DaemonEndpoint, opts: RpcClientOptions = {}) {
    const u = new URL(endpoint.url);
    if (u.protocol !== 'http:') throw new Error(`daemon URL must be http://host:port, got ${redactUrl(endpoint.url)}`);
    if (u.username) {
      this.urlUser = decodeURIComponent(u.username);
      this.urlPassword = decodeURIComponent(u.password);
    }
    this.endpoint = endpoint;
    this.url = redactUrl(endpoint.url);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.version = opts.jsonrpc ?? '2.0';
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 8 });
    this.client = jayson.client.http({
      hostname: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : 80,
      path: u.pathname === '' ? '/' : u.pathname,
      agent: this.agent,
      headers: {},
    });
  }

  /** One call; a JSON-RPC error rejects with DaemonRpcError. */
  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    const id = this.nextId++;
    const reply = await this.send(this.envelope({ method, params, id }), method);
    if (Array.isArray(reply) || reply === null || typeof reply !== 'object') {
      throw new DaemonUnavailableError(`${this.url}: malformed reply to ${method}`);
    }
    return unwrap(reply as RpcReply, method, this.url) as T;
  }

  /** Many calls in one HTTP request; per-call errors are returned, not thrown. */
  async batch<T = unknown>(calls: readonly RpcCall[]): Promise<BatchResult<T>[]> {
    if (calls.length === 0) return [];
    const first = this.nextId;
    this.nextId += calls.length;
    const body = calls.map((c, i) => this.envelope({ method: c.method, params: c.params ?? [], id: first + i }));
    const what = `batch of ${calls.length} ${calls[0].method}`;
    const reply = await this.send(body, what);
    if (!Array.isArray(reply)) {
      // bitcoind answers a whole-batch problem (e.g. a parse error) with a single error object.
      if (reply && typeof reply === 'object') unwrap(reply as RpcReply, calls[0].method, this.url);
      throw new DaemonUnavailableError(`${this.url}: malformed reply to ${what}`);
    }
    const byId = new Map<number, RpcReply>();
    for (const r of reply as RpcReply[]) if (r && typeof r.id === 'number') byId.set(r.id, r);
    return calls.map((c, i) => {
      const r = byId.get(first + i);
      if (!r) throw new DaemonUnavailableError(`${this.url}: ${what}: reply lacks id ${first + i}`);
      try {
        return { ok: true, result: unwrap(r, c.method, this.url) as T };
      } catch (e) {
        if (e instanceof DaemonRpcError) return { ok: false, error: e };
        throw e;
      }
    });
  }

  /** Like batch() but rejects with the first call's DaemonRpcError. */
  async batchResults<T = unknown>(calls: readonly RpcCall[]): Promise<T[]> {
    const results = await this.batch<T>(calls);
    return results.map((r) => {
      if (!r.ok) throw r.error;
      return r.result;
    });
  }

  /** Drops kept-alive connections and aborts requests in flight. */
  close(): void {
    this.closed = true;
    for (const req of this.inflight) req.destroy();
    this.inflight.clear();
    this.agent.destroy();
  }

  private envelope(req: { method: string; params: readonly unknown[]; id: number }): object {
    return this.version === '2.0' ? { jsonrpc: '2.0', ...req } : { ...req };
  }

  private async send(request: object, what: string): Promise<unknown> {
    let retriedAuth = false;
    for (;;) {
      if (this.closed) throw new DaemonUnavailableError(`${this.url}: client closed`);
      const auth = this.authorization();
      try {
        return await this.post(request, auth, what);
      } catch (e) {
        // bitcoind rewrites its cookie on every start: a 401 may just mean we hold the old one.
        if (e instanceof AuthRejected && !retriedAuth && this.rereadCookie()) {
          retriedAuth = true;
          continue;
        }
        if (e instanceof AuthRejected) throw new DaemonUnavailableError(`${this.url}: ${e.message}`);
        throw e;
      }
    }
  }

  private post(request: unknown, auth: string | null, what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let req: ClientRequest | undefined;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (req) this.inflight.delete(req);
        fn();
      };
      const timer = setTimeout(() => {
        finish(() => reject(new DaemonUnavailableError(`${this.url}: no answer to ${what} within ${this.timeoutMs} ms`)));
        req?.destroy();
      }, this.timeoutMs);
      this.client.options.headers = auth ? { Authorization: auth } : {};
      const capture = (r: ClientRequest): void => {
        req = r;
      };
      // jayson emits 'http request' synchronously inside request(): this captures our own request.
      this.client.on('http request', capture);
      try {
        this.client.request(request, (err, response) => {
          if (err) {
            const mapped = this.mapTransportError(err, what);
            if (mapped instanceof Error) finish(() => reject(mapped));
            else finish(() => resolve(mapped.reply));
          }
          else if (response === undefined) finish(() => reject(new DaemonUnavailableError(`${this.url}: empty reply to ${what}`)));
          else finish(() => resolve(response));
        });
      } catch (e) {
        finish(() => reject(new DaemonUnavailableError(`${this.url}: cannot send ${what}`, { cause: e })));
      } finally {
        this.client.off('http request', capture);
      }
      if (req && !settled) this.inflight.add(req);
    });
  }

  /**
   * Non-2xx statuses arrive as Error(body) with code = status; network failures with errno codes.
   * A JSON-RPC reply in a non-2xx body (legacy 1.0 errors: HTTP 500/404/400) is still a reply.
   */
  private mapTransportError(err: JaysonError, what: string): Error | { reply: unknown } {
    if (typeof err.code === 'number') {
      const status = err.code;
      if (status === 401 || status === 403) {
        return new AuthRejected(`HTTP ${status}: authentication rejected (check rpcuser/rpcpassword or the cookie file)`);
      }
      const parsed = parseJson(err.message);
      if (Array.isArray(parsed) || (parsed && typeof parsed === 'object' && (parsed as RpcReply).error)) {
        return { reply: parsed };
      }
      const text = err.message.trim().slice(0, 200);
      return new DaemonUnavailableError(`${this.url}: HTTP ${status} for ${what}${text ? `: ${text}` : ''}`);
    }
    if (err instanceof SyntaxError) return new DaemonUnavailableError(`${this.url}: invalid JSON in reply to ${what}`, { cause: err });
    const code = typeof err.code === 'string' ? err.code : err.name;
    return new DaemonUnavailableError(`${this.url}: ${code} (${err.message}) for ${what}`, { cause: err });
  }

  private authorization(): string | null {
    if (this.auth) return this.auth;
    const user = this.endpoint.user ?? this.urlUser;
    const password = this.endpoint.password ?? this.urlPassword;
    if (user !== undefined) {
      this.auth = basic(`${user}:${password ?? ''}`);
    } else if (this.endpoint.cookieFile) {
      const cookie = this.readCookie();
      this.cookieUsed = cookie;
      this.auth = basic(cookie);
    }
    return this.auth;
  }

  private readCookie(): string {
    const file = this.endpoint.cookieFile as string;
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new DaemonUnavailableError(`${this.url}: cannot read cookie file ${file} (${(e as Error).message})`, { cause: e });
    }
    if (!text.includes(':')) throw new DaemonUnavailableError(`${this.url}: cookie file ${file} is malformed`);
    return text;
  }

  /** True if the cookie file now holds different credentials. */
  private rereadCookie(): boolean {
    if (!this.endpoint.cookieFile || this.endpoint.user !== undefined || this.urlUser !== undefined) return false;
    let cookie: string;
    try {
      cookie = this.readCookie();
    } catch {
      return false;
    }
    if (cookie === this.cookieUsed) return false;
    this.cookieUsed = cookie;
    this.auth = basic(cookie);
    return true;
  }
}

class AuthRejected extends Error {}

function unwrap(reply: RpcReply, method: string, url: string): unknown {
  const err = reply.error;
  if (err !== undefined && err !== null) {
    const code = typeof err.code === 'number' ? err.code : RpcCode.MISC_ERROR;
    const message = typeof err.message === 'string' ? err.message : JSON.stringify(err);
    if (code === RpcCode.IN_WARMUP) throw new DaemonUnavailableError(`${url}: daemon warming up (${message})`);
    throw new DaemonRpcError(code, message, method);
  }
  return reply.result === undefined ? null : reply.result;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function basic(credentials: string): string {
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}
