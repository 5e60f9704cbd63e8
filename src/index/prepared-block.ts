// The writer's input: a block reduced to what the index needs, as flat byte arrays in one
// ArrayBuffer instead of an object per transaction, input and output. Preparing (parsing, txids,
// script hashes) is most of the CPU of indexing a block and needs nothing from the index, so sync
// runs it on worker threads (sync/prepare-pool.ts) and hands the buffer over without a copy; the
// writer's thread is left with the lookups and the records, and with no per-tx garbage to collect.
import { hash } from 'node:crypto';
import { HEADER_SIZE } from '../chain/header.js';
import { unspendable } from '../chain/scripthash.js';
import { ONE_BLOCK_MAX, sha256Into } from '../chain/sha256-into.js';
import { HASHX_LEN, OUTPOINT_KEY_LEN, OUTPOINT_TXID_LEN, T } from './keys.js';

/** Per input: the outpoint key of what it spends, 'o' + prevTxid[0:16] + vout (BE). */
export const PREVOUT_LEN = OUTPOINT_KEY_LEN;
/** Per spendable output: vout (BE, 4) + hashX (11) + value (BE, 8). */
export const OUTPUT_LEN = 4 + HASHX_LEN + 8;

/** Sizes that, with the buffer, rebuild a PreparedBlock (what crosses the thread boundary). */
export interface PreparedDims {
  readonly txCount: number;
  readonly inputCount: number;
  readonly outputCount: number;
  /** Bytes of the serialized block. */
  readonly size: number;
}

export interface PreparedBlock extends PreparedDims {
  readonly buffer: ArrayBuffer;
  /** The 80-byte header. */
  readonly header: Buffer;
  /** Block hash, internal byte order. */
  readonly hash: Buffer;
  /** txCount x 32: txids in internal byte order. */
  readonly txids: Buffer;
  /** txCount + 1: tx i's inputs are [inStart[i], inStart[i+1]). A coinbase has none. */
  readonly inStart: Uint32Array;
  /** inputCount x PREVOUT_LEN. */
  readonly prevouts: Buffer;
  /** txCount + 1: tx i's spendable outputs are [outStart[i], outStart[i+1]). */
  readonly outStart: Uint32Array;
  /** outputCount x OUTPUT_LEN. Unspendable outputs (OP_RETURN, oversized) are left out. */
  readonly outputs: Buffer;
}

/** Byte offsets of the sections inside the buffer; the two Uint32Arrays come first (aligned). */
function layout(d: PreparedDims) {
  const inStart = 0;
  const outStart = inStart + (d.txCount + 1) * 4;
  const header = outStart + (d.txCount + 1) * 4;
  const blockHash = header + HEADER_SIZE;
  const txids = blockHash + 32;
  const prevouts = txids + d.txCount * 32;
  const outputs = prevouts + d.inputCount * PREVOUT_LEN;
  const end = outputs + d.outputCount * OUTPUT_LEN;
  return { inStart, outStart, header, blockHash, txids, prevouts, outputs, end };
}

/** Views a prepared buffer (e.g. one received from a worker). */
export function viewPrepared(buffer: ArrayBuffer, d: PreparedDims): PreparedBlock {
  const at = layout(d);
  if (buffer.byteLength !== at.end) throw new RangeError(`prepared block buffer is ${buffer.byteLength} bytes, expected ${at.end}`);
  return {
    txCount: d.txCount,
    inputCount: d.inputCount,
    outputCount: d.outputCount,
    size: d.size,
    buffer,
    inStart: new Uint32Array(buffer, at.inStart, d.txCount + 1),
    outStart: new Uint32Array(buffer, at.outStart, d.txCount + 1),
    header: Buffer.from(buffer, at.header, HEADER_SIZE),
    hash: Buffer.from(buffer, at.blockHash, 32),
    txids: Buffer.from(buffer, at.txids, d.txCount * 32),
    prevouts: Buffer.from(buffer, at.prevouts, d.inputCount * PREVOUT_LEN),
    outputs: Buffer.from(buffer, at.outputs, d.outputCount * OUTPUT_LEN),
  };
}

