// The block syncer: keeps the index at the daemon's tip. Catch-up streams blocks through the
// prefetch pipeline and flushes in large atomic batches; once caught up every block is flushed on
// its own. A block whose parent is not our tip means the daemon's chain changed: we roll back with
// the undo data to the fork point (within the reorg limit) and apply the new branch.
import { toDisplayHex, fromDisplayHex } from '../chain/hash.js';
import { headerHash } from '../chain/header.js';
import type { CoinParams } from '../config/coins.js';
import { DaemonRpcError, DaemonUnavailableError, type Daemon } from '../daemon/types.js';
import type { IndexReader, IndexWriter } from '../index/types.js';
import { preparedPrevHash } from '../index/prepared-block.js';
import { silentLogger, type Logger } from '../log.js';
import { SyncFatalError } from './errors.js';
import { SyncEvents, type SyncTip } from './events.js';
import { memoryPlan } from './budget.js';
import { BlockFetcher, defaultFetchTuning } from './fetcher.js';
import { findForkPoint } from './fork.js';
import { InlineBlockStream, type BlockStream } from './block-stream.js';
import { FetchWorker } from './worker-blocks.js';
import { ProgressReporter } from './progress.js';
import { TipWatcher } from './tip-watcher.js';

const MB = 1024 * 1024;
const ZERO_HASH = Buffer.alloc(32);
const YIELD_MS = 5;
/** Smaller windows (a tiny CACHE_MB) are flushed and awaited: there is little write to overlap. */
const MIN_BEHIND_BYTES = 8 * MB;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Shorter catch-ups (following the tip) fetch on the main thread: a worker round trip gains nothing. */
const WORKER_MIN_BLOCKS = 16;
/** Prepared blocks the fetch worker may queue ahead of the apply loop (they are ~1/5 of raw size). */
const WORKER_AHEAD_BYTES = 16 * MB;
/** Blocks ahead whose spent outputs are read from RocksDB while the current one is applied. */
const PREFETCH_BLOCKS = 2;

export interface SyncerOptions {
  readonly daemon: Daemon;
  readonly reader: IndexReader;
  readonly writer: IndexWriter;
  readonly coin: CoinParams;
  /** Deepest reorg we undo; also how far below the daemon's tip undo data is kept. */
  readonly reorgLimit: number;
  /** CACHE_MB: shared by the prefetch queue and unflushed index work (see budget.ts). */
  readonly cacheMb: number;
  /** How often to ask the daemon for a new tip once caught up. */
  readonly pollMs: number;
  /** Keep following new blocks after catching up (default true); false returns once caught up. */
  readonly follow?: boolean;
  readonly logger?: Logger;
  /** Prefetch tuning; defaults derive from cacheMb. */
  readonly fetch?: { readonly inFlight?: number; readonly maxQueueBytes?: number; readonly maxBatchBlocks?: number };
  readonly progressIntervalMs?: number;
  /**
   * Fetch and prepare blocks on a worker thread during catch-up (default true), so the main
   * thread only applies them. Needs a daemon with workerSpec() (DaemonPool has it).
   */
  readonly fetchWorker?: boolean;
}

/** Where catch-up time went, for the benchmark and progress diagnostics. */
export interface SyncStats {
  /** Waiting for the next block: the daemon (prefetch) or its preparation on a worker. */
  fetchWaitMs: number;
  /** Applying prepared blocks to the writer (and preparing them, when no worker does). */
  applyMs: number;
  /**
   * Turns of the event loop between blocks: worker messages, RocksDB read results, timers (and the
   * daemon's replies when fetching on this thread).
   */
  eventLoopMs: number;
  flushMs: number;
  flushes: number;
}

/** The daemon answered something that no longer fits what it said a moment ago. */
class DaemonChangedError extends Error {}

