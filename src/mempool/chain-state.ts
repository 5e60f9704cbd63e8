// The state Electrum sessions answer from: one index view (a RocksDB snapshot) and the mempool that
// belongs with it, switched together in one synchronous step, so that no answer sees a transaction
// both confirmed and unconfirmed, or neither. A block that extends the served tip switches at
// once (its transactions leave the mempool in the same step); a reorg keeps serving the old tip
// until the index is at the daemon's new tip and the mempool has been refreshed against it.
import { toDisplayHex } from '../chain/hash.js';
import type { CommittedBlock, IndexCommit, IndexView, ScriptKey } from '../index/types.js';
import { silentLogger, type Logger } from '../log.js';
import { Mempool } from './mempool.js';
import { MempoolRefresher, type RefreshPlan } from './refresh.js';
import type { MempoolSource } from './source.js';
import { txKeyOf, type TxKey } from './tx.js';

/** The full mempool refresh's interval while ZMQ sequence events keep the mempool current. */
const LIVE_SAFETY_POLL_MS = 30_000;
/**
 * How long a removal ('R') waits for the 'A' that may follow it: bitcoind publishes a replacement's
 * 'R' and 'A' as separate messages, which can arrive in separate turns of the event loop.
 */
const REPLACEMENT_WAIT_MS = 50;

/** What ChainState needs of the index (AnodeIndex has it). */
export interface CommitSource {
  openView(): IndexView;
  onCommit(listener: (commit: IndexCommit) => void): () => void;
}

export interface ChainChange {
  /** The served tip moved: headers subscribers are told (null: only the mempool changed). */
  readonly tip: { readonly height: number; readonly hash: Buffer } | null;
  /**
   * The blocks that extended the tip, with their txids and touched scripts: enough to extend a
   * confirmed history without reading it (empty after a reorg or a mempool-only change).
   */
  readonly blocks: readonly CommittedBlock[];
  /** Scripts whose status may have changed; 'all' when the scope is unknown. */
  readonly scripts: ReadonlySet<ScriptKey> | 'all';
  /** The chain was reorganised: confirmed histories must be read again, not extended. */
  readonly reorg: boolean;
}

/** What a request reads: the view (release it when done) and the mempool (read it synchronously, now). */
export interface Served {
  readonly view: IndexView;
  readonly mempool: Mempool;
  /** Counts reorgs: equal epochs mean the later view extends the earlier one. */
  readonly epoch: number;
}

export interface ChainStateOptions {
  readonly index: CommitSource;
  readonly source: MempoolSource;
  /** MEMPOOL_POLL_MS. */
  readonly pollMs: number;
  readonly logger?: Logger;
}

export class ChainState {
  readonly mempool = new Mempool();
  private readonly index: CommitSource;
  private readonly refresher: MempoolRefresher;
  private readonly log: Logger;
  private readonly pollMs: number;
  private readonly listeners = new Set<(change: ChainChange) => void>();
  private served: IndexView | null = null;
  private epochN = 0;
  /** Set between a disconnecting commit (or one we cannot follow block by block) and the refresh that ends it. */
  private reorg: { touched: Set<ScriptKey> | 'all' } | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private failing = false;
  private stopped = false;
  /** ZMQ sequence events are arriving: polling is only a safety net then. */
  private live = false;
  /** Mempool sequence number of the last listing applied: the next event's; older events are in it. */
  private sequence: number | null = null;
  /** Sequence events held while a full refresh or a reorg is under way, replayed after it. */
  private held: Array<{ readonly add: boolean; readonly key: TxKey; readonly seq: number }> = [];
  /** Announced transactions to fetch and add, and removals to apply with them. */
  private readonly toAdd = new Set<TxKey>();
  private readonly toRemove = new Set<TxKey>();
  /** Announced ones whose inputs did not resolve yet: tried again after each block. */
  private readonly unresolved = new Set<TxKey>();
  private adding: Promise<void> | null = null;
  /** Ends addSoon's wait for the 'A' of a replacement. */
  private wakeAdding: (() => void) | null = null;
  /**
   * A refresh was thrown away (the daemon listed its mempool at another tip than the one served, or
   * a commit overtook it): owed at the next commit, even while ZMQ events flow, or what the daemon
   * holds and no event announced (a resync after a gap, a reconnect, a switch) waits for a poll.
   */
  private owed = false;
  private readonly stopHooks: Array<() => Promise<void>> = [];
  private checks = 0;
  private readonly source: MempoolSource;

