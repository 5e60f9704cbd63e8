// What every transport's connection shares: the congestion state machine (high/low water, hard
// limit, congested timeout), pause with a queue so that no message slips through after pause(),
// graceful close with a deadline, and the promise that the handler hears onClose exactly once.
// A transport subclass only moves bytes: it implements the raw* methods and reports its events.
import type { Logger } from '../log.js';
import type { Connection, ListenerLimits, Message, MessageHandler, TransportKind } from './types.js';

let nextConnectionId = 1;

type State = 'open' | 'closing' | 'closed';

/** "1.2.3.4" for an IPv4-mapped IPv6 address, so that per-IP limits see one address per peer. */
export function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export abstract class BaseConnection implements Connection {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  readonly remote: string;
  private state: State = 'open';
  private finished = false;
  private handler: MessageHandler | null = null;
  private reason: string | null = null;
  private isCongested = false;
  private congestedTimer: NodeJS.Timeout | null = null;
  private closeTimer: NodeJS.Timeout | null = null;
  private paused = false;
  /** Messages that arrived while paused (at most what one read from the socket held). */
  private queue: string[] = [];
  private flushScheduled = false;
  /** Bound once so that each write does not allocate a callback. */
  protected readonly afterWrite = (): void => this.checkDrain();

  protected constructor(
    readonly kind: TransportKind,
    address: string | undefined,
    port: number | undefined,
    protected readonly limits: ListenerLimits,
    protected readonly log: Logger,
  ) {
    this.remoteAddress = plainAddress(address);
    const host = this.remoteAddress.includes(':') ? `[${this.remoteAddress}]` : this.remoteAddress;
    this.remote = `${host}:${port ?? 0}`;
  }

  // --- what a transport provides -------------------------------------------------------------
  /** Queues one message; must call afterWrite once it is handed to the kernel. */
  protected abstract rawSend(message: Message): void;
  protected abstract get rawBuffered(): number;
  /** False once the underlying socket can no longer take writes (destroyed, ended). */
  protected abstract get rawWritable(): boolean;
  protected abstract rawPause(): void;
  protected abstract rawResume(): void;
  /** Flush then close; the subclass reports the end through rawClosed(). */
  protected abstract rawEnd(reason: string): void;
  protected abstract rawDestroy(): void;
  /** Starts reading: called once the handler is known. */
  protected abstract startReading(): void;

  // --- what a transport reports -------------------------------------------------------------
  /** One complete message from the peer. */
  protected deliver(message: string): void {
    if (this.state !== 'open' || !this.handler) return;
    if (this.paused || this.queue.length > 0) {
      this.queue.push(message);
      return;
    }
    this.call(this.handler, 'onMessage', message);
  }

  /** The peer sent a message over maxRecv: the handler may queue an error, then we close. */
  protected oversized(length: number): void {
    if (this.state !== 'open' || !this.handler) return;
    this.queue = [];
    this.call(this.handler, 'onOversized', length);
    this.close(`message over ${this.limits.maxRecv} bytes`);
  }

  /** A socket error: remembered as the close reason (the 'close' event follows). */
  protected rawError(err: Error & { code?: string }): void {
    this.reason ??= err.code ?? err.message;
  }

  /** The underlying socket is gone. */
  protected rawClosed(): void {
    this.state = 'closed';
    this.finish();
  }

  /** Checks the congestion state after bytes left the queue. */
  protected checkDrain(): void {
    if (!this.isCongested || this.state !== 'open') return;
    if (this.rawBuffered > this.limits.lowWaterBytes) return;
    this.isCongested = false;
    this.clearCongestedTimer();
    if (this.handler) this.call(this.handler, 'onDrain');
  }

  // --- Connection ----------------------------------------------------------------------------
  /** Called by the listener with accept()'s result; null refuses the connection. */
  attach(handler: MessageHandler | null): void {
    if (!handler) return this.destroy('refused');
    this.handler = handler;
    // accept() may already have closed it; onClose then comes from finish() as usual.
    if (this.state === 'open') this.startReading();
  }

  get closed(): boolean {
    return this.state !== 'open';
  }

  get congested(): boolean {
    return this.isCongested;
  }

  get bufferedBytes(): number {
    return this.state === 'closed' ? 0 : this.rawBuffered;
  }

  send(message: Message): boolean {
    if (this.state !== 'open' || !this.rawWritable) return false;
    this.rawSend(message);
    const buffered = this.rawBuffered;
    if (buffered > this.limits.hardLimitBytes) {
      this.destroy(`send buffer over ${this.limits.hardLimitBytes} bytes`);
      return false;
    }
    if (!this.isCongested && buffered > this.limits.highWaterBytes) {
      this.isCongested = true;
      const ms = this.limits.congestedTimeoutMs;
      this.congestedTimer = setTimeout(() => this.destroy(`congested for over ${ms} ms`), ms);
    }
    return true;
  }

  pause(): void {
    if (this.state !== 'open' || this.paused) return;
    this.paused = true;
    this.rawPause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.state !== 'open') return;
    // Queued messages go first, on the next tick: the caller may be inside onMessage.
    if (this.queue.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
    this.rawResume();
  }

  close(reason: string): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.reason ??= reason;
    this.queue = [];
    // Keep reading (and dropping) the peer's input: closing with unread input makes the kernel
    // send a reset, which can discard our last message before the peer reads it.
    this.rawResume();
    this.closeTimer = setTimeout(() => this.destroy(reason), this.limits.closeTimeoutMs);
    this.rawEnd(reason);
  }

  destroy(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.reason ??= reason;
    this.rawDestroy();
    // Not synchronously: destroy() may be called from inside a handler callback.
    process.nextTick(() => this.finish());
  }

  // --- internals -----------------------------------------------------------------------------
  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0 && !this.paused && this.state === 'open' && this.handler) {
      this.call(this.handler, 'onMessage', this.queue.shift()!);
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.queue = [];
    this.isCongested = false;
    this.clearCongestedTimer();
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    const handler = this.handler;
    this.handler = null;
    if (handler) this.call(handler, 'onClose', this.reason ?? 'peer closed');
  }

  private clearCongestedTimer(): void {
    if (this.congestedTimer) clearTimeout(this.congestedTimer);
    this.congestedTimer = null;
  }

  /** Runs a handler callback; a throwing handler costs its connection, never the process. */
  private call<K extends keyof MessageHandler>(handler: MessageHandler, what: K, ...args: Parameters<MessageHandler[K]>): void {
    try {
      (handler[what] as (...a: Parameters<MessageHandler[K]>) => void).apply(handler, args);
    } catch (err) {
      this.log.error({ err, conn: this.id, remote: this.remote }, `connection handler ${what} threw`);
      if (what !== 'onClose') this.destroy(`handler error in ${what}`);
    }
  }
}
