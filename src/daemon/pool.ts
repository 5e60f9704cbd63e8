// Anode's Daemon: the configured bitcoinds, used one at a time with round-robin failover like
// ElectrumX. An unreachable daemon (DaemonUnavailableError) moves the pool to the next one; when
// all are down it backs off (capped exponential) and keeps trying until one answers, the pool is
// closed, or retryForMs runs out. A DaemonRpcError is the daemon's answer and is passed through.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { RpcClient } from './rpc-client.js';
import {
  DaemonUnavailableError,
  type BlockchainInfo,
  type Daemon,
  type DaemonEndpoint,
  type DaemonPoolOptions,
  type DaemonPoolSpec,
  type MempoolInfo,
  type BatchResult,
  type RpcCall,
} from './types.js';

export interface DaemonInfo {
  readonly index: number;
  /** URL without credentials. */
  readonly url: string;
}

/** A daemon as the admin RPC shows it. */
export interface DaemonState extends DaemonInfo {
  /** Requests go to it now. */
  readonly current: boolean;
  /** Its last request failed to reach it (it is skipped until it answers again). */
  readonly down: boolean;
}

const MAX_BLOCKS_PER_REQUEST = 100;

export class DaemonPool implements Daemon {
  private readonly clients: RpcClient[];
  private readonly log: Logger;
  private readonly initialDelay: number;
  private readonly maxDelay: number;
  private readonly retryForMs?: number;
  private readonly maxBlockBatchBytes: number;
  private index = 0;
  private closed = false;
  /**
   * Daemons whose failure was logged, until they answer, with the request count at that failure: only a
   * request sent after it proves the daemon is back (an answer to one sent before may land later).
   */
  private readonly down = new Map<number, number>();
  private requests = 0;
  private readonly sleepers = new Set<() => void>();
  private avgBlockHexChars = 0;
  private allDownLogged = false;
  private readonly switchListeners = new Set<(daemon: DaemonInfo) => void>();
  private readonly retryLimit = new AsyncLocalStorage<number>();
  private readonly genesisHash?: string;
  private readonly verified = new Set<number>();
  private readonly wrongLogged = new Set<number>();

  private readonly spec: Omit<DaemonPoolSpec, 'current'>;

  constructor(endpoints: readonly DaemonEndpoint[], opts: DaemonPoolOptions = {}) {
    if (endpoints.length === 0) throw new Error('DaemonPool needs at least one daemon');
    const { logger: log, ...options } = opts;
    this.spec = { endpoints: endpoints.map((e) => ({ ...e })), options: { ...options, logLevel: log?.level } };
    this.clients = endpoints.map((e) => new RpcClient(e, { timeoutMs: opts.timeoutMs }));
    this.log = opts.logger ?? silentLogger();
    this.initialDelay = opts.initialRetryDelayMs ?? 250;
    this.maxDelay = Math.max(opts.maxRetryDelayMs ?? 4000, 1);
    this.retryForMs = opts.retryForMs;
    this.maxBlockBatchBytes = opts.maxBlockBatchBytes ?? 64 * 1024 * 1024;
    this.genesisHash = opts.genesisHash;
  }

  /** A plain-data description of this pool (endpoints, options, current daemon) for workerSpec consumers. */
  workerSpec(): DaemonPoolSpec {
    return { ...this.spec, current: this.index };
  }

  /** A pool equivalent to the one `spec` was taken from, starting at the same daemon. */
  static fromSpec(spec: DaemonPoolSpec, log?: Logger): DaemonPool {
    const { logLevel: _level, ...options } = spec.options;
    const pool = new DaemonPool(spec.endpoints, { ...options, logger: log });
    if (Number.isInteger(spec.current) && spec.current >= 0 && spec.current < pool.clients.length) pool.index = spec.current;
    return pool;
  }

  /** The daemon requests go to now. */
  current(): DaemonInfo {
    return { index: this.index, url: this.clients[this.index].url };
  }

  /** All configured daemons (URLs without credentials). */
  daemons(): DaemonInfo[] {
    return this.clients.map((c, index) => ({ index, url: c.url }));
  }

  /** Each daemon with whether it is in use and whether it was last found down. */
  states(): DaemonState[] {
    return this.clients.map((c, index) => ({ index, url: c.url, current: index === this.index, down: this.down.has(index) }));
  }

