// Read side of the index: everything the Electrum server and `anode query` ask. A reader reads one
// RocksDB handle (the live database, or a snapshot session for an IndexView) against the tx counts
// and state that belong to it; tx_num -> height comes from the in-memory counts.
import type RocksDB from 'rocksdb-native';
import type { Coin, HistoryEntry, HistoryRun, IndexReader, IndexState, Outpoint, TxLocation, Utxo } from './types.js';
import type { TxCountsView } from './tx-counts.js';
import { readTxidRange, readTxids, readTxidsInto } from './txid-chunks.js';
import {
  HASHX_LEN, OUTPOINT_VALUE_LEN, T, TXID_INDEX_LEN, TXNUM_LEN, hashXOf, heightKey, outpointKey, prefixEnd, prefixKey, readUInt40BE,
  readUInt64BE, writeUInt40BE,
} from './keys.js';

type IterOpts = { capacity?: number };

/** Rows read by a prefix scan's first iterator: most scripts have a few, and an iterator's buffer costs per row of capacity. */
const FIRST_SCAN = 32;
const NEXT_SCAN = 4096;

/**
 * Visits the rows in [gte, lt), up to `limit`, in key order: a small first iterator, larger ones
 * after it if the range goes on (rocksdb-native's iterator allocates its whole capacity up front).
 */
async function scan(db: RocksDB, gte: Buffer, lt: Buffer, limit: number, values: boolean, visit: (key: Buffer, value: Buffer) => void): Promise<void> {
  let from = gte;
  let exclusive = false;
  let left = limit;
  let cap = FIRST_SCAN;
  // The first iterator reads at most FIRST_SCAN rows; if the range goes on, one more reads the rest.
  while (left > 0) {
    const n = cap === FIRST_SCAN ? Math.min(cap, left) : left;
    let got = 0;
    let last: Buffer | null = null;
    const bounded = n === Infinity ? {} : { limit: n };
    const range = exclusive ? { gt: from, lt, values, ...bounded } : { gte: from, lt, values, ...bounded };
    for await (const e of db.iterator(range, { capacity: Math.min(cap, n) } as object)) {
      visit(e.key, e.value);
      last = e.key;
      got++;
    }
    if (got < n || last === null || cap !== FIRST_SCAN) return;
    left -= got;
    from = last;
    exclusive = true;
    cap = NEXT_SCAN;
  }
}

/** The script key (see ScriptKey in types.ts) of a scripthash given in internal byte order. */
export function scriptKeyOf(scriptHash: Buffer): string {
  return scriptHash.toString('latin1', 0, HASHX_LEN);
}

export class Reader implements IndexReader {
  constructor(
    private readonly db: RocksDB,
    private readonly counts: TxCountsView,
    private readonly state: () => IndexState,
  ) {}

  async tip(): Promise<{ height: number; hash: Buffer } | null> {
    const s = this.state();
    return s.height < 0 ? null : { height: s.height, hash: s.tipHash };
  }

  async getHeader(height: number): Promise<Buffer | null> {
    if (!Number.isInteger(height) || height < 0 || height > this.state().height) return null;
    return this.db.get(heightKey(T.header, height));
  }

  async getHeaders(start: number, count: number): Promise<Buffer[]> {
    const tip = this.state().height;
    if (!Number.isInteger(start) || start < 0 || count <= 0 || start > tip) return [];
    const end = Math.min(start + count, tip + 1);
    const out: Buffer[] = [];
    const opts: IterOpts = { capacity: Math.min(end - start, 4096) };
    for await (const e of this.db.iterator({ gte: heightKey(T.header, start), lt: heightKey(T.header, end) }, opts as object)) out.push(e.value);
    return out;
  }

  async getHistory(scriptHash: Buffer, opts: { limit?: number; fromTxNum?: number } = {}): Promise<HistoryEntry[]> {
    const run = await this.getHistoryRun(scriptHash, { limit: opts.limit ?? Infinity, fromTxNum: opts.fromTxNum });
    const out: HistoryEntry[] = new Array(run.count);
    for (let i = 0; i < run.count; i++) out[i] = { height: run.heights[i]!, txid: Buffer.from(run.txids.subarray(i * 32, i * 32 + 32)), txNum: run.txNums[i]! };
    return out;
  }