/** Growable byte scratch, reused from block to block. */
class Scratch {
  buf = Buffer.allocUnsafe(1 << 16);
  pos = 0;
  reserve(n: number): number {
    if (this.pos + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
}

const scratch = { txids: new Scratch(), prevouts: new Scratch(), outputs: new Scratch(), stripped: new Scratch() };
let inStarts = new Uint32Array(4096);
let outStarts = new Uint32Array(4096);

/** A bounds-checked reader over the serialized block. */
class Cursor {
  p: number;
  constructor(readonly b: Buffer, start: number) {
    this.p = start;
  }
  need(n: number): void {
    if (this.p + n > this.b.length) throw new RangeError(`block truncated at byte ${this.p} (needs ${n} more)`);
  }
  skip(n: number): void {
    this.need(n);
    this.p += n;
  }
  varint(): number {
    this.need(1);
    const b = this.b;
    const first = b[this.p++]!;
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      this.need(2);
      const v = b[this.p]! | (b[this.p + 1]! << 8);
      this.p += 2;
      return v;
    }
    if (first === 0xfe) {
      this.need(4);
      const v = b.readUInt32LE(this.p);
      this.p += 4;
      return v;
    }
    this.need(8);
    const lo = b.readUInt32LE(this.p);
    const hi = b.readUInt32LE(this.p + 4);
    this.p += 8;
    if (hi > 0x1fffff) throw new RangeError('varint beyond 2^53');
    return hi * 0x100000000 + lo;
  }
}

/** out[at..at+32) = SHA-256d(data): node:crypto for the long first round, the 32-byte second in JS. */
function sha256dInto(data: Uint8Array, out: Uint8Array, at: number): void {
  sha256Into(hash('sha256', data, 'buffer') as unknown as Buffer, 0, 32, out, at);
}

const scriptDigest = new Uint8Array(32);

function growStarts(n: number): void {
  if (inStarts.length < n + 1) {
    inStarts = new Uint32Array(2 * (n + 1));
    outStarts = new Uint32Array(2 * (n + 1));
  }
}

/**
 * Parses a serialized block into its prepared form: txids, the outpoint of every input (the
 * coinbase's excepted) and every spendable output's vout, hashX and value. Throws RangeError on
 * a malformed block.
 */
export function prepareBlock(raw: Buffer): PreparedBlock {
  if (raw.length < HEADER_SIZE + 1) throw new RangeError(`block of ${raw.length} bytes is shorter than a header`);
  const c = new Cursor(raw, HEADER_SIZE);
  const n = c.varint();
  if (n === 0 || n > (raw.length - c.p) / 60 + 1) throw new RangeError(`implausible transaction count ${n}`);
  growStarts(n);
  const { txids, prevouts, outputs, stripped } = scratch;
  txids.pos = prevouts.pos = outputs.pos = 0;
  let nIn = 0;
  let nOut = 0;
  for (let i = 0; i < n; i++) {
    const start = c.p;
    c.skip(4);
    let segwit = false;
    if (raw[c.p] === 0x00 && raw[c.p + 1] === 0x01) {
      segwit = true;
      c.skip(2);
    }
    const bodyStart = c.p;
    const txIns = c.varint();
    if (txIns > (raw.length - c.p) / 41 + 1) throw new RangeError(`implausible input count ${txIns}`);
    inStarts[i] = nIn;
    const coinbase = i === 0 && txIns === 1 && isNullPrevout(raw, c.p);
    for (let k = 0; k < txIns; k++) {
      c.need(36);
      if (!coinbase) {
        const at = prevouts.reserve(PREVOUT_LEN);
        const pb = prevouts.buf;
        pb[at] = T.outpoint;
        raw.copy(pb, at + 1, c.p, c.p + OUTPOINT_TXID_LEN);
        // vout: little-endian on the wire, big-endian in keys (so outputs sort in order).
        pb[at + 17] = raw[c.p + 35]!;
        pb[at + 18] = raw[c.p + 34]!;
        pb[at + 19] = raw[c.p + 33]!;
        pb[at + 20] = raw[c.p + 32]!;
        nIn++;
      }
      c.p += 36;
      c.skip(c.varint()); // scriptSig
      c.skip(4); // sequence
    }
    const txOuts = c.varint();
    if (txOuts > (raw.length - c.p) / 9 + 1) throw new RangeError(`implausible output count ${txOuts}`);
    outStarts[i] = nOut;
    for (let vout = 0; vout < txOuts; vout++) {
      c.need(8);
      const valueAt = c.p;
      c.p += 8;
      const len = c.varint();
      c.need(len);
      const script = c.p;
      c.p += len;
      if (unspendable(len === 0 ? -1 : raw[script]!, len)) continue;
      const at = outputs.reserve(OUTPUT_LEN);
      const ob = outputs.buf;
      ob.writeUInt32BE(vout, at);
      if (len <= ONE_BLOCK_MAX) {
        sha256Into(raw, script, len, scriptDigest, 0);
        for (let k = 0; k < HASHX_LEN; k++) ob[at + 4 + k] = scriptDigest[k]!;
      } else {
        (hash('sha256', raw.subarray(script, script + len), 'buffer') as unknown as Buffer).copy(ob, at + 4, 0, HASHX_LEN);
      }
      for (let k = 0; k < 8; k++) ob[at + 15 + k] = raw[valueAt + 7 - k]!;
      nOut++;
    }
    const bodyEnd = c.p;
    if (segwit) {
      for (let k = 0; k < txIns; k++) {
        const items = c.varint();
        for (let j = 0; j < items; j++) c.skip(c.varint());
      }
    }
    c.skip(4); // locktime
    const at = txids.reserve(32);
    if (segwit) {
      // The txid commits to the tx without marker, flag and witnesses.
      stripped.pos = 0;
      const s = stripped.reserve(bodyEnd - bodyStart + 8);
      raw.copy(stripped.buf, s, start, start + 4);
      raw.copy(stripped.buf, s + 4, bodyStart, bodyEnd);
      raw.copy(stripped.buf, s + 4 + bodyEnd - bodyStart, c.p - 4, c.p);
      sha256dInto(stripped.buf.subarray(0, stripped.pos), txids.buf, at);
    } else {
      sha256dInto(raw.subarray(start, c.p), txids.buf, at);
    }
  }
  if (c.p !== raw.length) throw new RangeError(`${raw.length - c.p} trailing bytes after block`);
  inStarts[n] = nIn;
  outStarts[n] = nOut;

  const dims: PreparedDims = { txCount: n, inputCount: nIn, outputCount: nOut, size: raw.length };
  const at = layout(dims);
  const buffer = new ArrayBuffer(at.end);
  const out = Buffer.from(buffer);
  new Uint32Array(buffer, at.inStart, n + 1).set(inStarts.subarray(0, n + 1));
  new Uint32Array(buffer, at.outStart, n + 1).set(outStarts.subarray(0, n + 1));
  raw.copy(out, at.header, 0, HEADER_SIZE);
  sha256dInto(raw.subarray(0, HEADER_SIZE), out, at.blockHash);
  txids.buf.copy(out, at.txids, 0, txids.pos);
  prevouts.buf.copy(out, at.prevouts, 0, prevouts.pos);
  outputs.buf.copy(out, at.outputs, 0, outputs.pos);
  return viewPrepared(buffer, dims);
}

function isNullPrevout(raw: Buffer, p: number): boolean {
  if (p + 36 > raw.length) return false;
  for (let k = 0; k < 32; k++) if (raw[p + k] !== 0) return false;
  return raw.readUInt32LE(p + 32) === 0xffffffff;
}

/** The previous block's hash (internal order) from a prepared block's header. */
export function preparedPrevHash(b: PreparedBlock): Buffer {
  return b.header.subarray(4, 36);
}
