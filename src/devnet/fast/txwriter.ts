// Serializes the fast chain's transactions straight into a block's scratch buffer, with dummy
// signatures/witnesses of realistic sizes, and computes txid and wtxid from the written bytes.
import { hash } from 'node:crypto';
import { Kind } from './scripts.js';
import { BytePool, Rng } from './random.js';

export function sha256dFast(data: Uint8Array): Buffer {
  return hash('sha256', hash('sha256', data, 'buffer'), 'buffer');
}

/** A growable byte buffer with inlined little-endian writers. */
export class Scratch {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafeSlow(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  u64(v: number): void {
    this.buf.writeUInt32LE(v % 0x100000000, this.pos);
    this.buf.writeUInt32LE(Math.floor(v / 0x100000000), this.pos + 4);
    this.pos += 8;
  }

  varint(v: number): void {
    if (v < 0xfd) this.u8(v);
    else {
      this.u8(0xfd);
      this.buf.writeUInt16LE(v, this.pos);
      this.pos += 2;
    }
  }

  bytes(b: Buffer): void {
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
}

export function isWitnessKind(k: Kind): boolean {
  return k !== Kind.P2PKH;
}

/** A 71-72 byte DER-looking ECDSA signature (random content) with SIGHASH_ALL. */
function dummyEcdsa(s: Scratch, rng: Rng, pool: BytePool): void {
  const len = rng.next() < 0.5 ? 71 : 72;
  s.u8(len);
  s.u8(0x30);
  s.u8(len - 3);
  pool.copy(rng, s.buf, s.pos, len - 3);
  s.pos += len - 3;
  s.u8(0x01);
}

function dummyPubkey(s: Scratch, rng: Rng, pool: BytePool): void {
  s.u8(33);
  s.u8(0x02 + (rng.u32() & 1));
  pool.copy(rng, s.buf, s.pos, 32);
  s.pos += 32;
}

export function writeScriptSig(s: Scratch, kind: Kind, rng: Rng, pool: BytePool): void {
  if (kind === Kind.P2PKH) {
    const start = s.pos;
    s.u8(0);
    dummyEcdsa(s, rng, pool);
    dummyPubkey(s, rng, pool);
    s.buf[start] = s.pos - start - 1;
  } else if (kind === Kind.P2SH) {
    // p2sh-p2wpkh: push of the 22-byte witness program.
    s.u8(23);
    s.u8(22);
    s.u8(0x00);
    s.u8(0x14);
    pool.copy(rng, s.buf, s.pos, 20);
    s.pos += 20;
  } else {
    s.u8(0);
  }
}

export function writeWitness(s: Scratch, kind: Kind, rng: Rng, pool: BytePool): void {
  switch (kind) {
    case Kind.P2PKH:
      s.u8(0);
      return;
    case Kind.P2WPKH:
    case Kind.P2SH:
      s.u8(2);
      dummyEcdsa(s, rng, pool);
      dummyPubkey(s, rng, pool);
      return;
    case Kind.P2TR:
      s.u8(1);
      s.u8(64);
      pool.copy(rng, s.buf, s.pos, 64);
      s.pos += 64;
      return;
    case Kind.P2WSH:
      // 2-of-2 multisig: dummy, two signatures, the 71-byte witness script.
      s.u8(4);
      s.u8(0);
      dummyEcdsa(s, rng, pool);
      dummyEcdsa(s, rng, pool);
      s.u8(71);
      s.u8(0x52);
      dummyPubkey(s, rng, pool);
      dummyPubkey(s, rng, pool);
      s.u8(0x52);
      s.u8(0xae);
      return;
  }
}

/** Upper estimate of an input's vsize, for fees. */
export const INPUT_VSIZE: Record<Kind, number> = {
  [Kind.P2WPKH]: 68,
  [Kind.P2PKH]: 148,
  [Kind.P2SH]: 91,
  [Kind.P2TR]: 58,
  [Kind.P2WSH]: 104,
};
