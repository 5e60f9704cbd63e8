// Layouts of the writer's unflushed records, and the window that holds them until RocksDB has
// written them. Keys and values of RocksDB rows are byte ranges of these records.
import { copyBytes, type RecordArena } from './arena.js';
import { HASHX_LEN, OUTPOINT_TXID_LEN, T, TXID_INDEX_LEN } from './keys.js';
import type { OutpointTable } from './outpoint-table.js';
import type { TxidTail } from './txid-chunks.js';

export function putUInt40(out: Buffer, off: number, v: number): void {
  const hi = Math.floor(v / 0x100000000);
  out[off] = hi & 0xff;
  out[off + 1] = (v >>> 24) & 0xff;
  out[off + 2] = (v >>> 16) & 0xff;
  out[off + 3] = (v >>> 8) & 0xff;
  out[off + 4] = v & 0xff;
}

// Record layouts (offsets in bytes).
// utxo (74): o-key [0,21) | o-value [21,45) = txNum5 hashX11 value8 | u-key [45,66) | u-value [66,74)
export const UTXO_REC = 74;
// spend (42): o-key [0,21) | u-key [21,42)   (a DB-resident UTXO spent in the window)
export const SPEND_REC = 42;
// history (17): 'h' hashX11 txNum5
export const HIST_REC = 17;
// tx (14): T-key 'T' txid[0:8] txNum5   (the txid itself goes to the TxidTail chunks)
export const TX_REC = 14;

/** The rows of one flush window; kept alive until RocksDB has written its batch. */
export interface Window {
  readonly utxos: RecordArena;
  readonly spends: RecordArena;
  readonly hist: RecordArena;
  readonly txs: RecordArena;
  readonly cache: OutpointTable;
  readonly tail: TxidTail;
  readonly blocks: PendingBlock[];
  readonly bytes: number;
  done: Promise<void>;
}

export interface PendingBlock {
  readonly height: number;
  readonly header: Buffer;
  /** Internal byte order. */
  readonly hash: Buffer;
  readonly txCount: number;
  /** Tx number of its first transaction. */
  readonly firstTxNum: number;
  readonly undo: Buffer | null;
  /** The block's history records in the window's history arena: [histStart, histEnd). */
  readonly histStart: number;
  readonly histEnd: number;
  /** Its txids (txCount x 32), kept only while someone listens to commits. */
  readonly txids: Buffer | null;
}

/** Adds a record `table | src[off, off+len) | txNum(5)`: the shape of txid-index and history keys. */
function pushHashTxNum(arena: RecordArena, table: number, src: Buffer, off: number, len: number, txNum: number): void {
  const id = arena.push();
  const b = arena.buf(id);
  const o = arena.off(id);
  b[o] = table;
  copyBytes(src, off, b, o + 1, len);
  putUInt40(b, o + 1 + len, txNum);
}

/** Adds the txid-index record of tx `txNum` (txid at txids[at..]). */
export function pushTxRecord(txs: RecordArena, txids: Buffer, at: number, txNum: number): void {
  pushHashTxNum(txs, T.txidIndex, txids, at, TXID_INDEX_LEN, txNum);
}

/** Adds the history record (hashX at hx[off..], txNum). */
export function pushHistory(hist: RecordArena, hx: Buffer, off: number, txNum: number): void {
  pushHashTxNum(hist, T.history, hx, off, HASHX_LEN, txNum);
}

/** Whether history records [from, to) hold the hashX at hx[off..]. */
export function historyHas(hist: RecordArena, from: number, to: number, hx: Buffer, off: number): boolean {
  for (let id = from; id < to; id++) {
    const b = hist.buf(id);
    const o = hist.off(id) + 1;
    let k = 0;
    while (k < HASHX_LEN && b[o + k] === hx[off + k]) k++;
    if (k === HASHX_LEN) return true;
  }
  return false;
}

/**
 * Adds the UTXO record of output `outputs[oo..]` (vout4 hashX11 value8, as prepared) of the tx
 * whose txid is at txids[txAt..] and number is `txNum`; returns its record id.
 */
export function pushUtxo(utxos: RecordArena, txids: Buffer, txAt: number, outputs: Buffer, oo: number, txNum: number): number {
  const rid = utxos.push();
  const b = utxos.buf(rid);
  const o = utxos.off(rid);
  b[o] = T.outpoint;
  copyBytes(txids, txAt, b, o + 1, OUTPOINT_TXID_LEN);
  copyBytes(outputs, oo, b, o + 17, 4); // vout
  putUInt40(b, o + 21, txNum);
  copyBytes(outputs, oo + 4, b, o + 26, HASHX_LEN + 8); // hashX, value
  b[o + 45] = T.scriptUtxo;
  copyBytes(outputs, oo + 4, b, o + 46, HASHX_LEN);
  copyBytes(b, o + 21, b, o + 57, 5);
  copyBytes(outputs, oo, b, o + 62, 4);
  copyBytes(outputs, oo + 15, b, o + 66, 8);
  return rid;
}

/** Adds a spend record for UTXO record `id` of another window (both its keys). */
export function pushSpendOf(spends: RecordArena, utxos: RecordArena, id: number): void {
  const rb = utxos.buf(id);
  const ro = utxos.off(id);
  const sid = spends.push();
  const sb = spends.buf(sid);
  const so = spends.off(sid);
  copyBytes(rb, ro, sb, so, 21);
  copyBytes(rb, ro + 45, sb, so + 21, 21);
}

/** Completes spend record `sid`, whose o-key is set, with the u-key made from outpoint row value `v`. */
export function completeSpend(spends: RecordArena, sid: number, v: Buffer): void {
  const sb = spends.buf(sid);
  const so = spends.off(sid);
  sb[so + 21] = T.scriptUtxo;
  copyBytes(v, 5, sb, so + 22, HASHX_LEN);
  copyBytes(v, 0, sb, so + 33, 5);
  copyBytes(sb, so + 17, sb, so + 38, 4);
}

/** What undo needs to put an unspent output back: its outpoint key (no prefix) and value, from UTXO record `id`. */
export function undoEntry(utxos: RecordArena, id: number): Buffer {
  const o = utxos.off(id);
  return Buffer.from(utxos.buf(id).subarray(o + 1, o + 45));
}

/** The same for the output of spend record `sid` whose outpoint row value `v` was read from RocksDB. */
export function undoEntryOfRow(spends: RecordArena, sid: number, v: Buffer): Buffer {
  const u = Buffer.allocUnsafe(44);
  spends.buf(sid).copy(u, 0, spends.off(sid) + 1, spends.off(sid) + 21);
  v.copy(u, 20);
  return u;
}
