// Writing transactions and blocks in Bitcoin's wire format.
import { ByteWriter } from '../../chain/bytes.js';

export interface TxInDraft {
  prevTxid: Buffer;
  prevVout: number;
  scriptSig: Buffer;
  sequence: number;
  witness: readonly Buffer[];
}

export interface TxDraft {
  version: number;
  inputs: readonly TxInDraft[];
  outputs: readonly { value: number; script: Buffer }[];
  locktime: number;
}

export function writeTx(w: ByteWriter, tx: TxDraft, withWitness = true): void {
  const segwit = withWitness && tx.inputs.some((i) => i.witness.length > 0);
  w.i32le(tx.version);
  if (segwit) w.u8(0).u8(1);
  w.varint(tx.inputs.length);
  for (const i of tx.inputs) w.bytes(i.prevTxid).u32le(i.prevVout).varBytes(i.scriptSig).u32le(i.sequence);
  w.varint(tx.outputs.length);
  for (const o of tx.outputs) w.u64le(o.value).varBytes(o.script);
  if (segwit) {
    for (const i of tx.inputs) {
      w.varint(i.witness.length);
      for (const item of i.witness) w.varBytes(item);
    }
  }
  w.u32le(tx.locktime);
}

export function serializeTx(tx: TxDraft, withWitness = true): Buffer {
  const w = new ByteWriter(256);
  writeTx(w, tx, withWitness);
  return w.toBuffer();
}

export function serializeHeader(h: { version: number; prevHash: Buffer; merkleRoot: Buffer; time: number; bits: number; nonce: number }): Buffer {
  const b = Buffer.alloc(80);
  b.writeInt32LE(h.version, 0);
  h.prevHash.copy(b, 4);
  h.merkleRoot.copy(b, 36);
  b.writeUInt32LE(h.time >>> 0, 68);
  b.writeUInt32LE(h.bits >>> 0, 72);
  b.writeUInt32LE(h.nonce >>> 0, 76);
  return b;
}

/** Minimal script-number push, as `CScript() << n` writes it (OP_0, OP_1..OP_16, or data). */
export function scriptNumPush(n: number): Buffer {
  if (n === 0) return Buffer.from([0x00]);
  if (n >= 1 && n <= 16) return Buffer.from([0x50 + n]);
  const bytes: number[] = [];
  let v = Math.abs(n);
  while (v > 0) {
    bytes.push(v & 0xff);
    v = Math.floor(v / 256);
  }
  if (bytes[bytes.length - 1]! & 0x80) bytes.push(n < 0 ? 0x80 : 0);
  else if (n < 0) bytes[bytes.length - 1]! |= 0x80;
  return Buffer.from([bytes.length, ...bytes]);
}
