// One wallet session: JSON-RPC over one connection. server.version must come first (any other
// request is answered "use server.version to identify client" and the session closed, as
// ElectrumX does); requests then run concurrently up to a bound, in arrival order, answers going
// out as they finish. A session whose peer stops reading stops taking requests (back-pressure)
// and the transport cuts it if its output keeps growing; nothing it sends grows our memory.
import type { Connection, Message, MessageHandler } from '../transport/types.js';
import { DaemonUnavailableError } from '../daemon/types.js';
import type { Logger } from '../log.js';
import { ErrorCode, RpcError, grouped, responseTooLarge, shown } from './errors.js';
import { parseMessage, NULL_ID, type Flavour, type Item, type Params, type WireId } from './jsonrpc/message.js';
import { batchMessage, errorMessage, notificationMessage, resultMessage, resultPieces } from './jsonrpc/encode.js';
import { bindArgs, type Signature } from './params.js';
import { PROTOCOL_MIN, negotiate, versionString, type ProtocolVersion } from './version.js';
import type { MethodTable, MethodDef } from './methods/index.js';
import { JsonBytes, JsonText, type Call, type ServerContext, type SessionContext } from './context.js';
import type { StatusListener, Subscription } from './subscriptions.js';
import { ChainMovedError } from './header-proofs.js';
import type { RequestScheduler } from './scheduler.js';

export interface SessionLimits {
  readonly maxBatch: number;
  /** Requests of one session running at once. */
  readonly maxConcurrent: number;
  /** Requests waiting beyond that before the session stops reading its connection. */
  readonly maxQueued: number;
  readonly requestTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly maxRecv: number;
}

/** What a session needs of the server that owns it. */
export interface SessionHost {
  readonly context: ServerContext;
  readonly methods: MethodTable;
  readonly limits: SessionLimits;
  sessionClosed(session: Session): void;
  /** Unsent output past this (the transport's low-water mark) counts towards the send budget. */
  readonly backlogBytes: number;
  /** The session's unsent output is past backlogBytes (true), or it closed (false). */
  congestion(session: Session, backlog: boolean): void;
  /** Whether sessions with backed-up output hold more than the server-wide send budget. */
  overBudget(): boolean;
  /** Calls session.pump() once the server is back under its send budget. */
  waitForBudget(session: Session): void;
  /** Requests in flight across sessions, handed out in turn. */
  readonly scheduler: RequestScheduler;
}

const VERSION_SIG: Signature = { params: [{ name: 'client_name', optional: true }, { name: 'protocol_version', optional: true }], extraIgnored: true };
/** Times a request is run again when the chain was reorganised under it. */
const CHAIN_RETRIES = 3;

interface Running {
  readonly started: number;
  done: boolean;
  readonly finish: (message: Message) => void;
  readonly id: WireId;
}

export class Session implements MessageHandler, StatusListener, SessionContext {
  readonly startedAt = Date.now();
  lastActive = Date.now();
  flavour: Flavour | null = null;
  version: ProtocolVersion = PROTOCOL_MIN;
  clientName = '';
  requests = 0;
  private versionSeen = false;
  private table: ReadonlyMap<string, MethodDef> | null = null;
  private readonly subs = new Set<Subscription>();
  /** The scripthash as the client wrote it, where that is not the lower-case hex (rare). */
  private aliases: Map<Subscription, string> | null = null;
  private headers = false;
  private active = 0;
  private readonly waiting: Array<() => Promise<void>> = [];
  private readonly running = new Set<Running>();
  private readingPaused = false;
  /** Batches with a subscribe in flight: status notifications wait for their answer. */
  private holding = 0;
  private held: Map<Subscription, string> | null = null;
  private closedFlag = false;
  private readonly call: Call;
  private logger: Logger | null = null;

  constructor(
    readonly conn: Connection,
    private readonly host: SessionHost,
  ) {
    this.call = { server: host.context, session: this };
  }

