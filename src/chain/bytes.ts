// Minimal zero-copy reader and growable writer for Bitcoin's wire format.

export class ByteReader {
  offset: number;
  constructor(readonly buf: Buffer, offset = 0) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.length) {
      throw new RangeError(`truncated data: need ${n} bytes at offset ${this.offset} of ${this.buf.length}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  u16le(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }

  u32le(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  i32le(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  /** Unsigned 64-bit as a JS number; exact for every amount (< 2^53 satoshis). */
  u64le(): number {
    this.need(8);
    const lo = this.buf.readUInt32LE(this.offset);
    const hi = this.buf.readUInt32LE(this.offset + 4);
    this.offset += 8;
    return hi * 0x100000000 + lo;
  }

  varint(): number {
    const first = this.u8();
    if (first < 0xfd) return first;
    if (first === 0xfd) return this.u16le();
    if (first === 0xfe) return this.u32le();
    return this.u64le();
  }

  /** A view into the underlying buffer (no copy). */
  slice(n: number): Buffer {
    this.need(n);
    const s = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return s;
  }

  varSlice(): Buffer {
    return this.slice(this.varint());
  }
}

export class ByteWriter {
  private buf: Buffer;
  length = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.length++] = v;
    return this;
  }

  u16le(v: number): this {
    this.reserve(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
    return this;
  }

  u32le(v: number): this {
    this.reserve(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
    return this;
  }

  i32le(v: number): this {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
    return this;
  }

  u64le(v: number): this {
    this.reserve(8);
    this.buf.writeUInt32LE(v % 0x100000000, this.length);
    this.buf.writeUInt32LE(Math.floor(v / 0x100000000), this.length + 4);
    this.length += 8;
    return this;
  }

  varint(v: number): this {
    if (v < 0xfd) return this.u8(v);
    if (v <= 0xffff) return this.u8(0xfd).u16le(v);
    if (v <= 0xffffffff) return this.u8(0xfe).u32le(v);
    return this.u8(0xff).u64le(v);
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  varBytes(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

export function varintSize(v: number): number {
  return v < 0xfd ? 1 : v <= 0xffff ? 3 : v <= 0xffffffff ? 5 : 9;
}
