// A small Electrum client for tests: newline-delimited JSON-RPC over a real TCP socket, requests
// matched to answers by id, notifications queued, and raw lines for malformed-input tests.
import net from 'node:net';

export interface RpcAnswer {
  readonly id: unknown;
  readonly result?: unknown;
  readonly error?: { code: number; message: string };
}

export interface Notification {
  readonly method: string;
  readonly params: unknown[];
}

export class ElectrumError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export class TestClient {
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, (a: RpcAnswer) => void>();
  readonly notifications: Notification[] = [];
  private readonly notificationWaiters: Array<{ match: (n: Notification) => boolean; resolve: (n: Notification) => void }> = [];
  /** Every line received that was not an answer to request() (raw replies, batches, errors with null id). */
  readonly lines: string[] = [];
  private lineWaiters: Array<(line: string) => void> = [];
  closed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.data(d));
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        resolve();
      }),
    );
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new TestClient(s)));
      s.once('error', reject);
    });
  }

  /** Connects and negotiates `version` (server.version first, as the protocol requires). */
  static async open(port: number, version: string | [string, string] = '1.4', name = 'anode-test'): Promise<TestClient> {
    const c = await TestClient.connect(port);
    await c.request('server.version', [name, version]);
    return c;
  }

  private data(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.line(line);
    }
  }

  private line(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      msg = undefined;
    }
    if (msg && typeof msg === 'object' && !Array.isArray(msg)) {
      const m = msg as Record<string, unknown>;
      if (typeof m.method === 'string' && !('id' in m && m.id !== null)) {
        const n = { method: m.method, params: (m.params as unknown[]) ?? [] };
        const w = this.notificationWaiters.findIndex((x) => x.match(n));
        if (w >= 0) this.notificationWaiters.splice(w, 1)[0]!.resolve(n);
        else this.notifications.push(n);
        return;
      }
      const key = JSON.stringify(m.id);
      const waiter = this.pending.get(key);
      if (waiter) {
        this.pending.delete(key);
        waiter(m as unknown as RpcAnswer);
        return;
      }
    }
    const lw = this.lineWaiters.shift();
    if (lw) lw(line);
    else this.lines.push(line);
  }

  /** Sends a request and resolves with its whole answer (result or error). */
  call(method: string, params: unknown[] | Record<string, unknown> = []): Promise<RpcAnswer> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(JSON.stringify(id), resolve);
      this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }

  /** Sends a request; resolves with its result, rejects with an ElectrumError. */
  async request<T = unknown>(method: string, params: unknown[] | Record<string, unknown> = []): Promise<T> {
    const a = await this.call(method, params);
    if (a.error) throw new ElectrumError(a.error.code, a.error.message);
    return a.result as T;
  }

  /** Writes raw text (add the newline yourself). */
  send(text: string): void {
    this.socket.write(text);
  }

  /** The next line that is not an answer to request(). */
  nextLine(timeoutMs = 5000): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no line within timeout')), timeoutMs);
      this.lineWaiters.push((l) => {
        clearTimeout(t);
        resolve(l);
      });
    });
  }

  /** The next notification matching `match` (already received ones first). */
  nextNotification(match: (n: Notification) => boolean = () => true, timeoutMs = 10_000): Promise<Notification> {
    const i = this.notifications.findIndex(match);
    if (i >= 0) return Promise.resolve(this.notifications.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const entry = {
        match,
        resolve: (n: Notification) => {
          clearTimeout(t);
          resolve(n);
        },
      };
      const t = setTimeout(() => {
        this.notificationWaiters.splice(this.notificationWaiters.indexOf(entry), 1);
        reject(new Error('no matching notification within timeout'));
      }, timeoutMs);
      this.notificationWaiters.push(entry);
    });
  }

  whenClosed(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error('not closed within timeout')), timeoutMs);
    });
    return Promise.race([this.closedPromise, timeout]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.socket.destroy();
  }
}