  /** Made on first use: a pino child per session costs memory most sessions never need. */
  private get log(): Logger {
    this.logger ??= this.host.context.log.child({ session: this.conn.id, remote: this.conn.remote });
    return this.logger;
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  get headersSubscribed(): boolean {
    return this.headers;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  // ---- transport events ----

  onMessage(text: string): void {
    if (this.closedFlag) return;
    this.lastActive = Date.now();
    const parsed = parseMessage(text, this.flavour, this.host.limits.maxBatch);
    this.flavour = parsed.flavour;
    const incoming = parsed.incoming;
    if (incoming.kind === 'unreadable') this.send(errorMessage(this.flavour, NULL_ID, incoming.error));
    else if (incoming.kind === 'single') this.handle(incoming.item, (m) => this.send(m));
    else this.handleBatch(incoming.items);
  }

  onOversized(length: number): void {
    const max = this.host.limits.maxRecv;
    this.send(errorMessage(this.flavour, NULL_ID, new RpcError(ErrorCode.INVALID_REQUEST, `request of ${grouped(length)}+ bytes is over the limit of ${grouped(max)} bytes`)));
  }

  onDrain(): void {
    this.pump();
  }

  onClose(reason: string): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const r of this.running) r.done = true;
    this.running.clear();
    this.waiting.length = 0;
    this.host.context.hub.dropListener(this, [...this.subs]);
    this.subs.clear();
    this.aliases = null;
    this.host.congestion(this, false);
    this.host.scheduler.forget(this);
    if (this.host.context.log.isLevelEnabled('debug')) this.log.debug({ reason, requests: this.requests }, 'session closed');
    this.host.sessionClosed(this);
  }

  /** Closes the session after what is queued has been sent. */
  close(reason: string): void {
    this.conn.close(reason);
  }

  // ---- notifications ----

  statusChanged(sub: Subscription, status: string | null): void {
    if (!this.subs.has(sub) || this.closedFlag) return;
    const alias = this.aliases?.get(sub) ?? sub.hex;
    const msg = notificationMessage(this.flavour, 'blockchain.scripthash.subscribe', `[${JSON.stringify(alias)},${status === null ? 'null' : `"${status}"`}]`);
    if (this.holding > 0) (this.held ??= new Map()).set(sub, msg);
    else this.send(msg);
  }

  /** A new tip for headers subscribers: the notification's params text. */
  notifyHeader(headerJson: string): void {
    if (this.headers && !this.closedFlag) this.send(notificationMessage(this.flavour, 'blockchain.headers.subscribe', `[${headerJson}]`));
  }

  // ---- SessionContext ----

  async subscribe(scriptHash: Buffer, hexAsSent: string): Promise<string | null> {
    const hub = this.host.context.hub;
    const max = this.host.context.limits.maxSubs;
    const existing = hub.find(scriptHash.toString('latin1'));
    if (!(existing && this.subs.has(existing)) && this.subs.size >= max) {
      throw new RpcError(ErrorCode.BAD_REQUEST, `too many subscriptions (the limit is ${grouped(max)} per session)`);
    }
    const { sub, status } = await hub.subscribe(this, scriptHash);
    if (this.closedFlag) {
      // Closed while subscribing: the hub must not keep us.
      hub.unsubscribe(this, sub);
      return status;
    }
    this.subs.add(sub);
    // Notifications echo the scripthash as the client wrote it (only upper-case hex differs).
    if (/[A-F]/.test(hexAsSent)) (this.aliases ??= new Map()).set(sub, hexAsSent);
    else this.aliases?.delete(sub);
    return status;
  }

  unsubscribe(hexAsSent: string): boolean {
    const sub = this.host.context.hub.find(Buffer.from(hexAsSent, 'hex').reverse().toString('latin1'));
    if (!sub || !this.subs.delete(sub)) return false;
    this.aliases?.delete(sub);
    return this.host.context.hub.unsubscribe(this, sub);
  }

  subscribeHeaders(): void {
    this.headers = true;
  }

  // ---- timeouts ----

  /** Called about once a second: times out slow requests, closes a session silent for too long. */
  sweep(now: number): void {
    if (this.closedFlag) return;
    const { requestTimeoutMs, sessionTimeoutMs } = this.host.limits;
    if (now - this.lastActive > sessionTimeoutMs && this.running.size === 0) {
      this.close(`no request for ${Math.round(sessionTimeoutMs / 1000)} s`);
      return;
    }
    for (const r of this.running) {
      if (now - r.started < requestTimeoutMs) continue;
      r.done = true;
      this.running.delete(r);
      r.finish(errorMessage(this.flavour, r.id, new RpcError(ErrorCode.SERVER_BUSY, 'server busy - request timed out')));
    }
  }