  async getHistoryRun(scriptHash: Buffer, opts: { limit: number; fromTxNum?: number }): Promise<HistoryRun> {
    const prefix = prefixKey(T.history, hashXOf(scriptHash));
    let gte = prefix;
    if (opts.fromTxNum !== undefined && opts.fromTxNum > 0) {
      gte = Buffer.allocUnsafe(prefix.length + TXNUM_LEN);
      prefix.copy(gte);
      writeUInt40BE(gte, opts.fromTxNum, prefix.length);
    }
    const txCount = this.state().txCount;
    const nums: number[] = [];
    await scan(this.db, gte, prefixEnd(prefix), opts.limit, false, (key) => {
      const txNum = readUInt40BE(key, 1 + HASHX_LEN);
      if (txNum < txCount) nums.push(txNum);
    });
    const txids = Buffer.allocUnsafe(nums.length * 32);
    const found = await readTxidsInto(this.db, nums, txids);
    const heights = new Int32Array(nums.length);
    // Tx numbers ascend: walk the heights forward instead of a binary search per entry.
    let h = nums.length > 0 ? this.counts.heightOf(nums[0]!) : 0;
    for (let i = 0; i < nums.length; i++) {
      while (h >= 0 && h < this.counts.length && this.counts.after(h) <= nums[i]!) h++;
      heights[i] = h < this.counts.length ? h : -1;
    }
    // Only a live reader racing an undo can see this; a view never does.
    if (found !== nums.length || heights.includes(-1)) throw new Error(`the index changed while ${prefix.toString('hex')}'s history was read`);
    return { count: nums.length, txids, heights, txNums: Float64Array.from(nums), lastTxNum: nums.length > 0 ? nums[nums.length - 1]! : -1 };
  }

  async getUtxos(scriptHash: Buffer): Promise<Utxo[]> {
    const prefix = prefixKey(T.scriptUtxo, hashXOf(scriptHash));
    const rows: Array<{ txNum: number; vout: number; value: number }> = [];
    await scan(this.db, prefix, prefixEnd(prefix), Infinity, true, (key, value) => {
      rows.push({ txNum: readUInt40BE(key, 12), vout: key.readUInt32BE(17), value: readUInt64BE(value, 0) });
    });
    const txids = await this.txids(rows.map((r) => r.txNum));
    const out: Utxo[] = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const height = this.counts.heightOf(r.txNum);
      const txid = txids[i];
      if (height < 0 || !txid) continue;
      out.push({ txid, vout: r.vout, height, value: r.value, txNum: r.txNum });
    }
    return out;
  }

  async getBalance(scriptHash: Buffer): Promise<number> {
    const prefix = prefixKey(T.scriptUtxo, hashXOf(scriptHash));
    let sum = 0;
    await scan(this.db, prefix, prefixEnd(prefix), Infinity, true, (_key, value) => {
      sum += readUInt64BE(value, 0);
    });
    return sum;
  }

  async getTxid(txNum: number): Promise<Buffer | null> {
    if (!Number.isInteger(txNum) || txNum < 0 || txNum >= this.state().txCount) return null;
    return (await readTxids(this.db, [txNum]))[0] ?? null;
  }

  async findTx(txid: Buffer): Promise<TxLocation | null> {
    const prefix = prefixKey(T.txidIndex, txid.subarray(0, TXID_INDEX_LEN));
    const candidates: number[] = [];
    for await (const e of this.db.iterator({ gte: prefix, lt: prefixEnd(prefix), values: false })) candidates.push(readUInt40BE(e.key, 1 + TXID_INDEX_LEN));
    if (candidates.length === 0) return null;
    const txids = await this.txids(candidates);
    for (let i = 0; i < candidates.length; i++) {
      if (!txids[i]?.equals(txid)) continue;
      const txNum = candidates[i]!;
      const height = this.counts.heightOf(txNum);
      if (height < 0 || txNum >= this.state().txCount) return null;
      return { txNum, height, position: txNum - this.counts.first(height) };
    }
    return null;
  }

  async getBlockTxids(height: number): Promise<Buffer[] | null> {
    if (!Number.isInteger(height) || height < 0 || height > this.state().height || height >= this.counts.length) return null;
    const first = this.counts.first(height);
    const end = this.counts.after(height);
    const out = await readTxidRange(this.db, first, end);
    return out.length === end - first ? out : null;
  }

  async getCoins(outpoints: readonly Outpoint[]): Promise<Array<Coin | null>> {
    if (outpoints.length === 0) return [];
    const rb = this.db.read({ capacity: outpoints.length, autoDestroy: true });
    const pending = outpoints.map((o) => rb.get(outpointKey(o.txid, o.vout)));
    rb.tryFlush();
    const values = await Promise.all(pending);
    const txCount = this.state().txCount;
    return values.map((v) => {
      if (v === null || v.length !== OUTPOINT_VALUE_LEN) return null;
      const txNum = readUInt40BE(v, 0);
      const height = this.counts.heightOf(txNum);
      if (height < 0 || txNum >= txCount) return null;
      return { scriptKey: v.toString('latin1', TXNUM_LEN, TXNUM_LEN + HASHX_LEN), value: readUInt64BE(v, TXNUM_LEN + HASHX_LEN), txNum, height };
    });
  }

  /** Txids of many tx_nums with one read batch (null where missing). */
  private txids(txNums: readonly number[]): Promise<Array<Buffer | null>> {
    return readTxids(this.db, txNums);
  }
}