export class Syncer {
  readonly events = new SyncEvents();
  readonly stats: SyncStats = { fetchWaitMs: 0, applyMs: 0, eventLoopMs: 0, flushMs: 0, flushes: 0 };
  private readonly daemon: Daemon;
  private readonly reader: IndexReader;
  private readonly writer: IndexWriter;
  private readonly coin: CoinParams;
  private readonly reorgLimit: number;
  private readonly cacheBytes: number;
  private readonly follow: boolean;
  private readonly log: Logger;
  private readonly watcher: TipWatcher;
  private readonly progress: ProgressReporter;
  private readonly inFlight: number;
  private readonly maxQueueBytes: number;
  private readonly maxBatchBlocks: number | undefined;
  private readonly flushShare: number;
  private readonly useWorker: boolean;
  private worker: FetchWorker | null = null;
  /** The catch-up round's block source, so that stop() can end a wait for the daemon. */
  private blocks: BlockStream | null = null;
  private stopping = false;
  private caughtUp = false;
  private progressStarted = false;
  private lastEmitted: SyncTip | null = null;
  private sleepTimer: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  /** forceReorg() requests, done between rounds. */
  private forced: Array<{ blocks: number; resolve: (height: number) => void; reject: (err: Error) => void }> = [];
  /** A catch-up flush RocksDB is writing while the next blocks are applied. */
  private background: { readonly write: Promise<void>; landed: boolean } | null = null;

  constructor(opts: SyncerOptions) {
    this.daemon = opts.daemon;
    this.reader = opts.reader;
    this.writer = opts.writer;
    this.coin = opts.coin;
    this.reorgLimit = opts.reorgLimit;
    this.cacheBytes = Math.max(1, opts.cacheMb) * MB;
    this.follow = opts.follow ?? true;
    this.log = opts.logger ?? silentLogger();
    this.watcher = new TipWatcher(opts.pollMs);
    this.progress = new ProgressReporter({ logger: this.log, intervalMs: opts.progressIntervalMs });
    const tuning = defaultFetchTuning(opts.cacheMb);
    this.flushShare = memoryPlan(opts.cacheMb).flushShare;
    this.inFlight = opts.fetch?.inFlight ?? tuning.inFlight;
    this.maxQueueBytes = opts.fetch?.maxQueueBytes ?? tuning.maxQueueBytes;
    this.maxBatchBlocks = opts.fetch?.maxBatchBlocks;
    this.useWorker = opts.fetchWorker ?? true;
  }

  /** The index tip including unflushed blocks. */
  get tip(): SyncTip {
    const s = this.writer.state;
    return { height: s.height, hash: s.tipHash };
  }

  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  /** A new block was announced (ZMQ hashblock): look at the daemon now instead of at the next poll. */
  announceBlock(): void {
    this.watcher.announce();
  }

  /**
   * Undoes the top `blocks` blocks (as ElectrumX's `reorg` RPC does, for testing), then lets the
   * syncer apply the daemon's chain again: listeners see a reorganisation like a real one.
   * Resolves with the height rolled back to once the blocks are undone.
   */
  forceReorg(blocks: number): Promise<number> {
    if (!Number.isInteger(blocks) || blocks < 1) return Promise.reject(new RangeError('reorg needs a whole number of blocks from 1'));
    return new Promise((resolve, reject) => {
      this.forced.push({ blocks, resolve, reject });
      this.watcher.announce();
    });
  }

  /** Asks run() to finish the block in hand, flush and return. */
  stop(): void {
    this.stopping = true;
    this.watcher.stop();
    // A round waiting on an unreachable daemon (the fetch worker keeps retrying) ends now.
    this.blocks?.stop();
    if (this.sleepTimer) {
      clearTimeout(this.sleepTimer.timer);
      this.sleepTimer.resolve();
    }
  }

