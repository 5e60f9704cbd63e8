// Layouts of the writer's unflushed records, and the window that holds them until RocksDB has
// written them. Keys and values of RocksDB rows are byte ranges of these records.
import type { RecordArena } from './arena.js';
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
  readonly txCount: number;
  readonly undo: Buffer | null;
}