  // ---- requests ----

  private send(message: Message): void {
    if (this.closedFlag) return;
    this.conn.send(message);
    if (this.conn.bufferedBytes > this.host.backlogBytes) this.host.congestion(this, true);
  }

  private handle(item: Item, reply: (message: Message) => void): void {
    if (item.kind === 'invalid') {
      reply(errorMessage(this.flavour, item.id, item.error));
      return;
    }
    if (!this.versionSeen) {
      if (item.kind === 'request' && item.method === 'server.version') {
        this.negotiate(item.id, item.params, reply);
        return;
      }
      this.log.info({ method: item.method }, 'closing session: server.version must be the first message');
      if (item.kind === 'request') reply(errorMessage(this.flavour, item.id, new RpcError(ErrorCode.BAD_REQUEST, 'use server.version to identify client')));
      this.close('server.version was not the first message');
      return;
    }
    // Clients' notifications are never executed (ElectrumX ignores them too).
    if (item.kind === 'notification') return;
    if (item.method === 'server.version') {
      reply(errorMessage(this.flavour, item.id, new RpcError(ErrorCode.BAD_REQUEST, 'server.version already sent')));
      return;
    }
    const { id, method, params } = item;
    this.schedule(() => this.execute(id, method, params, reply));
  }

  private negotiate(id: WireId, params: Params, reply: (m: string) => void): void {
    this.versionSeen = true;
    let args: unknown[];
    try {
      args = bindArgs('server.version', VERSION_SIG, params);
    } catch (err) {
      reply(errorMessage(this.flavour, id, err as RpcError));
      this.close('bad server.version');
      return;
    }
    const [name, requested] = args;
    if (name) this.clientName = String(name).slice(0, 100);
    const v = negotiate(requested);
    if (v === null) {
      reply(errorMessage(this.flavour, id, new RpcError(ErrorCode.BAD_REQUEST, `unsupported protocol version: ${shown(requested)}`)));
      this.close('unsupported protocol version');
      return;
    }
    this.version = v;
    this.table = this.host.methods.for(v);
    if (this.host.context.log.isLevelEnabled('debug')) this.log.debug({ client: this.clientName, version: versionString(v) }, 'session negotiated');
    reply(resultMessage(this.flavour, id, JSON.stringify([this.host.context.info.software, versionString(v)])));
  }

  private schedule(task: () => Promise<void>): void {
    this.waiting.push(task);
    this.pump();
  }

  /** Starts waiting requests while there is room and the connection takes output. */
  pump(): void {
    const { maxConcurrent, maxQueued } = this.host.limits;
    // Over the server's send budget, sessions with a backlog of their own wait; those without one
    // go on, so a new wallet is not held up by slow readers.
    const gated = (): boolean => this.conn.bufferedBytes > 0 && this.host.overBudget();
    if (this.waiting.length > 0 && gated()) this.host.waitForBudget(this);
    const slots = this.host.scheduler;
    while (!this.closedFlag && this.active < maxConcurrent && this.waiting.length > 0 && !this.conn.congested && !gated() && slots.acquire(this)) {
      const task = this.waiting.shift()!;
      this.active++;
      void task().finally(() => {
        this.active--;
        slots.release();
        this.pump();
      });
      // Others are waiting: one request at a time, in turn.
      if (slots.contended && this.waiting.length > 0) {
        slots.lineUp(this);
        break;
      }
    }
    const stop = this.waiting.length >= maxQueued || ((this.conn.congested || gated()) && this.waiting.length > 0);
    if (stop && !this.readingPaused) {
      this.readingPaused = true;
      this.conn.pause();
    } else if (!stop && this.readingPaused && this.waiting.length < maxQueued / 2) {
      this.readingPaused = false;
      this.conn.resume();
    }
  }