  /** Admin: use another daemon from now on. */
  switchTo(target: number | 'next'): DaemonInfo {
    const next = target === 'next' ? (this.index + 1) % this.clients.length : target;
    if (!Number.isInteger(next) || next < 0 || next >= this.clients.length) {
      throw new RangeError(`no daemon #${target} (have ${this.clients.length})`);
    }
    if (next !== this.index) this.log.info({ from: this.clients[this.index].url, to: this.clients[next].url }, 'switching daemon');
    this.use(next);
    return this.current();
  }

  adopt(index: number): void {
    if (Number.isInteger(index) && index >= 0 && index < this.clients.length) this.use(index);
  }

  /**
   * Calls `listener` whenever requests start going to another daemon (failover, admin switch):
   * what follows the daemon in use (ZMQ, the mempool) moves with it. Returns the unsubscribe.
   */
  onSwitch(listener: (daemon: DaemonInfo) => void): () => void {
    this.switchListeners.add(listener);
    return () => this.switchListeners.delete(listener);
  }

  private use(index: number): void {
    if (index === this.index) return;
    this.index = index;
    const info = this.current();
    for (const l of this.switchListeners) {
      try {
        // Outside the bound of the call that switched (bounded()): what a listener starts, such as
        // resubscribing ZMQ, waits for a daemon as long as the pool's own calls do.
        this.retryLimit.exit(() => l(info));
      } catch (err) {
        this.log.error({ err }, 'a daemon switch listener threw');
      }
    }
  }

  /** Stops retries and aborts requests in flight; pending calls reject with DaemonUnavailableError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    for (const c of this.clients) c.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---- Daemon ----

  async getBlockchainInfo(): Promise<BlockchainInfo> {
    const i = await this.call<BlockchainInfo>('getblockchaininfo');
    return {
      chain: i.chain,
      blocks: i.blocks,
      headers: i.headers,
      bestblockhash: i.bestblockhash,
      initialblockdownload: i.initialblockdownload,
      verificationprogress: i.verificationprogress,
      pruned: i.pruned,
    };
  }

  getBlockCount(): Promise<number> {
    return this.call<number>('getblockcount');
  }

  getBestBlockHash(): Promise<string> {
    return this.call<string>('getbestblockhash');
  }

  getBlockHash(height: number): Promise<string> {
    return this.call<string>('getblockhash', [height]);
  }

  getBlockHashes(heights: readonly number[]): Promise<string[]> {
    return this.batch<string>(heights.map((h) => ({ method: 'getblockhash', params: [h] })));
  }

  /**
   * Raw blocks in the order asked. One batch per HTTP request, split so that a request carries about
   * maxBlockBatchBytes of hex (judged from the blocks seen so far): JSON replies of hundreds of MB
   * would not fit in one JS string.
   */
  async getRawBlocks(hashes: readonly string[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    let at = 0;
    while (at < hashes.length) {
      const per = this.avgBlockHexChars > 0 ? Math.floor(this.maxBlockBatchBytes / this.avgBlockHexChars) : MAX_BLOCKS_PER_REQUEST;
      const n = Math.min(Math.max(per, 1), MAX_BLOCKS_PER_REQUEST, hashes.length - at);
      const hex = await this.batch<string>(hashes.slice(at, at + n).map((h) => ({ method: 'getblock', params: [h, 0] })));
      for (const h of hex) {
        out.push(Buffer.from(h, 'hex'));
        this.avgBlockHexChars = this.avgBlockHexChars === 0 ? h.length : this.avgBlockHexChars * 0.9 + h.length * 0.1;
      }
      at += n;
    }
    return out;
  }

  async getRawHeader(hash: string): Promise<Buffer> {
    return Buffer.from(await this.call<string>('getblockheader', [hash, false]), 'hex');
  }

  async getRawTransaction(txid: string, blockhash?: string): Promise<Buffer> {
    const params: unknown[] = blockhash === undefined ? [txid, 0] : [txid, 0, blockhash];
    return Buffer.from(await this.call<string>('getrawtransaction', params), 'hex');
  }

  getRawMempool(): Promise<string[]> {
    return this.call<string[]>('getrawmempool', [false]);
  }

  async getMempoolInfo(): Promise<MempoolInfo> {
    const m = await this.call<MempoolInfo>('getmempoolinfo');
    return {
      loaded: m.loaded,
      size: m.size,
      bytes: m.bytes,
      usage: m.usage,
      maxmempool: m.maxmempool,
      mempoolminfee: m.mempoolminfee,
      minrelaytxfee: m.minrelaytxfee,
      incrementalrelayfee: m.incrementalrelayfee,
    };
  }

  sendRawTransaction(hex: string): Promise<string> {
    return this.call<string>('sendrawtransaction', [hex]);
  }

  async estimateSmartFee(blocks: number, mode?: string): Promise<number | null> {
    const r = await this.call<{ feerate?: number }>('estimatesmartfee', mode === undefined ? [blocks] : [blocks, mode]);
    return typeof r?.feerate === 'number' ? r.feerate : null;
  }

  call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    return this.withFailover((c) => c.call<T>(method, params));
  }

