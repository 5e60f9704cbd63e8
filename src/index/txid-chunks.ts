// tx_num -> txid, stored as chunks of 64 consecutive txids per row ('X' + chunk number(5)): a
// 64th of the rows a per-tx table would write (each RocksDB op costs ~2 us here), while a lookup
// still reads only 2 KB. The writer keeps the last, partial chunk in memory and rewrites it at
// each flush; undo truncates it.
import type RocksDB from 'rocksdb-native';
import type { WriteBatch } from 'rocksdb-native';
import { T, TXNUM_LEN, writeUInt40BE } from './keys.js';

export const TXIDS_PER_CHUNK = 64;

export function chunkOf(txNum: number): number {
  return Math.floor(txNum / TXIDS_PER_CHUNK);
}

export function chunkKey(chunk: number): Buffer {
  const k = Buffer.allocUnsafe(1 + TXNUM_LEN);
  k[0] = T.txid;
  writeUInt40BE(k, chunk, 1);
  return k;
}

/** The txids of one flush window, starting at a chunk boundary (the partial chunk carried over). */
export class TxidTail {
  private buf: Buffer;
  /** Txids held, from `base`. */
  count: number;

  constructor(readonly base: number, initial: Buffer) {
    this.buf = Buffer.allocUnsafe(Math.max(TXIDS_PER_CHUNK * 32 * 16, initial.length * 2));
    initial.copy(this.buf);
    this.count = initial.length / 32;
  }

  /** The tail of an index with `txCount` transactions, read from disk. */
  static async load(db: RocksDB, txCount: number): Promise<TxidTail> {
    const base = chunkOf(txCount) * TXIDS_PER_CHUNK;
    if (base === txCount) return new TxidTail(base, Buffer.alloc(0));
    const v = await db.get(chunkKey(chunkOf(txCount)));
    if (!v || v.length < (txCount - base) * 32) throw new Error(`index is corrupt: txid chunk ${chunkOf(txCount)} is missing or short`);
    return new TxidTail(base, v.subarray(0, (txCount - base) * 32));
  }

  append(txids: Uint8Array, from = 0): void {
    const at = this.count * 32;
    if (at + 32 > this.buf.length) {
      const next = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    for (let i = 0; i < 32; i++) this.buf[at + i] = txids[from + i]!;
    this.count++;
  }

  /** Puts every chunk this window touches; returns the tail the next window starts from. */
  emit(wb: WriteBatch): TxidTail {
    let i = 0;
    for (; i < this.count; i += TXIDS_PER_CHUNK) {
      const n = Math.min(TXIDS_PER_CHUNK, this.count - i);
      wb.tryPut(chunkKey(chunkOf(this.base + i)), this.buf.subarray(i * 32, (i + n) * 32));
    }
    const full = Math.floor(this.count / TXIDS_PER_CHUNK) * TXIDS_PER_CHUNK;
    // A fresh buffer: the batch still holds views into this one until RocksDB has written it.
    return new TxidTail(this.base + full, this.buf.subarray(full * 32, this.count * 32));
  }

  get bytes(): number {
    return this.buf.length;
  }
}

/** Txids of many tx_nums with one read batch of their chunks (null where missing). */
export async function readTxids(db: RocksDB, txNums: readonly number[]): Promise<Array<Buffer | null>> {
  if (txNums.length === 0) return [];
  const chunks = new Map<number, Promise<Buffer | null>>();
  const rb = db.read({ capacity: Math.min(txNums.length, 1024), autoDestroy: true });
  for (const n of txNums) {
    const c = chunkOf(n);
    if (!chunks.has(c)) chunks.set(c, rb.get(chunkKey(c)));
  }
  rb.tryFlush();
  const out: Array<Buffer | null> = new Array(txNums.length);
  for (let i = 0; i < txNums.length; i++) {
    const v = await chunks.get(chunkOf(txNums[i]!))!;
    const at = (txNums[i]! % TXIDS_PER_CHUNK) * 32;
    out[i] = v && v.length >= at + 32 ? v.subarray(at, at + 32) : null;
  }
  return out;
}

/**
 * Txids of ascending tx_nums copied into `out` (32 bytes each, in order), with one read batch of
 * their distinct chunks; returns how many were found.
 */
export async function readTxidsInto(db: RocksDB, txNums: readonly number[], out: Buffer): Promise<number> {
  if (txNums.length === 0) return 0;
  const chunks: number[] = [];
  for (const n of txNums) {
    const c = chunkOf(n);
    if (chunks[chunks.length - 1] !== c) chunks.push(c);
  }
  const rb = db.read({ capacity: Math.min(chunks.length, 4096), autoDestroy: true });
  const pending = chunks.map((c) => rb.get(chunkKey(c)));
  rb.tryFlush();
  const values = await Promise.all(pending);
  let found = 0;
  let ci = 0;
  for (let i = 0; i < txNums.length; i++) {
    const n = txNums[i]!;
    while (chunks[ci] !== chunkOf(n)) ci++;
    const v = values[ci];
    const at = (n % TXIDS_PER_CHUNK) * 32;
    if (!v || v.length < at + 32) continue;
    v.copy(out, i * 32, at, at + 32);
    found++;
  }
  return found;
}

/** Txids of tx_nums [first, end), in order; shorter if the rows are not there. */
export async function readTxidRange(db: RocksDB, first: number, end: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  if (end <= first) return out;
  const c0 = chunkOf(first);
  const c1 = chunkOf(end - 1);
  const opts = { capacity: Math.min(c1 - c0 + 1, 1024) };
  for await (const e of db.iterator({ gte: chunkKey(c0), lt: chunkKey(c1 + 1) }, opts as object)) {
    const base = readChunkNo(e.key) * TXIDS_PER_CHUNK;
    for (let i = 0; i * 32 < e.value.length; i++) {
      const n = base + i;
      if (n >= first && n < end) out.push(e.value.subarray(i * 32, i * 32 + 32));
    }
  }
  return out;
}

function readChunkNo(key: Buffer): number {
  return key[1]! * 0x100000000 + key.readUInt32BE(2);
}
