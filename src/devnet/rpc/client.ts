// A plain JSON-RPC client for bitcoind-style servers (devnet or the real thing): Basic auth from
// user/password or the cookie file, keep-alive, raw access to status and body for protocol tests.
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';

export interface RpcClientAuth {
  readonly user?: string;
  readonly password?: string;
  readonly cookieFile?: string;
}

export interface RawReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Whether the request went over an already open keep-alive connection. */
  readonly reusedSocket: boolean;
}

export class RpcCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly method: string,
  ) {
    super(message);
    this.name = 'RpcCallError';
  }
}

export class RpcClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  private nextId = 1;

  constructor(
    readonly url: string,
    private readonly auth: RpcClientAuth,
  ) {}

  private authHeader(): string | undefined {
    let pair: string | undefined;
    if (this.auth.user !== undefined && this.auth.password !== undefined) pair = `${this.auth.user}:${this.auth.password}`;
    else if (this.auth.cookieFile) pair = readFileSync(this.auth.cookieFile, 'utf8').trim();
    return pair === undefined ? undefined : `Basic ${Buffer.from(pair).toString('base64')}`;
  }

  /** POSTs a body as is (string) or as JSON, and returns the HTTP answer. */
  post(body: unknown, opts: { authorization?: string | null; method?: string; path?: string } = {}): Promise<RawReply> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const u = new URL(this.url);
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) };
    const authorization = opts.authorization === undefined ? this.authHeader() : opts.authorization;
    if (authorization) headers.Authorization = authorization;
    return new Promise((resolve, reject) => {
      const req = request(
        { host: u.hostname, port: u.port, path: opts.path ?? '/', method: opts.method ?? 'POST', headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), reusedSocket: req.reusedSocket }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  }

  /** One call; a JSON-RPC error rejects with RpcCallError(code, message). */
  async call<T = unknown>(method: string, params: unknown[] | Record<string, unknown> = []): Promise<T> {
    const reply = await this.post({ jsonrpc: '1.0', id: this.nextId++, method, params });
    let parsed: { result?: T; error?: { code: number; message: string } | null };
    try {
      parsed = JSON.parse(reply.body) as typeof parsed;
    } catch {
      throw new Error(`${method}: HTTP ${reply.status} with a non-JSON body: ${reply.body.slice(0, 200)}`);
    }
    if (parsed.error) throw new RpcCallError(parsed.error.code, parsed.error.message, method);
    return parsed.result as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
