// Key layout of the index. Every table lives in RocksDB's default column family under a one-byte
// prefix, so that one WriteBatch covers all of them (see docs/index-design.md for why not CFs).
// All integers in keys are big-endian so that byte order = numeric order = chain order.

export const FORMAT_VERSION = 1;

/** Table prefixes. */
export const T = {
  /** 'S' -> state record (JSON). */
  state: 0x53,
  /** 'H' + height(4) -> 80-byte header. */
  header: 0x48,
  /** 'N' + height(4) -> txCount after the block (8 bytes BE): tx_num -> height by binary search. */
  txCount: 0x4e,
  /** 'X' + chunk(5) -> up to 64 txids (32 each) of tx_nums chunk*64.. (see txid-chunks.ts). */
  txid: 0x58,
  /** 'T' + txid[0:8] + txNum(5) -> empty: txid -> tx_num candidates, verified against 'X'. */
  txidIndex: 0x54,
  /** 'h' + hashX(11) + txNum(5) -> empty: one row per (script, tx). */
  history: 0x68,
  /** 'o' + txid[0:16] + vout(4) -> txNum(5) + hashX(11) + value(8): resolves spends. */
  outpoint: 0x6f,
  /** 'u' + hashX(11) + txNum(5) + vout(4) -> value(8): listunspent / balance. */
  scriptUtxo: 0x75,
  /** 'd' + height(4) -> undo record of that block. */
  undo: 0x64,
} as const;

export const HASHX_LEN = 11;
export const TXNUM_LEN = 5;
export const OUTPOINT_TXID_LEN = 16;
export const TXID_INDEX_LEN = 8;

/** Lengths of the composite keys and values (prefix byte included in keys). */
export const HISTORY_KEY_LEN = 1 + HASHX_LEN + TXNUM_LEN; // 17
export const OUTPOINT_KEY_LEN = 1 + OUTPOINT_TXID_LEN + 4; // 21
export const OUTPOINT_VALUE_LEN = TXNUM_LEN + HASHX_LEN + 8; // 24
export const SCRIPT_UTXO_KEY_LEN = 1 + HASHX_LEN + TXNUM_LEN + 4; // 21
export const TXID_INDEX_KEY_LEN = 1 + TXID_INDEX_LEN + TXNUM_LEN; // 14

export const STATE_KEY = Buffer.from([T.state]);
export const EMPTY = Buffer.alloc(0);

export function writeUInt40BE(buf: Buffer, v: number, off: number): void {
  const hi = Math.floor(v / 0x100000000);
  buf[off] = hi & 0xff;
  buf.writeUInt32BE(v >>> 0, off + 1);
}

export function readUInt40BE(buf: Buffer, off: number): number {
  return buf[off]! * 0x100000000 + buf.readUInt32BE(off + 1);
}

export function writeUInt64BE(buf: Buffer, v: number, off: number): void {
  buf.writeUInt32BE(Math.floor(v / 0x100000000), off);
  buf.writeUInt32BE(v >>> 0, off + 4);
}

export function readUInt64BE(buf: Buffer, off: number): number {
  return buf.readUInt32BE(off) * 0x100000000 + buf.readUInt32BE(off + 4);
}

export function heightKey(table: number, height: number): Buffer {
  const k = Buffer.allocUnsafe(5);
  k[0] = table;
  k.writeUInt32BE(height, 1);
  return k;
}

export function txNumKey(table: number, txNum: number): Buffer {
  const k = Buffer.allocUnsafe(1 + TXNUM_LEN);
  k[0] = table;
  writeUInt40BE(k, txNum, 1);
  return k;
}

/** A key made of the table byte and a prefix, for range scans. */
export function prefixKey(table: number, prefix: Uint8Array): Buffer {
  const k = Buffer.allocUnsafe(1 + prefix.length);
  k[0] = table;
  k.set(prefix, 1);
  return k;
}

/** The smallest key greater than every key starting with `prefix` (prefix is never all 0xff here). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! !== 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  throw new RangeError('no key follows an all-0xff prefix');
}

export function tableRange(table: number): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.from([table]), lt: Buffer.from([table + 1]) };
}

/** Builds the outpoint key 'o' + txid[0:16] + vout into `out` at `off`. */
export function writeOutpointKey(out: Buffer, off: number, txid: Buffer, vout: number): void {
  out[off] = T.outpoint;
  txid.copy(out, off + 1, 0, OUTPOINT_TXID_LEN);
  out.writeUInt32BE(vout, off + 1 + OUTPOINT_TXID_LEN);
}

export function outpointKey(txid: Buffer, vout: number): Buffer {
  const k = Buffer.allocUnsafe(OUTPOINT_KEY_LEN);
  writeOutpointKey(k, 0, txid, vout);
  return k;
}

export function hashXOf(scriptHash: Buffer): Buffer {
  return scriptHash.subarray(0, HASHX_LEN);
}
