// Everything about a script's Electrum status, in one place: which transactions count, in which
// order, with which heights, and how they are hashed.
//   confirmed: chain order (height, then position: tx_num order), "txid:height:"
//   mempool:   height 0 before -1 (-1 = spends an unconfirmed output), ties by txid in display
//              hex order (protocol 1.6; ElectrumX uses this order for every version)
//   status:    sha256 of the concatenation, hex; null without any transaction. Fees are not hashed.
// A long confirmed history is hashed once: the SHA-256 state after it is kept and extended with
// the entries of new blocks, so a new transaction costs one short read, not the whole history.
import { createHash, type Hash } from 'node:crypto';
import { toDisplayHex } from '../chain/hash.js';
import type { HistoryRun, IndexReader, ScriptKey } from '../index/types.js';
import { TextBuffer, statusText } from './history-text.js';
import type { Mempool } from '../mempool/mempool.js';
import type { MempoolTx } from '../mempool/tx.js';
import { ErrorCode, RpcError } from './errors.js';

/** History entries read per index call when walking a long history. */
export const HISTORY_PAGE = 131_072;
/** Confirmed histories at least this long keep their hash state between computations. */
const KEEP_STATE_FROM = 64;

export class HistoryTooLargeError extends RpcError {
  constructor() {
    super(ErrorCode.BAD_REQUEST, 'history too large');
  }
}

