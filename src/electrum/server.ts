// The Electrum server: wallet listeners (tcp, ssl, ws, wss), the sessions on them, and the fan-out
// of chain changes: statuses through the shared subscriptions, new tips to headers subscribers.
import type { Daemon } from '../daemon/types.js';
import type { ChainChange, ChainState } from '../mempool/chain-state.js';
import type { Logger } from '../log.js';
import { listen, type CertificateStore, type TransportListener, type ServiceAddress, type ListenerLimits, type Connection, type MessageHandler } from '../transport/index.js';
import type { ElectrumLimits, ServerContext, ServerInfo } from './context.js';
import { Session, type SessionHost, type SessionLimits } from './session.js';
import { MethodTable } from './methods/index.js';
import { SubscriptionHub } from './subscriptions.js';
import { TxSource } from './tx-source.js';
import { HeaderProofs } from './header-proofs.js';
import { BlockMerkleCache } from './block-merkle.js';
import { DaemonCaches } from './daemon-caches.js';
import { HistoryCache } from './history-cache.js';
import { RequestScheduler } from './scheduler.js';
import { tipHeader } from './methods/headers.js';

export interface ElectrumServerOptions {
  readonly chain: ChainState;
  readonly daemon: Daemon;
  readonly info: ServerInfo;
  readonly limits: ElectrumLimits;
  readonly sessions: SessionLimits & { readonly maxSessions: number; readonly maxInFlight?: number };
  readonly transport: Omit<ListenerLimits, 'maxRecv'>;
  readonly services: readonly ServiceAddress[];
  readonly certificates?: CertificateStore | null;
  readonly logger: Logger;
  /** Raw transaction cache, in hex characters. */
  readonly txCacheChars?: number;
  /** History length from which get_history's answers are cached (default 2,000 entries). */
  readonly historyCacheFrom?: number;
  /** Output all backed-up sessions may hold together before none starts another request. */
  readonly sendBudgetBytes?: number;
}

/** Requests running at once across all sessions (each session also has its own bound). */
const DEFAULT_IN_FLIGHT = 128;

/** Past this much output queued by sessions whose clients read slowly, new requests wait. */
const DEFAULT_SEND_BUDGET = 256 * 1024 * 1024;

export class ElectrumServer implements SessionHost {
  readonly context: ServerContext;
  readonly methods = new MethodTable();
  readonly limits: SessionLimits;
  readonly sessions = new Set<Session>();
  /** Sessions whose unsent output was past the low-water mark at their last send, and those waiting for the budget. */
  private readonly backlog = new Set<Session>();
  private readonly budgetWaiters = new Set<Session>();
  private readonly sendBudget: number;
  readonly backlogBytes: number;
  readonly scheduler: RequestScheduler;
  private budgetTimer: NodeJS.Timeout | null = null;
  private readonly listeners: TransportListener[] = [];
  private readonly log: Logger;
  private readonly maxSessions: number;
  private refusedLogged = 0;
  private sweeper: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private headerSeq = 0;

  private constructor(opts: ElectrumServerOptions) {
    this.log = opts.logger;
    this.limits = opts.sessions;
    this.maxSessions = opts.sessions.maxSessions;
    this.sendBudget = opts.sendBudgetBytes ?? DEFAULT_SEND_BUDGET;
    this.backlogBytes = opts.transport.lowWaterBytes;
    this.scheduler = new RequestScheduler(opts.sessions.maxInFlight ?? DEFAULT_IN_FLIGHT);
    const hub = new SubscriptionHub(opts.chain, { maxHistory: opts.limits.maxHistory, logger: opts.logger.child({ part: 'subscriptions' }) });
    this.context = {
      info: opts.info,
      limits: opts.limits,
      chain: opts.chain,
      hub,
      daemon: opts.daemon,
      txs: new TxSource(opts.daemon, opts.logger, opts.txCacheChars),
      headers: new HeaderProofs(),
      blockMerkle: new BlockMerkleCache(),
      caches: new DaemonCaches(opts.daemon),
      histories: new HistoryCache(opts.historyCacheFrom),
      log: opts.logger,
    };
  }

