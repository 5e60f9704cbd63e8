// Shared by the transport tests: limits, a recording MessageHandler, a recording socket client and
// a way to wait on any of them without fixed sleeps.
import net from 'node:net';
import type { Connection, ListenerLimits, MessageHandler } from '../../src/transport/types.js';
import type { TransportListener } from '../../src/transport/listener.js';

export function limits(over: Partial<ListenerLimits> = {}): ListenerLimits {
  return {
    maxRecv: 1000,
    highWaterBytes: 64 * 1024,
    lowWaterBytes: 16 * 1024,
    hardLimitBytes: 64 * 1024 * 1024,
    congestedTimeoutMs: 5000,
    closeTimeoutMs: 1000,
    ...over,
  };
}

/** Something whose state changes; until() resolves once a condition on it holds. */
export class Waitable {
  private waiters: Array<() => void> = [];

  protected changed(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when `ok()` holds; rejects after `ms` (a hang guard, not a timing assertion). */
  until(ok: () => boolean, what: string, ms = 5000): Promise<void> {
    if (ok()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.waiters = this.waiters.filter((w) => w !== check);
        clearTimeout(timer);
      };
      const check = (): void => {
        if (!ok()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      this.waiters.push(check);
    });
  }
}

export interface Hooks {
  onMessage?(h: Recorder, message: string): void;
  onOversized?(h: Recorder, length: number): void;
}

/** A MessageHandler that records what the transport told it. */
export class Recorder extends Waitable implements MessageHandler {
  readonly messages: string[] = [];
  readonly oversizedLengths: number[] = [];
  readonly closes: string[] = [];
  drains = 0;

  constructor(
    readonly conn: Connection,
    private readonly hooks: Hooks = {},
  ) {
    super();
  }

  onMessage(message: string): void {
    this.messages.push(message);
    this.hooks.onMessage?.(this, message);
    this.changed();
  }

  onOversized(length: number): void {
    this.oversizedLengths.push(length);
    this.hooks.onOversized?.(this, length);
    this.changed();
  }

  onDrain(): void {
    this.drains++;
    this.changed();
  }

  onClose(reason: string): void {
    this.closes.push(reason);
    this.changed();
  }

  closed(): Promise<void> {
    return this.until(() => this.closes.length > 0, `onClose of connection ${this.conn.id}`);
  }
}

/** An AcceptFn that makes a Recorder per connection; next() waits for the next one. */
export class Acceptor extends Waitable {
  readonly handlers: Recorder[] = [];
  private taken = 0;
  refuse = false;

  constructor(private readonly hooks: Hooks = {}) {
    super();
  }

  readonly accept = (conn: Connection): MessageHandler | null => {
    if (this.refuse) return null;
    const h = new Recorder(conn, this.hooks);
    this.handlers.push(h);
    this.changed();
    return h;
  };

  async next(): Promise<Recorder> {
    const i = this.taken++;
    await this.until(() => this.handlers.length > i, `connection #${i + 1}`);
    return this.handlers[i]!;
  }
}

/** A client socket (plain or TLS) that records what it reads. */
export class Client extends Waitable {
  data = Buffer.alloc(0);
  ended = false;
  closed = false;
  error: Error | null = null;

  constructor(readonly socket: net.Socket) {
    super();
    socket.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
      this.changed();
    });
    socket.on('end', () => {
      this.ended = true;
      this.changed();
    });
    socket.on('error', (err) => {
      this.error = err;
      this.changed();
    });
    socket.on('close', () => {
      this.closed = true;
      this.changed();
    });
  }

  get text(): string {
    return this.data.toString('utf8');
  }

  get lines(): string[] {
    return this.text.split('\n').filter(Boolean);
  }

  waitLines(n: number): Promise<void> {
    return this.until(() => this.lines.length >= n, `${n} lines from the server`);
  }

  waitClosed(): Promise<void> {
    return this.until(() => this.closed, 'the client socket to close');
  }
}

export async function connectTcp(listener: TransportListener): Promise<Client> {
  const socket = net.connect({ host: '127.0.0.1', port: listener.address.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return new Client(socket);
}

/** Yields to the event loop a few times: for the rare check that something did NOT happen. */
export async function settle(ms = 50): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Sends `size`-character messages until `stop()` holds or `max` were sent; returns the highest bufferedBytes seen. */
export function sendUntil(conn: Connection, stop: () => boolean, size = 16 * 1024, max = 10_000): number {
  const msg = 'x'.repeat(size);
  let highest = 0;
  for (let i = 0; i < max && !stop(); i++) {
    if (!conn.send(msg)) break;
    highest = Math.max(highest, conn.bufferedBytes);
  }
  return highest;
}

/**
 * Sends until the connection stays congested across a turn of the event loop: output is written
 * to the socket at the end of each turn, and the kernel takes some of it before userland backs up.
 */
export async function congest(conn: Connection, size = 16 * 1024): Promise<void> {
  for (let round = 0; round < 200; round++) {
    sendUntil(conn, () => conn.congested, size);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    if (conn.congested || conn.closed) return;
  }
  throw new Error('the connection never stayed congested');
}

/** `p`, or a rejection after `ms`: a hang guard for one-off events. */
export function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}