  /**
   * Checks the daemon's network, catches up and (with follow) keeps following until stop().
   * Daemon outages are waited out; a SyncFatalError means the operator must act.
   */
  async run(): Promise<void> {
    let backoff = 250;
    let networkChecked = false;
    let failed = false;
    try {
      while (!this.stopping) {
        try {
          if (!networkChecked) {
            await this.checkNetwork();
            networkChecked = true;
          }
          await this.forcedRollBacks();
          const upToDate = await this.round();
          backoff = 250;
          if (!upToDate) continue;
          if (!this.caughtUp) this.reachedTip();
          if (!this.follow) break;
          await this.watcher.wait();
        } catch (err) {
          if (!isTransient(err)) {
            failed = true;
            throw err;
          }
          if (this.stopping) break;
          this.log.warn({ err: (err as Error).message, retryMs: backoff }, `daemon: ${(err as Error).message}; retrying`);
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, 10_000);
        }
      }
    } finally {
      for (const req of this.forced.splice(0)) req.reject(new Error('the syncer stopped'));
      const worker = this.worker;
      this.worker = null;
      await worker?.close();
      // Keep what was applied; after a failure, a failing flush must not hide the first error.
      if (!failed) await this.flush();
      else await this.flush().catch((err) => this.log.error({ err }, 'flush after a failure failed too'));
    }
  }

  /**
   * A daemon on another network must never write into this index, and a pruned one cannot give
   * every block: Anode indexes them all, and wallets may ask for any confirmed transaction.
   */
  private async checkNetwork(): Promise<void> {
    const info = await this.daemon.getBlockchainInfo();
    if (info.pruned) {
      throw new SyncFatalError(
        'the daemon is pruned (bitcoind prune=...): Anode needs every block, to index the chain and to serve any confirmed ' +
          'transaction to wallets. Run bitcoind without pruning (prune=0), as ElectrumX and Fulcrum need too.',
      );
    }
    const genesis = await this.daemon.getBlockHash(0);
    if (genesis !== this.coin.genesisHash) {
      throw new SyncFatalError(
        `the daemon is on the wrong network: its genesis block is ${genesis}, but ${this.coin.coin} ${this.coin.network} ` +
          `(coin file ${this.coin.file}) has genesis ${this.coin.genesisHash}. Point DAEMON_URL at a ${this.coin.network} node, or set COIN/NET to match the daemon.`,
      );
    }
    const indexed = this.writer.state.genesisHash;
    if (indexed && !indexed.equals(ZERO_HASH) && toDisplayHex(indexed) !== this.coin.genesisHash) {
      throw new SyncFatalError(
        `the index in DB_DIRECTORY was built for a chain with genesis ${toDisplayHex(indexed)}, not ${this.coin.coin} ${this.coin.network}; use another DB_DIRECTORY`,
      );
    }
  }

  /** One look at the daemon: returns true when the index is at its tip. */
  private async round(): Promise<boolean> {
    const state = this.writer.state;
    const best = await this.daemon.getBestBlockHash();
    if (state.height >= 0 && best === toDisplayHex(state.tipHash)) return true;
    const daemonTip = await this.daemon.getBlockCount();
    if (state.height >= 0) {
      const h = Math.min(state.height, daemonTip);
      const theirs = fromDisplayHex(await this.daemon.getBlockHash(h));
      const ours = h === state.height ? state.tipHash : await this.flushedHash(h);
      this.log.debug({ height: h, ours: ours && toDisplayHex(ours), theirs: toDisplayHex(theirs), daemonTip }, 'checking our tip against the daemon');
      if (!ours || !theirs.equals(ours)) {
        await this.rollBack();
        return false;
      }
      // The daemon is behind us on our own chain (a lagging failover node): wait for it.
      if (daemonTip <= state.height) return true;
    }
    await this.catchUp(state.height + 1, daemonTip);
    return false;
  }

  private async catchUp(from: number, to: number): Promise<void> {
    if (!this.progressStarted) {
      this.progressStarted = true;
      this.progress.begin(from - 1, to);
      if (to - from > 10) this.log.info({ from, to }, `syncing blocks ${from} to ${to}`);
    } else {
      this.progress.retarget(to);
    }
    const blocks = this.openBlocks(from, to);
    this.blocks = blocks;
    let lastYield = performance.now();
    try {
      while (!this.stopping) {
        const t0 = performance.now();
        const item = await blocks.next();
        const t1 = performance.now();
        this.stats.fetchWaitMs += t1 - t0;
        if (!item) break;
        const block = item.block;
        if (toDisplayHex(block.hash) !== item.hash) {
          throw new DaemonChangedError(`block at height ${item.height} hashes to ${toDisplayHex(block.hash)}, not ${item.hash}`);
        }
        if (!preparedPrevHash(block).equals(this.writer.state.tipHash)) {
          // The daemon switched branches after we read our starting point (possibly mid-batch).
          blocks.stop();
          this.log.info({ height: item.height, hash: item.hash }, 'block does not extend our tip: the daemon reorganised');
          await this.rollBack();
          return;
        }
        // RocksDB looks up what the next blocks spend while this one is applied.
        for (let n = 0; n < PREFETCH_BLOCKS; n++) {
          const upcoming = blocks.peekReady(n);
          if (!upcoming) break;
          this.writer.prefetch(upcoming);
        }
        await this.writer.applyBlock(block, item.height, item.height > to - this.reorgLimit);
        const t2 = performance.now();
        this.stats.applyMs += t2 - t1;
        // Queued blocks and buffered writes resolve as microtasks: without a turn of the event
        // loop the daemon's responses (the prefetch), timers and signals would wait for the round.
        if (t2 - lastYield > YIELD_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
          this.stats.eventLoopMs += lastYield - t2;
        }
        this.progress.block(item.height, block.txCount);
        if (this.caughtUp) await this.flush();
        else await this.maybeFlushBehind(this.flushThreshold(blocks.heldBytes));
      }
    } finally {
      blocks.stop();
      this.blocks = null;
    }
    await this.flush();
  }

  /** Catch-up's block source: a worker fetching and preparing, or (short rounds) this thread. */
  private openBlocks(from: number, to: number): BlockStream {
    const tuning = { inFlight: this.inFlight, maxQueueBytes: this.maxQueueBytes, maxBatchBlocks: this.maxBatchBlocks };
    const spec = this.daemon.workerSpec?.();
    if (this.useWorker && spec && to - from + 1 >= WORKER_MIN_BLOCKS) {
      this.worker ??= new FetchWorker();
      return this.worker.open(spec, { from, to, ...tuning, maxAheadBytes: WORKER_AHEAD_BYTES }, (d) => this.daemon.adopt?.(d));
    }
    return new InlineBlockStream(new BlockFetcher({ daemon: this.daemon, from, to, ...tuning }));
  }

  /**
   * Unflushed work may use the cache budget minus what the prefetch queue holds (never less than a
   * quarter), times the plan's flush share: the flush itself needs about as much memory again.
   */
  private flushThreshold(queued: number): number {
    return Math.max(this.cacheBytes - queued, this.cacheBytes / 4) * this.flushShare;
  }

  /**
   * Catch-up flushes run behind the apply loop: the batch is built now, RocksDB writes it on its
   * own thread while the next blocks are applied, and the next flush waits for it. pendingBytes
   * counts the window being written too, so while one is in flight only a window twice the
   * limit makes us wait for it.
   */
  private async maybeFlushBehind(limit: number): Promise<void> {
    if (this.background?.landed) await this.settleBackground();
    const pending = this.writer.pendingBytes;
    if (pending <= limit) return;
    if (this.background === null && pending < MIN_BEHIND_BYTES) {
      await this.flush();
    } else if (this.background === null) {
      const t0 = performance.now();
      const write = this.writer.flush();
      this.stats.flushMs += performance.now() - t0;
      this.stats.flushes++;
      const bg = { write, landed: false };
      this.background = bg;
      // Its failure is rethrown by settleBackground (and has poisoned the writer meanwhile).
      write.then(() => (bg.landed = true), () => (bg.landed = true));
    } else if (pending > 2 * limit) {
      await this.settleBackground();
    }
  }

  /** Waits for a flush left running by maybeFlushBehind (rethrowing its failure). */
  private async settleBackground(): Promise<void> {
    const bg = this.background;
    if (bg === null) return;
    const t0 = performance.now();
    try {
      await bg.write;
    } finally {
      this.background = null;
      this.stats.flushMs += performance.now() - t0;
    }
  }

  private async forcedRollBacks(): Promise<void> {
    while (this.forced.length > 0) {
      const req = this.forced.shift()!;
      try {
        await this.flush();
        const state = this.writer.state;
        const floor = await this.writer.undoFloor();
        const target = state.height - req.blocks;
        if (target < 0 || floor === null || floor > target + 1) {
          throw new Error(`cannot undo ${req.blocks} blocks: undo data reaches back to height ${floor ?? 'none'}, the tip is ${state.height}`);
        }
        const oldTip = { height: state.height, hash: state.tipHash };
        this.log.warn({ blocks: req.blocks, to: target }, `reorg requested: undoing ${req.blocks} block(s) to height ${target}`);
        for (let i = 0; i < req.blocks; i++) await this.writer.undoBlock();
        const now = this.writer.state;
        this.lastEmitted = { height: now.height, hash: now.tipHash };
        this.events.emit('reorg', { fork: this.lastEmitted, oldTip, depth: req.blocks }, (err) => this.listenerFailed(err));
        req.resolve(now.height);
      } catch (err) {
        req.reject(err as Error);
      }
    }
  }

  /** Rolls the index back to the highest block it shares with the daemon's active chain. */
  private async rollBack(): Promise<void> {
    await this.flush();
    const state = this.writer.state;
    const daemonTip = await this.daemon.getBlockCount();
    const lowest = state.height - this.reorgLimit;
    const { fork, tooDeep } = await findForkPoint(this.daemon, this.reader, Math.min(state.height, daemonTip), lowest);
    if (tooDeep) {
      throw new SyncFatalError(
        `chain reorganisation deeper than the reorg limit: the daemon's chain shares no block with the index from height ${lowest} ` +
          `to our tip ${state.height}, and the limit is ${this.reorgLimit} blocks (REORG_LIMIT). The index cannot be rolled back; ` +
          `stop Anode, delete DB_DIRECTORY and sync again.`,
      );
    }
    if (fork < 0) throw new SyncFatalError('the daemon shares not even the genesis block with the index: wrong network or DB_DIRECTORY');
    const depth = state.height - fork;
    if (depth <= 0) return;
    const floor = await this.writer.undoFloor();
    if (floor === null || floor > fork + 1) {
      throw new SyncFatalError(
        `chain reorganisation of ${depth} blocks (back to height ${fork}) needs undo data from height ${fork + 1}, but the index ` +
          `has it ${floor === null ? 'for no block' : `only from height ${floor}`}. Stop Anode, delete DB_DIRECTORY and sync again.`,
      );
    }
    const oldTip = { height: state.height, hash: state.tipHash };
    this.log.warn({ depth, fork, oldTip: state.height }, `chain reorganisation: rolling back ${depth} block(s) to height ${fork}`);
    for (let i = 0; i < depth; i++) await this.writer.undoBlock();
    const now = this.writer.state;
    this.lastEmitted = { height: now.height, hash: now.tipHash };
    this.events.emit('reorg', { fork: this.lastEmitted, oldTip, depth }, (err) => this.listenerFailed(err));
  }

  private async flush(): Promise<void> {
    await this.settleBackground();
    if (this.writer.pendingBytes > 0) {
      const t0 = performance.now();
      await this.writer.flush();
      this.stats.flushMs += performance.now() - t0;
      this.stats.flushes++;
    }
    if (!this.caughtUp) return;
    const s = this.writer.state;
    if (this.lastEmitted && this.lastEmitted.height === s.height && this.lastEmitted.hash.equals(s.tipHash)) return;
    this.lastEmitted = { height: s.height, hash: s.tipHash };
    this.events.emit('tip', this.lastEmitted, (err) => this.listenerFailed(err));
  }

  private reachedTip(): void {
    this.caughtUp = true;
    const s = this.writer.state;
    const sum = this.progress.summary(s.height);
    this.lastEmitted = { height: s.height, hash: s.tipHash };
    this.log.info(
      { height: s.height, blocks: sum.blocks, txs: sum.txs, seconds: Math.round(sum.seconds) },
      `caught up at height ${s.height} (${sum.blocks} blocks, ${sum.txs} txs in ${Math.round(sum.seconds)}s)`,
    );
    this.events.emit('caughtUp', this.lastEmitted, (err) => this.listenerFailed(err));
  }

  private async flushedHash(height: number): Promise<Buffer | null> {
    await this.flush();
    const header = await this.reader.getHeader(height);
    return header ? headerHash(header) : null;
  }

  private listenerFailed(err: unknown): void {
    this.log.error({ err }, 'a sync event listener threw');
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepTimer = null;
        resolve();
      }, ms);
      this.sleepTimer = { timer, resolve };
    });
  }
}

function isTransient(err: unknown): boolean {
  return err instanceof DaemonUnavailableError || err instanceof DaemonRpcError || err instanceof DaemonChangedError;
}
