// blockchain.transaction.get's raw transactions. Mempool transactions come from memory; confirmed
// ones from the daemon: by txid alone when its txindex is on (getindexinfo says so), otherwise
// with the block hash from Anode's own index (bitcoind then reads and parses that block, slower,
// but no txindex is needed). Requests arriving together go to the daemon as one batch, and a
// bounded LRU keeps recent answers: a wallet asks for the same transactions on every resync.
import { toDisplayHex } from '../chain/hash.js';
import { headerHash } from '../chain/header.js';
import { DaemonRpcError, type Daemon, type RpcCall } from '../daemon/types.js';
import type { Served } from '../mempool/chain-state.js';
import { txKeyOf } from '../mempool/tx.js';
import type { Logger } from '../log.js';
import { daemonError } from './daemon-caches.js';

/** Most txids per daemon batch. */
const MAX_BATCH = 200;

interface Waiting {
  readonly call: RpcCall;
  resolve(hex: string): void;
  reject(err: unknown): void;
}

export class TxSource {
  private txindex = false;
  private readonly cache = new Map<string, string>();
  private cacheChars = 0;
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly daemon: Daemon,
    private readonly log: Logger,
    /** Cache bound, in characters of hex. */
    private readonly cacheLimit = 64 * 1024 * 1024,
  ) {}

  /** Asks the daemon whether it has a synced txindex (getindexinfo, Core 0.21+). */
  async detectTxindex(): Promise<boolean> {
    try {
      const info = await this.daemon.call<Record<string, { synced?: boolean }>>('getindexinfo', ['txindex']);
      this.txindex = info?.txindex?.synced === true;
    } catch (err) {
      if (!(err instanceof DaemonRpcError)) throw err;
      this.txindex = false;
    }
    this.log.info({ txindex: this.txindex }, this.txindex ? 'daemon has a txindex: transactions are fetched by txid' : "daemon has no txindex: transactions are fetched with their block hash from Anode's index");
    return this.txindex;
  }

  get usesTxindex(): boolean {
    return this.txindex;
  }

  /** The raw transaction as hex; daemon refusals become ElectrumX's code-2 errors. */
  async rawHex(served: Served, txid: Buffer): Promise<string> {
    const mem = served.mempool.get(txKeyOf(txid));
    if (mem) return mem.raw.toString('hex');
    const key = txid.toString('latin1');
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const params = await this.params(served, txid, false);
    const hex = await this.enqueue({ method: 'getrawtransaction', params });
    this.remember(key, hex);
    return hex;
  }

  /** bitcoind's verbose transaction object, passed through. */
  async verbose(served: Served, txid: Buffer): Promise<unknown> {
    const params = served.mempool.has(txKeyOf(txid)) ? [toDisplayHex(txid), 1] : await this.params(served, txid, true);
    try {
      return await this.daemon.call('getrawtransaction', params);
    } catch (err) {
      throw daemonError(err);
    }
  }

  private async params(served: Served, txid: Buffer, verbose: boolean): Promise<unknown[]> {
    const hex = toDisplayHex(txid);
    if (this.txindex) return [hex, verbose ? 1 : 0];
    const at = await served.view.reader.findTx(txid);
    if (!at) return [hex, verbose ? 1 : 0]; // the daemon answers "No such mempool or blockchain transaction"
    const header = await served.view.reader.getHeader(at.height);
    return header ? [hex, verbose ? 1 : 0, toDisplayHex(headerHash(header))] : [hex, verbose ? 1 : 0];
  }

  private enqueue(call: RpcCall): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ call, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.daemon.batchSettled<string>(batch.map((w) => w.call)).then(
        (results) => results.forEach((r, i) => (r.ok ? batch[i]!.resolve(r.result) : batch[i]!.reject(daemonError(r.error)))),
        (err) => batch.forEach((w) => w.reject(daemonError(err))),
      );
    }
  }

  private remember(key: string, hex: string): void {
    if (hex.length > this.cacheLimit / 8) return;
    this.cache.set(key, hex);
    this.cacheChars += hex.length;
    while (this.cacheChars > this.cacheLimit) {
      const [k, v] = this.cache.entries().next().value as [string, string];
      this.cache.delete(k);
      this.cacheChars -= v.length;
    }
  }
}