  /** Many calls in one HTTP request (with failover); rejects with the first DaemonRpcError. */
  batch<T = unknown>(calls: readonly RpcCall[]): Promise<T[]> {
    if (calls.length === 0) return Promise.resolve([]);
    return this.withFailover((c) => c.batchResults<T>(calls));
  }

  /** Many calls in one HTTP request (with failover); each daemon error stays in its place. */
  batchSettled<T = unknown>(calls: readonly RpcCall[]): Promise<BatchResult<T>[]> {
    if (calls.length === 0) return Promise.resolve([]);
    return this.withFailover((c) => c.batch<T>(calls));
  }

  // ---- failover ----

  private async withFailover<T>(fn: (client: RpcClient) => Promise<T>): Promise<T> {
    const started = Date.now();
    const retryForMs = this.retryLimit.getStore() ?? this.retryForMs;
    let delay = this.initialDelay;
    let failures = 0;
    for (;;) {
      if (this.closed) throw new DaemonUnavailableError('daemon pool closed');
      const i = this.index;
      const client = this.clients[i];
      const sent = ++this.requests;
      try {
        await this.verify(i, client);
        const result = await fn(client);
        const downAt = this.down.get(i);
        if (downAt !== undefined && sent > downAt) {
          this.down.delete(i);
          this.log.info({ url: client.url }, 'daemon is answering again');
        }
        this.allDownLogged = false;
        return result;
      } catch (e) {
        if (!(e instanceof DaemonUnavailableError)) throw e;
        if (this.closed) throw new DaemonUnavailableError('daemon pool closed', { cause: e });
        failures++;
        // Warn once per outage of a daemon; repeats while it stays down are debug noise.
        const firstFailure = !this.down.has(i);
        this.down.set(i, this.requests);
        // It may come back as another node: check its chain again then.
        this.verified.delete(i);
        // Other requests may have moved on already; only the first to notice advances the pool.
        if (this.index === i) this.use((i + 1) % this.clients.length);
        const single = this.clients.length === 1;
        this.log[firstFailure ? 'warn' : 'debug'](
          { url: client.url, ...(single ? {} : { next: this.clients[this.index].url }), err: e.message },
          single ? 'daemon unavailable, retrying' : 'daemon unavailable, failing over',
        );
        const elapsed = Date.now() - started;
        if (retryForMs !== undefined && elapsed >= retryForMs) {
          throw new DaemonUnavailableError(`no daemon answered within ${retryForMs} ms (last: ${e.message})`, { cause: e });
        }
        if (failures % this.clients.length === 0) {
          const wait = retryForMs === undefined ? delay : Math.min(delay, retryForMs - elapsed);
          if (!this.allDownLogged) this.log.warn({ retryInMs: wait }, 'all daemons unavailable, retrying with back-off');
          this.allDownLogged = true;
          await this.sleep(wait);
          delay = Math.min(delay * 2, this.maxDelay);
        }
      }
    }
  }

  /**
   * Before a daemon's first use (and again after it was down), checks that it is on our chain: a
   * failover to a node of another network must never feed the index. A wrong one is skipped.
   */
  private async verify(i: number, client: RpcClient): Promise<void> {
    if (this.genesisHash === undefined || this.verified.has(i)) return;
    const genesis = await client.call<string>('getblockhash', [0]);
    if (genesis !== this.genesisHash) {
      if (!this.wrongLogged.has(i)) this.log.error({ url: client.url, genesis, expected: this.genesisHash }, 'daemon is on another chain (its genesis block differs): not using it');
      this.wrongLogged.add(i);
      throw new DaemonUnavailableError(`${client.url} is on another chain (genesis ${genesis})`);
    }
    this.verified.add(i);
  }

  /**
   * This pool, with each call giving up (DaemonUnavailableError) after `ms` without any daemon
   * answering, where the pool's own calls wait outages out: for answers a wallet is waiting for.
   */
  bounded(ms: number): DaemonPool {
    return new Proxy(this, {
      get: (target, prop, receiver) => {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => target.retryLimit.run(ms, () => (v as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