  private async execute(id: WireId, method: string, params: Params, reply: (m: Message) => void): Promise<void> {
    this.requests++;
    const r: Running = { started: Date.now(), done: false, finish: reply, id };
    this.running.add(r);
    let message: Message;
    try {
      const def = this.table!.get(method);
      if (!def) throw new RpcError(ErrorCode.METHOD_NOT_FOUND, `unknown method ${JSON.stringify(method.length > 100 ? `${method.slice(0, 100)}...` : method)}`);
      const args = bindArgs(method, def.sig, params);
      let result: unknown;
      for (let attempt = 1; ; attempt++) {
        try {
          result = await def.run(this.call, args);
          break;
        } catch (err) {
          if (!(err instanceof ChainMovedError) || attempt >= CHAIN_RETRIES) throw err;
        }
      }
      // The whole answer counts, as aiorpcx measures it: envelope and id included.
      const { maxSend } = this.host.context.limits;
      if (result instanceof JsonBytes) {
        const pieces = resultPieces(this.flavour, id, result.bytes);
        message = pieces.reduce((n, b) => n + b.length, 0) > maxSend ? errorMessage(this.flavour, id, responseTooLarge(maxSend)) : pieces;
      } else {
        const json = result instanceof JsonText ? result.text : (JSON.stringify(result) ?? 'null');
        message = resultMessage(this.flavour, id, json);
        if (message.length > maxSend) message = errorMessage(this.flavour, id, responseTooLarge(maxSend));
      }
    } catch (err) {
      message = errorMessage(this.flavour, id, this.asRpcError(err, method));
    }
    if (r.done) return; // timed out or closed meanwhile
    r.done = true;
    this.running.delete(r);
    reply(message);
  }

  private asRpcError(err: unknown, method: string): RpcError {
    if (err instanceof RpcError) return err;
    if (err instanceof ChainMovedError) return new RpcError(ErrorCode.SERVER_BUSY, 'server busy - the chain changed repeatedly during the request');
    if (err instanceof DaemonUnavailableError) return new RpcError(ErrorCode.DAEMON_ERROR, `daemon error: the daemon is unavailable (${err.message})`);
    this.log.error({ err, method }, 'request failed unexpectedly');
    return new RpcError(ErrorCode.INTERNAL_ERROR, 'internal server error');
  }

  private handleBatch(items: readonly Item[]): void {
    const answers: Array<string | undefined> = new Array(items.length);
    // Each answer's own length, and whether it was replaced by the too-large error (a replaced
    // answer still counts with its own length, as aiorpcx counts).
    const sizes = new Array<number>(items.length).fill(0);
    const replaced = new Uint8Array(items.length);
    const max = this.host.context.limits.maxSend;
    let received = 2;
    // Counted before any element is handled: invalid ones are answered at once, inside the loop.
    let pending = items.reduce((n, item) => (item.kind === 'notification' ? n : n + 1), 0);
    const subscribes = items.some((i) => i.kind === 'request' && i.method === 'blockchain.scripthash.subscribe');
    if (subscribes) this.holding++;
    let finished = false;
    // In request order, every answer whose end in the array lies past MAX_SEND becomes the error.
    // Run as answers arrive (the ones still missing can only push an answer further), so that a
    // batch never holds more than about MAX_SEND of answers, however many large ones it asked for.
    const trim = (): void => {
      let size = 2;
      for (let j = 0; j < answers.length; j++) {
        const a = answers[j];
        if (a === undefined) continue;
        size += sizes[j]! + 1;
        if (size > max && replaced[j] === 0) {
          replaced[j] = 1;
          answers[j] = errorMessage(this.flavour, idOf(a), responseTooLarge(max));
        }
      }
    };
    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (subscribes) this.releaseHeld();
      trim();
      const parts = answers.filter((a): a is string => a !== undefined);
      if (parts.length > 0) this.send(batchMessage(parts));
    };
    items.forEach((item, i) => {
      this.handle(item, (answer) => {
        // Inside a batch every answer is text (pieces only ever come alone, for long answers).
        const m = typeof answer === 'string' ? answer : Buffer.concat(answer).toString('latin1');
        answers[i] = m;
        sizes[i] = m.length;
        received += m.length + 1;
        if (received > max) trim();
        if (--pending === 0) finish();
      });
    });
    if (pending === 0) finish();
  }

  private releaseHeld(): void {
    if (--this.holding > 0) return;
    const held = this.held;
    this.held = null;
    if (held) for (const m of held.values()) this.send(m);
  }
}

/** The id of an answer we built (its text ends with ,"id":<id>}). */
function idOf(message: string): WireId {
  const at = message.lastIndexOf('"id":');
  return message.slice(at + 5, -1);
}
