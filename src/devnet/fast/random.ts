// A small seeded PRNG (xorshift128) and a pool of random bytes to copy dummy data from.
import { createHash } from 'node:crypto';

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    const h = createHash('sha256').update(seed).digest();
    this.a = h.readUInt32LE(0) | 1;
    this.b = h.readUInt32LE(4);
    this.c = h.readUInt32LE(8);
    this.d = h.readUInt32LE(12);
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.a = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.a;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  fill(buf: Buffer, offset: number, length: number): void {
    let i = 0;
    for (; i + 4 <= length; i += 4) buf.writeUInt32LE(this.u32(), offset + i);
    for (; i < length; i++) buf[offset + i] = this.u32() & 0xff;
  }
}

/** 64 KiB of random bytes; dummy signatures are copied from random offsets of it. */
export class BytePool {
  readonly bytes: Buffer;
  constructor(rng: Rng) {
    this.bytes = Buffer.allocUnsafe(65536);
    rng.fill(this.bytes, 0, this.bytes.length);
  }

  copy(rng: Rng, target: Buffer, offset: number, length: number): void {
    const from = rng.int(this.bytes.length - length);
    this.bytes.copy(target, offset, from, from + length);
  }
}