  constructor(opts: ChainStateOptions) {
    this.index = opts.index;
    this.refresher = new MempoolRefresher(opts.source);
    this.source = opts.source;
    this.pollMs = opts.pollMs;
    this.log = opts.logger ?? silentLogger();
  }

  /** Opens the served view and loads the mempool; resolves once both are in place. */
  async start(): Promise<void> {
    this.served = this.index.openView();
    this.unsubscribe = this.index.onCommit((c) => this.committed(c));
    const t0 = performance.now();
    let delay = 100;
    while (!this.stopped) {
      if (await this.refreshOnce()) break;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
    this.log.info(
      { txs: this.mempool.size, bytes: this.mempool.bytes, ms: Math.round(performance.now() - t0) },
      `mempool loaded: ${this.mempool.size} transactions`,
    );
    this.startTimer();
  }

  /** Polls every MEMPOOL_POLL_MS, or as a slow safety net while ZMQ events arrive. */
  private startTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => (this.live ? void this.safetyCheck() : this.refreshSoon()), this.live ? Math.max(this.pollMs, LIVE_SAFETY_POLL_MS) : this.pollMs);
    this.timer.unref();
  }

  /**
   * While ZMQ events flow: the daemon's mempool size against ours, the full listing only if they
   * differ (or every tenth time). Listing 50,000 txids costs ~300 ms, and events wait meanwhile.
   */
  private async safetyCheck(): Promise<void> {
    if (++this.checks % 10 !== 0 && !this.owed && this.toAdd.size === 0 && this.unresolved.size === 0 && !this.running) {
      try {
        if ((await this.source.size()) === this.mempool.size) return;
      } catch {
        // the refresh below says what is wrong
      }
    }
    this.refreshSoon();
  }

  /** The ZMQ sequence feed is connected (true) or lost (false). */
  setLive(on: boolean, why: string): void {
    if (on === this.live) return;
    this.live = on;
    this.log.info({ why }, on ? 'mempool follows the ZMQ sequence stream (polling as a safety net)' : `mempool polls the daemon every ${this.pollMs} ms (no ZMQ sequence stream)`);
    if (this.timer && !this.stopped) this.startTimer();
    // Whatever happened while nobody listened is picked up now.
    this.refreshSoon();
  }

  /** ZMQ sequence 'A': a transaction entered the daemon's mempool. */
  txAdded(key: TxKey, seq: number): void {
    if (this.sequence !== null && seq < this.sequence) return;
    if (this.holding) {
      this.held.push({ add: true, key, seq });
      return;
    }
    this.toAdd.add(key);
    this.wakeAdding?.();
    this.addSoon();
  }

  /** ZMQ rawtx: the bytes of a transaction the daemon just took (or mined), for its 'A' to use. */
  rawPublished(raw: Buffer): void {
    this.refresher.announceRaw(raw);
  }

  /** How the mempool follows the daemon now. */
  get mode(): 'zmq' | 'polling' {
    return this.live ? 'zmq' : 'polling';
  }

  /** ZMQ sequence 'R': a transaction left the daemon's mempool other than by a block. */
  txRemoved(key: TxKey, seq: number): void {
    if (this.sequence !== null && seq < this.sequence) return;
    if (this.holding) {
      this.held.push({ add: false, key, seq });
      return;
    }
    this.toAdd.delete(key);
    this.unresolved.delete(key);
    this.refresher.forget([key]);
    // Applied with the additions announced alongside (a replacement is 'R' then 'A'): subscribers
    // see the new transaction in one change, not an empty moment between the two.
    this.toRemove.add(key);
    this.addSoon();
  }

  /** Events may have been lost (a counter gap, a reconnect): resynchronise over RPC. */
  resync(why: string): void {
    this.log.info({ why }, 'mempool resynchronises with the daemon');
    this.refreshSoon();
  }

  /** While a full refresh or a reorg is under way, sequence events wait for it. */
  private get holding(): boolean {
    return this.running !== null || this.reorg !== null || !this.served;
  }

  private replayHeld(): void {
    if (this.holding) return;
    const held = this.held;
    this.held = [];
    for (const e of held) {
      if (e.add) this.txAdded(e.key, e.seq);
      else this.txRemoved(e.key, e.seq);
    }
  }

  private addSoon(): void {
    if (this.adding || this.stopped) return;
    this.adding = (async () => {
      // Let a burst of announcements gather into one batch.
      await new Promise((r) => setImmediate(r));
      // Removals alone may be the first half of a replacement: give its 'A' a moment to arrive, so that
      // subscribers see the new transaction in one change, not an empty moment between the two.
      if (this.toRemove.size > 0 && this.toAdd.size === 0 && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, REPLACEMENT_WAIT_MS);
          this.wakeAdding = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeAdding = null;
      }
      while ((this.toAdd.size > 0 || this.toRemove.size > 0) && !this.stopped && !this.holding) {
        const keys = [...this.toAdd];
        this.toAdd.clear();
        const removals = [...this.toRemove];
        this.toRemove.clear();
        const view = this.served!.retain();
        try {
          const added = keys.length > 0 ? await this.refresher.fetchAdded(view, this.mempool, keys) : [];
          if (this.served !== view || this.holding) {
            // A block or a refresh came in between: resolve again against what is served now.
            for (const k of keys) if (!this.mempool.has(k)) this.toAdd.add(k);
            for (const k of removals) this.toRemove.add(k);
            if (this.holding) break;
            continue;
          }
          for (const k of removals) if (!this.toAdd.has(k)) this.mempool.remove(k);
          for (const tx of added) this.mempool.add(tx);
          this.refresher.forget(added.map((t) => t.key));
          const done = new Set(added.map((t) => t.key));
          for (const k of keys) if (!done.has(k) && !this.mempool.has(k)) this.unresolved.add(k);
          this.emitDirty();
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'could not fetch announced transactions; the next refresh picks them up');
          break;
        } finally {
          view.release();
        }
      }
      this.adding = null;
    })();
  }

  private emitDirty(): void {
    const dirty = this.mempool.takeDirty();
    if (dirty.size > 0) this.emit({ tip: null, blocks: [], scripts: dirty, reorg: false });
  }

  /** Stops refreshing and releases the view (after what onStop() registered has run). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    for (const f of this.stopHooks.splice(0)) await f().catch((err) => this.log.warn({ err: (err as Error).message }, 'a mempool stop step failed'));
    await this.settled();
    this.served?.release();
    this.served = null;
  }

  /** Runs `f` when the chain state stops (what feeds it closes with it). */
  onStop(f: () => Promise<void>): void {
    this.stopHooks.push(f);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (change: ChainChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The state to answer from now. */
  current(): Served {
    if (!this.served) throw new Error('chain state not started');
    return { view: this.served.retain(), mempool: this.mempool, epoch: this.epochN };
  }

  /** Whether `view` is the one served now (no change since it was taken). */
  isServed(view: IndexView): boolean {
    return this.served === view;
  }

  get tip(): { height: number; hash: Buffer } {
    if (!this.served) throw new Error('chain state not started');
    return { height: this.served.state.height, hash: this.served.state.tipHash };
  }

  get epoch(): number {
    return this.epochN;
  }

  /** Looks at the daemon's mempool now (after a broadcast, a block, or on the poll timer). */
  refreshSoon(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.refreshOnce();
        } while (this.again && !this.stopped);
      } catch (err) {
        // Never leave `running` set: events would be held, and refreshes skipped, for good.
        this.log.error({ err }, 'mempool refresh failed unexpectedly');
      }
      this.running = null;
      this.replayHeld();
      if (this.toAdd.size > 0 || this.toRemove.size > 0) this.addSoon();
    })();
  }

  /** Waits for a refresh in progress (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private committed(c: IndexCommit): void {
    if (!this.served || this.stopped) return;
    const extends_ =
      this.reorg === null &&
      c.disconnected === null &&
      c.connected.length > 0 &&
      c.connected[0]!.height === this.served.state.height + 1 &&
      c.connected.every((b) => b.txids !== null && b.touched !== null);
    if (!extends_) {
      // Keep answering from the old tip until a refresh against the new one is complete.
      this.reorg ??= { touched: new Set() };
      for (const b of c.disconnected ? [c.disconnected, ...c.connected] : c.connected) merge(this.reorg, b.touched);
      this.log.debug({ height: c.state.height }, 'index moved off the served tip; serving the old tip until the mempool is refreshed');
      this.refreshSoon();
      return;
    }
    const old = this.served;
    this.served = this.index.openView();
    old.release();
    const touched = new Set<ScriptKey>();
    for (const b of c.connected) {
      for (const txid of b.txids!) this.mempool.remove(txKeyOf(txid));
      for (const s of b.touched!.keys()) touched.add(s);
    }
    for (const s of this.mempool.takeDirty()) touched.add(s);
    this.emit({ tip: { height: c.state.height, hash: c.state.tipHash }, blocks: c.connected, scripts: touched, reorg: false });
    // Announced transactions spending the block's outputs can resolve now.
    for (const k of this.unresolved) this.toAdd.add(k);
    this.unresolved.clear();
    if (this.toAdd.size > 0) this.addSoon();
    // Conflicts and evictions the block caused show up in the daemon's mempool (with ZMQ, as 'R').
    if (!this.live || this.owed) this.refreshSoon();
  }

  /** One refresh; true if it was applied. */
  private async refreshOnce(): Promise<boolean> {
    if (!this.served) return false;
    const inReorg = this.reorg !== null;
    let view: IndexView;
    try {
      view = inReorg ? this.index.openView() : this.served.retain();
    } catch (err) {
      // No view to be had this moment (the index between the two halves of a commit): the commit
      // that follows refreshes again.
      this.log.debug({ err: (err as Error).message }, 'no index view to refresh against yet');
      this.owed = true;
      return false;
    }
    try {
      const tipHex = toDisplayHex(view.state.tipHash);
      const plan = await this.refresher.plan(view, this.mempool, (best) => best === tipHex);
      if (this.failing) this.log.info('mempool refresh works again');
      this.failing = false;
      if (this.stopped) return false;
      // The daemon is at another tip, or a commit landed meanwhile: this plan describes a state
      // nobody serves (any more). Try again once the index moves.
      if (plan === null || (inReorg ? this.reorg === null || !this.isLatest(view) : this.served !== view)) {
        this.owed = true;
        return false;
      }
      this.owed = false;
      this.apply(plan, inReorg ? view : null);
      return true;
    } catch (err) {
      if (!this.failing) this.log.warn({ err: (err as Error).message }, 'mempool refresh failed; retrying at the next poll');
      this.failing = true;
      return false;
    } finally {
      view.release();
    }
  }

  /** Whether `view` shows the index's newest commit (a fresh view would have the same tip). */
  private isLatest(view: IndexView): boolean {
    const probe = this.index.openView();
    const same = probe.state.height === view.state.height && probe.state.tipHash.equals(view.state.tipHash);
    probe.release();
    return same;
  }

  private apply(plan: RefreshPlan, newView: IndexView | null): void {
    for (const k of plan.removed) this.mempool.remove(k);
    for (const tx of plan.added) this.mempool.add(tx);
    this.refresher.applied(plan);
    this.sequence = plan.sequence;
    for (const k of plan.removed) this.unresolved.delete(k);
    for (const tx of plan.added) this.unresolved.delete(tx.key);
    const dirty = this.mempool.takeDirty();
    if (newView !== null) {
      const old = this.served!;
      this.served = newView.retain();
      old.release();
      const r = this.reorg!;
      this.reorg = null;
      this.epochN++;
      if (r.touched !== 'all') for (const s of dirty) r.touched.add(s);
      this.log.info({ height: newView.state.height, txs: this.mempool.size }, 'serving the new tip after a reorganisation');
      this.emit({ tip: { height: newView.state.height, hash: newView.state.tipHash }, blocks: [], scripts: r.touched, reorg: true });
    } else if (dirty.size > 0) {
      this.emit({ tip: null, blocks: [], scripts: dirty, reorg: false });
    }
  }

  private emit(change: ChainChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.log.error({ err }, 'a chain change listener threw');
      }
    }
  }
}

function merge(into: { touched: Set<ScriptKey> | 'all' }, touched: ReadonlyMap<ScriptKey, readonly number[]> | null): void {
  if (into.touched === 'all') return;
  if (touched === null) {
    into.touched = 'all';
    return;
  }
  for (const s of touched.keys()) into.touched.add(s);
}
