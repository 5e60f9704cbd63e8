// What the mempool needs from the daemon, as a small interface: tests and (later) the ZMQ
// sequence stream can feed the mempool without a bitcoind behind it.
import { DaemonRpcError, RpcCode, type Daemon } from '../daemon/types.js';

export interface MempoolSource {
  /**
   * The daemon's best block and its mempool's txids (display hex), read in one request, with the
   * mempool sequence number of that listing (ZMQ sequence events after it are newer).
   */
  snapshot(): Promise<{ readonly bestHash: string; readonly txids: readonly string[]; readonly sequence: number | null }>;
  /** Raw transactions by txid (display hex); null where the daemon no longer has one. */
  rawTransactions(txids: readonly string[]): Promise<Array<Buffer | null>>;
  /** How many transactions the daemon's mempool holds (a cheap check that we are in step). */
  size(): Promise<number>;
}

/** Transactions per getrawtransaction batch: big enough to amortise HTTP, small enough to interleave. */
const RAW_BATCH = 500;

export class DaemonMempoolSource implements MempoolSource {
  constructor(private readonly daemon: Daemon) {}

  async snapshot(): Promise<{ bestHash: string; txids: string[]; sequence: number | null }> {
    const [bestHash, pool] = await this.daemon.batchSettled<unknown>([
      { method: 'getbestblockhash' },
      { method: 'getrawmempool', params: [false, true] },
    ]);
    if (!bestHash!.ok) throw bestHash!.error;
    if (!pool!.ok) throw pool!.error;
    const r = pool!.result as { txids: string[]; mempool_sequence: number } | string[];
    // Daemons before Core 21 have no mempool_sequence: a plain list.
    if (Array.isArray(r)) return { bestHash: bestHash!.result as string, txids: r, sequence: null };
    return { bestHash: bestHash!.result as string, txids: r.txids, sequence: r.mempool_sequence };
  }

  async size(): Promise<number> {
    return (await this.daemon.getMempoolInfo()).size;
  }

  async rawTransactions(txids: readonly string[]): Promise<Array<Buffer | null>> {
    const out: Array<Buffer | null> = [];
    for (let at = 0; at < txids.length; at += RAW_BATCH) {
      const calls = txids.slice(at, at + RAW_BATCH).map((t) => ({ method: 'getrawtransaction', params: [t, 0] }));
      for (const r of await this.daemon.batchSettled<string>(calls)) {
        if (r.ok) out.push(Buffer.from(r.result, 'hex'));
        else if (r.error instanceof DaemonRpcError && r.error.code === RpcCode.INVALID_ADDRESS_OR_KEY) out.push(null);
        else throw r.error;
      }
    }
    return out;
  }
}
