// The index writer: applies blocks into memory and commits them with flush() as ONE atomic RocksDB
// write batch that also carries the state record. UTXOs created and spent inside the unflushed
// window never reach the disk (ElectrumX's trick); other prevouts are resolved with one read batch
// per block. All unflushed rows live in fixed-size record arenas (see arena.ts).
import { performance } from 'node:perf_hooks';
import type RocksDB from 'rocksdb-native';
import { toDisplayHex } from '../chain/hash.js';
import type { CoinParams } from '../config/coins.js';
import type { Logger } from '../log.js';
import type { CommittedBlock, IndexCommit, IndexState, IndexWriter } from './types.js';
import { RecordArena, copyBytes } from './arena.js';
import { emitWindow } from './flush-batch.js';
import {
  HIST_REC, SPEND_REC, TX_REC, UTXO_REC, completeSpend, historyHas, pushHistory, pushSpendOf, pushTxRecord, pushUtxo, undoEntry,
  undoEntryOfRow, type PendingBlock, type Window,
} from './records.js';
import { OutpointTable } from './outpoint-table.js';
import { OUTPUT_LEN, PREVOUT_LEN, preparedPrevHash, type PreparedBlock } from './prepared-block.js';
import { PrevoutReads } from './prevout-reads.js';
import { TxidTail } from './txid-chunks.js';
import { addTouched, sortTouched } from './touched.js';
import { TxCounts } from './tx-counts.js';
import { encodeState } from './state.js';
import { applyUndo, buildUndo, lowestUndoHeight } from './undo.js';
import { HASHX_LEN, OUTPOINT_TXID_LEN, OUTPOINT_VALUE_LEN, STATE_KEY, T, heightKey, readUInt40BE } from './keys.js';

/** Transient JS objects per RocksDB row during flush (two Buffer views and an op object). */
const FLUSH_ROW_BYTES = 200;