  /** Builds the server and opens every wallet listener of `services` (rpc:// is not ours). */
  static async start(opts: ElectrumServerOptions): Promise<ElectrumServer> {
    const server = new ElectrumServer(opts);
    await server.context.txs.detectTxindex();
    server.unsubscribe = opts.chain.onChange((c) => server.chainChanged(c));
    try {
      for (const service of opts.services) {
        const l = await listen(service, {
          limits: { ...opts.transport, maxRecv: opts.sessions.maxRecv },
          accept: (conn) => server.accept(conn),
          logger: opts.logger.child({ part: 'transport', service: service.protocol }),
          certificates: opts.certificates ?? null,
        });
        server.listeners.push(l);
      }
    } catch (err) {
      await server.stop();
      throw err;
    }
    server.sweeper = setInterval(() => {
      const now = Date.now();
      for (const s of server.sessions) s.sweep(now);
    }, 1000);
    server.sweeper.unref();
    return server;
  }

  /** Where each listener is bound, e.g. tcp://127.0.0.1:50001. */
  get addresses(): Array<{ protocol: string; host: string; port: number }> {
    return this.listeners.map((l) => ({ protocol: l.kind, host: l.address.host, port: l.address.port }));
  }

  sessionClosed(session: Session): void {
    this.sessions.delete(session);
    this.budgetWaiters.delete(session);
  }

  congestion(session: Session, backlog: boolean): void {
    if (backlog) this.backlog.add(session);
    else this.backlog.delete(session);
  }

  overBudget(): boolean {
    if (this.backlog.size === 0) return false;
    let total = 0;
    for (const s of this.backlog) {
      const b = s.conn.bufferedBytes;
      // Drained since its last send: no longer part of the backlog.
      if (b <= this.backlogBytes) this.backlog.delete(s);
      else total += b;
    }
    return total > this.sendBudget;
  }

  waitForBudget(session: Session): void {
    this.budgetWaiters.add(session);
    // Backlogs drain without telling us: look again shortly, until everyone waiting has gone on.
    this.budgetTimer ??= setInterval(() => {
      if (this.overBudget()) return;
      clearInterval(this.budgetTimer!);
      this.budgetTimer = null;
      const waiting = [...this.budgetWaiters];
      this.budgetWaiters.clear();
      for (const s of waiting) s.pump();
    }, 50);
  }


  /** Stops listening and closes every session (they flush what they have queued first). */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.budgetTimer) clearInterval(this.budgetTimer);
    this.unsubscribe?.();
    await Promise.all(this.listeners.map((l) => l.close()));
    await Promise.all(this.listeners.map((l) => l.closeAll('server shutting down')));
  }

  private accept(conn: Connection): MessageHandler | null {
    if (this.sessions.size >= this.maxSessions) {
      // One line per burst, not per refused connection.
      const now = Date.now();
      if (now - this.refusedLogged > 10_000) {
        this.refusedLogged = now;
        this.log.warn({ sessions: this.sessions.size, max: this.maxSessions }, 'MAX_SESSIONS reached: refusing new connections');
      }
      return null;
    }
    const session = new Session(conn, this);
    this.sessions.add(session);
    return session;
  }

  private chainChanged(change: ChainChange): void {
    this.context.headers.onChange(change);
    this.context.histories.onChange(change);
    if (change.tip) this.context.caches.onNewTip();
    this.context.hub.onChange(change);
    if (change.tip) void this.notifyHeaders();
  }

  /** Tells headers subscribers the new tip (if several arrive at once, only the latest). */
  private async notifyHeaders(): Promise<void> {
    const seq = ++this.headerSeq;
    const served = this.context.chain.current();
    try {
      const header = await tipHeader(served);
      if (seq !== this.headerSeq) return;
      const json = JSON.stringify(header);
      for (const s of this.sessions) s.notifyHeader(json);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not read the new tip header');
    } finally {
      served.view.release();
    }
  }
}
