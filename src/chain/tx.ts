// Fast transaction parsing for the sync hot path. bitcoinjs-lib parses too, but re-serializes a
// segwit tx to compute its txid; here the txid hashes the non-witness slices of the original bytes.
import { ByteReader } from './bytes.js';
import { sha256dParts } from './hash.js';

export interface TxIn {
  /** Internal byte order. All zeros for a coinbase. */
  readonly prevTxid: Buffer;
  readonly prevVout: number;
  readonly scriptSig: Buffer;
  readonly sequence: number;
  readonly witness: readonly Buffer[];
}

export interface TxOut {
  /** Satoshis. */
  readonly value: number;
  readonly script: Buffer;
}

export interface Tx {
  /** Internal byte order (reverse for display). */
  readonly txid: Buffer;
  readonly version: number;
  readonly inputs: readonly TxIn[];
  readonly outputs: readonly TxOut[];
  readonly locktime: number;
  readonly hasWitness: boolean;
  /** The serialized transaction (a view into the block when parsed from one). */
  readonly raw: Buffer;
  /** Size without witness data, for vsize/weight. */
  readonly baseSize: number;
}

const NULL_TXID = Buffer.alloc(32);

export function isCoinbaseInput(input: TxIn): boolean {
  return input.prevVout === 0xffffffff && input.prevTxid.equals(NULL_TXID);
}

export function isCoinbase(tx: Tx): boolean {
  return tx.inputs.length === 1 && isCoinbaseInput(tx.inputs[0]!);
}

export function txWeight(tx: Tx): number {
  return tx.baseSize * 3 + tx.raw.length;
}

export function txVsize(tx: Tx): number {
  return Math.ceil(txWeight(tx) / 4);
}

/** Parses one transaction at the reader's offset and advances past it. */
export function readTx(r: ByteReader): Tx {
  const start = r.offset;
  const version = r.i32le();
  let hasWitness = false;
  let bodyStart = r.offset;
  if (r.buf[r.offset] === 0x00 && r.buf[r.offset + 1] === 0x01) {
    hasWitness = true;
    r.offset += 2;
    bodyStart = r.offset;
  }
  const nIn = r.varint();
  if (nIn > r.remaining / 41 + 1) throw new RangeError(`implausible input count ${nIn}`);
  const inputs: TxIn[] = new Array(nIn);
  for (let i = 0; i < nIn; i++) {
    const prevTxid = r.slice(32);
    const prevVout = r.u32le();
    const scriptSig = r.varSlice();
    const sequence = r.u32le();
    inputs[i] = { prevTxid, prevVout, scriptSig, sequence, witness: EMPTY_WITNESS };
  }
  const nOut = r.varint();
  if (nOut > r.remaining / 9 + 1) throw new RangeError(`implausible output count ${nOut}`);
  const outputs: TxOut[] = new Array(nOut);
  for (let i = 0; i < nOut; i++) {
    const value = r.u64le();
    const script = r.varSlice();
    outputs[i] = { value, script };
  }
  const bodyEnd = r.offset;
  if (hasWitness) {
    for (let i = 0; i < nIn; i++) {
      const n = r.varint();
      const items: Buffer[] = new Array(n);
      for (let j = 0; j < n; j++) items[j] = r.varSlice();
      (inputs[i] as { witness: readonly Buffer[] }).witness = items;
    }
  }
  const lockStart = r.offset;
  const locktime = r.u32le();
  const raw = r.buf.subarray(start, r.offset);
  const txid = hasWitness
    ? sha256dParts([r.buf.subarray(start, start + 4), r.buf.subarray(bodyStart, bodyEnd), r.buf.subarray(lockStart, lockStart + 4)])
    : sha256dParts([raw]);
  const baseSize = hasWitness ? 4 + (bodyEnd - bodyStart) + 4 : raw.length;
  return { txid, version, inputs, outputs, locktime, hasWitness, raw, baseSize };
}

const EMPTY_WITNESS: readonly Buffer[] = Object.freeze([]) as readonly Buffer[];

/** Parses a whole serialized transaction; trailing bytes are an error. */
export function parseTx(raw: Buffer): Tx {
  const r = new ByteReader(raw);
  const tx = readTx(r);
  if (r.remaining !== 0) throw new RangeError(`${r.remaining} trailing bytes after transaction`);
  return tx;
}