/** Display-hex order of two internal-order txids (compares from the last byte). */
export function compareDisplayOrder(a: Uint8Array, b: Uint8Array): number {
  for (let i = 31; i >= 0; i--) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** A script's mempool transactions in the protocol's order. Read synchronously with the view. */
export function mempoolPart(mempool: Mempool, script: ScriptKey): MempoolTx[] {
  const txs = mempool.txsOf(script);
  if (txs.length > 1) {
    const ids = new Map(txs.map((t) => [t, t.txid]));
    txs.sort((a, b) => b.height - a.height || compareDisplayOrder(ids.get(a)!, ids.get(b)!));
  }
  return txs;
}

/** Walks a script's confirmed history in runs, in chain order; throws HistoryTooLargeError past `limit`. */
export async function forEachHistoryRun(
  reader: IndexReader, scriptHash: Buffer, limit: number, fromTxNum: number, visit: (run: HistoryRun) => void,
): Promise<number> {
  let from = fromTxNum;
  let total = 0;
  for (;;) {
    // One more than allowed, so that a history exactly at the limit is not refused.
    const run = await reader.getHistoryRun(scriptHash, { limit: Math.min(HISTORY_PAGE, limit - total + 1), fromTxNum: from });
    total += run.count;
    if (total > limit) throw new HistoryTooLargeError();
    if (run.count > 0) visit(run);
    if (run.count < HISTORY_PAGE) return total;
    from = run.lastTxNum + 1;
  }
}

/** One confirmed entry as the status hashes it. */
export interface StatusEntry {
  readonly txid: Uint8Array;
  readonly height: number;
}

function entriesText(entries: readonly StatusEntry[]): string {
  let s = '';
  for (const e of entries) s += `${toDisplayHex(e.txid)}:${e.height}:`;
  return s;
}

/**
 * The confirmed part of a script's status, kept between computations while the chain only grows:
 * the text of a short history, or the SHA-256 state after a long one (a hash state costs ~750
 * bytes, more than the text of a few entries).
 */
/** Entries as packed latin1: the internal-order txid (32 characters), then the height (4, little-endian). */
const PACKED = 36;

function packEntry(txid: Uint8Array, off: number, height: number): string {
  return Buffer.from(txid.buffer, txid.byteOffset + off, 32).toString('latin1') + String.fromCharCode(height & 0xff, (height >>> 8) & 0xff, (height >>> 16) & 0xff, height >>> 24);
}

function packedHeight(p: string, at: number): number {
  return p.charCodeAt(at) | (p.charCodeAt(at + 1) << 8) | (p.charCodeAt(at + 2) << 16) | (p.charCodeAt(at + 3) << 24);
}

/** The status text ("txid:height:" each) of packed entries. */
function packedText(p: string): string {
  let s = '';
  for (let at = 0; at < p.length; at += PACKED) s += `${toDisplayHex(Buffer.from(p.slice(at, at + 32), 'latin1'))}:${packedHeight(p, at + 32)}:`;
  return s;
}

/** get_history's confirmed entries from packed entries, comma-terminated. */
export function historyJsonFromPacked(p: string): string {
  let out = '';
  for (let at = 0; at < p.length; at += PACKED) out += `{"tx_hash":"${toDisplayHex(Buffer.from(p.slice(at, at + 32), 'latin1'))}","height":${packedHeight(p, at + 32)}},`;
  return out;
}

/**
 * The confirmed part of a script's status, kept between computations while the chain only grows:
 * a short history's entries packed (36 bytes each), or the SHA-256 state after a long one (a hash
 * state costs ~750 bytes, more than a few entries).
 */
export class ConfirmedStatus {
  private packedPart: string | null = '';
  private hash: Hash | null = null;

  private constructor(
    /** Reorg epoch of the views it was read from; another epoch means read again. */
    readonly epoch: number,
    /** Every history entry below this tx number is included. */
    public txCount: number,
    public entries: number,
  ) {}

  /** Reads a script's whole confirmed history (in runs); HistoryTooLargeError past `limit`. */
  static async read(reader: IndexReader, scriptHash: Buffer, txCount: number, epoch: number, limit: number): Promise<ConfirmedStatus> {
    const c = new ConfirmedStatus(epoch, txCount, 0);
    await forEachHistoryRun(reader, scriptHash, limit, 0, (run) => c.appendRun(run));
    return c;
  }

  /** Reads the entries from its tx count up to a later view's; HistoryTooLargeError past `limit`. */
  async catchUp(reader: IndexReader, scriptHash: Buffer, txCount: number, limit: number): Promise<void> {
    if (txCount <= this.txCount) return;
    await forEachHistoryRun(reader, scriptHash, limit - this.entries, this.txCount, (run) => this.appendRun(run));
    this.txCount = txCount;
  }

  /** Adds the entries of a block whose transactions are tx numbers [firstTxNum, txCountAfter). */
  extend(entries: readonly StatusEntry[], firstTxNum: number, txCountAfter: number, limit: number): void {
    if (txCountAfter <= this.txCount) return; // already read from a view that had the block
    if (firstTxNum < this.txCount) throw new Error('ConfirmedStatus.extend: block overlaps what is already included');
    if (this.entries + entries.length > limit) throw new HistoryTooLargeError();
    if (entries.length === 0) return;
    if (this.packedPart !== null && this.entries + entries.length < KEEP_STATE_FROM) {
      for (const e of entries) this.packedPart += packEntry(e.txid, 0, e.height);
      this.entries += entries.length;
    } else {
      this.appendText(entriesText(entries), entries.length);
    }
  }

  private appendRun(run: HistoryRun): void {
    if (this.packedPart !== null && this.entries + run.count < KEEP_STATE_FROM) {
      for (let i = 0; i < run.count; i++) this.packedPart += packEntry(run.txids, i * 32, run.heights[i]!);
      this.entries += run.count;
      return;
    }
    const t = new TextBuffer(run.count * 76 + 16);
    statusText(t, run);
    this.appendText(t.view(), run.count);
  }

  /** Status text for a long history: from here on only the hash state is kept. */
  private appendText(more: string | Buffer, n: number): void {
    this.entries += n;
    if (this.hash === null) {
      this.hash = createHash('sha256').update(packedText(this.packedPart!));
      this.packedPart = null;
    }
    this.hash.update(more);
  }

  /** The confirmed entries packed (see historyJsonFromPacked) while the history is short enough to keep them. */
  get packed(): string | null {
    return this.packedPart;
  }

  /** The status with this mempool part (mempoolPart's order); null without any transaction. */
  status(mempoolTxs: readonly MempoolTx[]): string | null {
    if (this.entries === 0 && mempoolTxs.length === 0) return null;
    const h = this.hash !== null ? this.hash.copy() : createHash('sha256').update(packedText(this.packedPart!));
    if (mempoolTxs.length > 0) {
      let s = '';
      for (const tx of mempoolTxs) s += `${toDisplayHex(tx.txid)}:${tx.height}:`;
      h.update(s);
    }
    return h.digest('hex');
  }
}