export class Writer implements IndexWriter {
  private current: IndexState;
  private flushedState: IndexState;
  private utxos = new RecordArena(UTXO_REC);
  private spends = new RecordArena(SPEND_REC);
  private hist = new RecordArena(HIST_REC);
  private txs = new RecordArena(TX_REC);
  /** Unflushed unspent outputs, keyed by their outpoint bytes (record bytes 1..21). */
  private cache = new OutpointTable(this.utxos, 1);
  private blocks: PendingBlock[] = [];
  /** The window whose batch RocksDB is writing now (applyBlock may run meanwhile), and a spare. */
  private inflight: Window | null = null;
  private spare: Window | null = null;
  private undoBytes = 0;
  /** DB reads started by prefetch() for blocks not applied yet. */
  private readonly reads: PrevoutReads;
  private dbUndoFloor: number | null;
  private busy = false;
  private gate: Promise<void> | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly db: RocksDB,
    private readonly coin: CoinParams,
    state: IndexState,
    private readonly counts: TxCounts,
    private tail: TxidTail,
    undoFloor: number | null,
    private readonly log: Logger,
    /** Called after each successful flush or undo with what it made durable. */
    private readonly onCommit: (c: IndexCommit) => void,
    /** Whether anyone listens to commits: only then are txids and touched scripts collected. */
    private readonly observed: () => boolean = () => false,
  ) {
    this.current = state;
    this.flushedState = state;
    this.dbUndoFloor = undoFloor;
    this.reads = new PrevoutReads(db);
  }

  get state(): IndexState {
    return this.current;
  }

  get pendingBytes(): number {
    return this.windowBytes() + (this.inflight?.bytes ?? 0);
  }

  private windowBytes(): number {
    // No unflushed blocks: nothing pending (the arenas' retained chunks are spare capacity).
    if (this.blocks.length === 0) return 0;
    const rows = this.hist.count + this.txs.count + 2 * this.spends.count + 2 * this.cache.size + 2 * this.blocks.length;
    return (
      this.utxos.bytes + this.spends.bytes + this.hist.bytes + this.txs.bytes +
      this.cache.bytes + this.tail.bytes + this.blocks.length * 200 + this.undoBytes + rows * FLUSH_ROW_BYTES
    );
  }

  private enter(): void {
    if (this.failure) throw new Error(`index writer is unusable after an earlier failure (${this.failure.message}); reopen the index`);
    if (this.busy) throw new Error('index writer called concurrently: await each applyBlock/flush/undoBlock');
    this.busy = true;
  }

  /**
   * Starts reading the outputs `block` spends that are not in memory now, so that RocksDB looks
   * them up while the block before it is applied. Optional: applyBlock(block) uses the results if
   * they are for it and reads whatever is missing itself (see prevout-reads.ts).
   */
  prefetch(block: PreparedBlock): void {
    if (this.failure) return;
    this.reads.start(block, (key, off) => this.cache.has(key, off) || (this.inflight !== null && this.inflight.cache.has(key, off)));
  }

  async applyBlock(block: PreparedBlock, height: number, keepUndo: boolean): Promise<void> {
    if (this.gate) await this.gate;
    this.enter();
    try {
      const s = this.current;
      if (height !== s.height + 1) throw new Error(`applyBlock: height ${height} does not follow the index tip ${s.height}`);
      if (height === 0) {
        if (!block.hash.equals(s.genesisHash)) throw new Error(`applyBlock: block ${toDisplayHex(block.hash)} is not the genesis block of ${this.coin.coin} ${this.coin.network}`);
      } else if (!preparedPrevHash(block).equals(s.tipHash)) {
        throw new Error(`applyBlock: block ${toDisplayHex(block.hash)} at height ${height} does not build on the index tip ${toDisplayHex(s.tipHash)}`);
      }
      // From here on a failure leaves half-applied state in memory: poison the writer (nothing
      // reached the disk; reopening resumes from the last flush).
      try {
        await this.indexBlock(block, height, keepUndo);
      } catch (err) {
        this.failure = err as Error;
        throw err;
      }
    } finally {
      this.busy = false;
    }
  }

  private async indexBlock(block: PreparedBlock, height: number, keepUndo: boolean): Promise<void> {
    const { txCount, txids, inStart, prevouts, outStart, outputs } = block;
    const first = this.current.txCount;
    const hist = this.hist;
    const cache = this.cache;
    const blockHistStart = hist.count;
    const blockUtxoStart = this.utxos.count;
    const undoSpent: Buffer[] = [];
    // DB lookups, in tx order: spend record id, spending tx index.
    const lookupIds: number[] = [];
    const lookupTx: number[] = [];
    // Per tx, its history row range from pass 1 (only needed for txs with DB lookups).
    const p1Start = new Uint32Array(txCount);
    const p1End = new Uint32Array(txCount);
    // Txs with many inputs/outputs dedup their history rows through a Set (a scan would be quadratic).
    const bigTx = new Map<number, Set<string>>();
    if (this.coin.duplicateCoinbaseHeights.includes(height)) await this.retireDuplicateCoinbase(block, keepUndo ? undoSpent : null);
    const pre = await this.reads.take(block);

    for (let i = 0; i < txCount; i++) {
      const txNum = first + i;
      this.addTx(txids, i * 32, txNum);
      const start = hist.count;
      p1Start[i] = start;
      let seen: Set<string> | null = null;
      const inFrom = inStart[i]!;
      const inTo = inStart[i + 1]!;
      if (inTo - inFrom + outStart[i + 1]! - outStart[i]! > 8) bigTx.set(i, (seen = new Set()));
      for (let k = inFrom; k < inTo; k++) {
        const ko = k * PREVOUT_LEN;
        const rid = cache.take(prevouts, ko + 1);
        const fid = rid < 0 && this.inflight !== null ? this.inflight.cache.take(prevouts, ko + 1) : -1;
        if (rid >= 0) {
          const rb = this.utxos.buf(rid);
          const ro = this.utxos.off(rid);
          this.addHistory(start, hist.count, rb, ro + 26, txNum, seen);
          // Created in an earlier unflushed block: undo must put it back on disk.
          if (keepUndo && rid < blockUtxoStart) undoSpent.push(undoEntry(this.utxos, rid));
        } else if (fid >= 0) {
          const fl = this.inflight!;
          this.addHistory(start, hist.count, fl.utxos.buf(fid), fl.utxos.off(fid) + 26, txNum, seen);
          this.spendInflight(fid, keepUndo ? undoSpent : null);
        } else {
          const sid = this.spends.push();
          copyBytes(prevouts, ko, this.spends.buf(sid), this.spends.off(sid), 21);
          const v = pre !== null && pre.slot[k]! >= 0 ? pre.values[pre.slot[k]!]! : null;
          if (v !== null && v.length === OUTPOINT_VALUE_LEN) {
            this.addHistory(start, hist.count, v, 5, txNum, seen);
            this.spendDbRow(sid, v, keepUndo ? undoSpent : null);
          } else {
            lookupIds.push(sid);
            lookupTx.push(i);
          }
        }
      }
      // The genesis coinbase's output is not spendable (not in bitcoind's UTXO set either).
      if (!(height === 0 && i === 0)) {
        const to = outStart[i + 1]!;
        for (let k = outStart[i]!; k < to; k++) {
          const oo = k * OUTPUT_LEN;
          this.addHistory(start, hist.count, outputs, oo + 4, txNum, seen);
          const rid = pushUtxo(this.utxos, txids, i * 32, outputs, oo, txNum);
          cache.add(rid);
        }
      }
      p1End[i] = hist.count;
    }

    if (lookupIds.length > 0) {
      const rb = this.db.read({ capacity: lookupIds.length, autoDestroy: true });
      const pending: Promise<Buffer | null>[] = new Array(lookupIds.length);
      for (let k = 0; k < lookupIds.length; k++) pending[k] = rb.get(this.spends.view(lookupIds[k]!, 0, 21));
      rb.tryFlush();
      const values = await Promise.all(pending);
      let tailTx = -1;
      let tailStart = 0;
      for (let k = 0; k < values.length; k++) {
        const v = values[k]!;
        const sid = lookupIds[k]!;
        const sb = this.spends.buf(sid);
        const so = this.spends.off(sid);
        const i = lookupTx[k]!;
        if (v === null || v.length !== OUTPOINT_VALUE_LEN) {
          throw new Error(
            `applyBlock: height ${height} tx ${toDisplayHex(txids.subarray(i * 32, i * 32 + 32))} spends an output the index does not hold ` +
              `(prevout ${sb.toString('hex', so + 1, so + 1 + OUTPOINT_TXID_LEN)}…:${sb.readUInt32BE(so + 17)})`,
          );
        }
        if (i !== tailTx) {
          tailTx = i;
          tailStart = hist.count;
        }
        const txNum = first + i;
        const seen = bigTx.get(i);
        if (seen !== undefined) this.addHistory(0, 0, v, 5, txNum, seen);
        else if (!historyHas(hist, p1Start[i]!, p1End[i]!, v, 5) && !historyHas(hist, tailStart, hist.count, v, 5)) pushHistory(hist, v, 5, txNum);
        this.spendDbRow(sid, v, keepUndo ? undoSpent : null);
      }
    }

    const undo = keepUndo ? buildUndo(undoSpent, this.utxos, blockUtxoStart, this.hist, blockHistStart) : null;
    if (undo) this.undoBytes += undo.length;
    const txCountAfter = first + txCount;
    this.blocks.push({
      height, header: Buffer.from(block.header), hash: Buffer.from(block.hash), txCount: txCountAfter, firstTxNum: first, undo,
      histStart: blockHistStart, histEnd: hist.count, txids: this.observed() ? Buffer.from(block.txids) : null,
    });
    this.counts.push(txCountAfter);
    this.current = { ...this.current, height, tipHash: Buffer.from(block.hash), txCount: txCountAfter };
  }

  /**
   * BIP30's two exceptions (Bitcoin heights 91842 and 91880): a coinbase that repeats an earlier
   * coinbase's txid replaces that coinbase's unspent outputs, in bitcoind's UTXO set as here, so
   * the old ones can never be spent. They leave the UTXO tables like spent outputs, with no
   * history row (nothing spent them), and undo puts them back.
   */
  private async retireDuplicateCoinbase(block: PreparedBlock, undoSpent: Buffer[] | null): Promise<void> {
    const key = Buffer.allocUnsafe(PREVOUT_LEN);
    key[0] = T.outpoint;
    copyBytes(block.txids, 0, key, 1, OUTPOINT_TXID_LEN);
    for (let k = block.outStart[0]!; k < block.outStart[1]!; k++) {
      copyBytes(block.outputs, k * OUTPUT_LEN, key, 17, 4);
      const rid = this.cache.take(key, 1);
      if (rid >= 0) {
        // From an earlier block of this window: it never reaches the disk.
        if (undoSpent) undoSpent.push(undoEntry(this.utxos, rid));
        continue;
      }
      const fid = this.inflight !== null ? this.inflight.cache.take(key, 1) : -1;
      if (fid >= 0) {
        this.spendInflight(fid, undoSpent);
        continue;
      }
      const v = await this.db.get(key);
      if (v !== null && v.length === OUTPOINT_VALUE_LEN) {
        const sid = this.spends.push();
        copyBytes(key, 0, this.spends.buf(sid), this.spends.off(sid), PREVOUT_LEN);
        this.spendDbRow(sid, v, undoSpent);
      }
    }
  }

  /** Spends in-flight window record `fid`: it is on disk once that write lands, so delete it like a DB row. */
  private spendInflight(fid: number, undoSpent: Buffer[] | null): void {
    const fl = this.inflight!;
    pushSpendOf(this.spends, fl.utxos, fid);
    if (undoSpent) undoSpent.push(undoEntry(fl.utxos, fid));
  }

  /** Completes spend record `sid` (its o-key is set) from the outpoint row value `v` read from RocksDB. */
  private spendDbRow(sid: number, v: Buffer, undoSpent: Buffer[] | null): void {
    completeSpend(this.spends, sid, v);
    if (undoSpent !== null) undoSpent.push(undoEntryOfRow(this.spends, sid, v));
  }

  private addTx(txids: Buffer, at: number, txNum: number): void {
    pushTxRecord(this.txs, txids, at, txNum);
    this.tail.append(txids, at);
  }

  /** Adds history row (hashX at hx[off..], txNum) unless the tx already has it in [from, to). */
  private addHistory(from: number, to: number, hx: Buffer, off: number, txNum: number, seen: Set<string> | null): void {
    if (seen !== null) {
      const k = hx.toString('latin1', off, off + HASHX_LEN);
      if (seen.has(k)) return;
      seen.add(k);
      pushHistory(this.hist, hx, off, txNum);
    } else if (!historyHas(this.hist, from, to, hx, off)) {
      pushHistory(this.hist, hx, off, txNum);
    }
  }

  /**
   * Writes everything pending, with the state record, as one atomic batch; resolves once it is
   * durable. applyBlock() may be called while the returned promise is pending: RocksDB writes on
   * its own thread while the next blocks are applied (a second flush waits for the first).
   */
  async flush(): Promise<void> {
    this.enter();
    let done: Promise<void>;
    try {
      if (this.inflight) {
        // One write at a time; applyBlock calls meanwhile wait on this gate.
        const prev = this.inflight.done;
        this.gate = prev.then(() => undefined, () => undefined);
        try {
          await prev;
        } finally {
          this.gate = null;
        }
      }
      done = this.startCommit(); // synchronous build: the batch is fixed before flush() returns
    } finally {
      this.busy = false;
    }
    await done;
  }

  /** Waits for an in-flight flush (errors are reported to whoever awaited flush()). */
  async idle(): Promise<void> {
    if (this.inflight) await this.inflight.done.catch(() => undefined);
  }

  /** Builds the batch from the current window and starts writing it; no write may be in flight. */
  private startCommit(): Promise<void> {
    if (this.failure) throw new Error(`index writer is unusable after an earlier failure (${this.failure.message}); reopen the index`);
    if (this.blocks.length === 0) return Promise.resolve();
    const started = performance.now();
    const rows = this.hist.count + this.txs.count + 2 * this.spends.count + 2 * this.cache.size + 3 * this.blocks.length + this.tail.count / 64 + 4;
    const wb = this.db.write({ capacity: rows });
    const w = { blocks: this.blocks, tail: this.tail, txs: this.txs, hist: this.hist, spends: this.spends, utxos: this.utxos, cache: this.cache };
    const nextTail = emitWindow(wb, w, this.current.height - this.coin.reorgLimit);
    // Keep undo only for the reorg window below the new tip.
    const cutoff = this.current.height - this.coin.reorgLimit + 1;
    let pruned = false;
    if (this.dbUndoFloor !== null && this.dbUndoFloor < cutoff) {
      wb.tryDeleteRange(heightKey(T.undo, 0), heightKey(T.undo, cutoff));
      pruned = true;
    }
    const target = this.current;
    wb.tryPut(STATE_KEY, encodeState(target));
    const built = performance.now();

    // Hand this window to the write; the next blocks go into the spare one.
    const window: Window = {
      utxos: this.utxos, spends: this.spends, hist: this.hist, txs: this.txs, cache: this.cache, tail: this.tail, blocks: this.blocks,
      bytes: this.windowBytes(), done: Promise.resolve(),
    };
    const hadUndo = this.blocks.some((b) => b.undo !== null);
    if (this.spare) {
      ({ utxos: this.utxos, spends: this.spends, hist: this.hist, txs: this.txs, cache: this.cache } = this.spare);
      this.spare = null;
    } else {
      this.utxos = new RecordArena(UTXO_REC);
      this.spends = new RecordArena(SPEND_REC);
      this.hist = new RecordArena(HIST_REC);
      this.txs = new RecordArena(TX_REC);
      this.cache = new OutpointTable(this.utxos, 1);
    }
    this.tail = nextTail;
    this.blocks = [];
    this.undoBytes = 0;
    this.inflight = window;
    window.done = (async () => {
      try {
        await wb.flush();
      } catch (err) {
        // Not applied: the disk still holds the previous flush, memory is ahead of it.
        this.failure = err as Error;
        throw err;
      } finally {
        wb.destroy();
      }
      // The durable state moves in the same step as the write lands: a view opened in between would
      // pair the new rows with the old state.
      this.flushedState = target;
      this.onCommit({ state: target, connected: window.blocks.map((b) => committedBlock(b, window.hist)), disconnected: null });
      if (pruned || hadUndo) this.dbUndoFloor = await lowestUndoHeight(this.db);
      for (const a of [window.utxos, window.spends, window.hist, window.txs]) a.reset();
      window.cache.clear();
      this.spare = window;
      this.inflight = null;
      this.log.debug(
        { height: target.height, blocks: window.blocks.length, rows, buildMs: Math.round(built - started), writeMs: Math.round(performance.now() - built) },
        'index flushed',
      );
    })();
    window.done.catch(() => undefined);
    return window.done;
  }

  private async commit(): Promise<void> {
    if (this.inflight) await this.inflight.done;
    await this.startCommit();
  }

  async undoBlock(): Promise<void> {
    if (this.gate) await this.gate;
    this.enter();
    this.reads.clear();
    try {
      await this.commit();
      try {
        const s = this.current;
        // The state moves, and listeners hear of it, in the step the undo lands (see applyUndo).
        const next = await applyUndo(this.db, s, this.counts, (state, block) => {
          this.current = state;
          this.flushedState = state;
          this.onCommit({ state, connected: [], disconnected: block });
        });
        this.tail = await TxidTail.load(this.db, next.txCount);
        this.dbUndoFloor = await lowestUndoHeight(this.db);
        this.log.info({ height: s.height, tip: toDisplayHex(next.tipHash) }, 'index block undone');
      } catch (err) {
        if ((err as { code?: string }).code !== 'NO_UNDO') this.failure = err as Error;
        throw err;
      }
    } finally {
      this.busy = false;
    }
  }

  async undoFloor(): Promise<number | null> {
    const cutoff = this.current.height - this.coin.reorgLimit + 1;
    let floor: number | null = this.dbUndoFloor !== null && this.dbUndoFloor >= cutoff ? this.dbUndoFloor : null;
    if (this.dbUndoFloor !== null && this.dbUndoFloor < cutoff) floor = await lowestUndoHeight(this.db, cutoff);
    for (const b of [...(this.inflight?.blocks ?? []), ...this.blocks]) {
      if (b.undo && b.height >= cutoff && (floor === null || b.height < floor)) floor = b.height;
    }
    return floor;
  }

  /** The durable state (what readers see). */
  get flushed(): IndexState {
    return this.flushedState;
  }
}

/** A flushed block as commit listeners see it; its touched scripts come from its history records. */
function committedBlock(b: PendingBlock, hist: RecordArena): CommittedBlock {
  const { firstTxNum } = b;
  if (b.txids === null) return { height: b.height, hash: b.hash, header: b.header, firstTxNum, txids: null, touched: null };
  const txids: Buffer[] = [];
  for (let at = 0; at < b.txids.length; at += 32) txids.push(b.txids.subarray(at, at + 32));
  const touched = new Map<string, number[]>();
  for (let id = b.histStart; id < b.histEnd; id++) {
    const buf = hist.buf(id);
    const o = hist.off(id);
    addTouched(touched, buf.toString('latin1', o + 1, o + 1 + HASHX_LEN), readUInt40BE(buf, o + 1 + HASHX_LEN));
  }
  return { height: b.height, hash: b.hash, header: b.header, firstTxNum, txids, touched: sortTouched(touched) };
}
