// Fixed-size records packed into large reused chunks: the writer's unflushed rows live here rather
// than in millions of small Buffers, so memory is compact, measurable and reused across flushes.
// Records per chunk is a power of two so id -> (chunk, offset) is a shift and a mask.
const CHUNK_RECORDS_LOG2 = 14;
const CHUNK_RECORDS = 1 << CHUNK_RECORDS_LOG2;
const MASK = CHUNK_RECORDS - 1;

export class RecordArena {
  private readonly chunks: Buffer[] = [];
  /** Records in use. */
  count = 0;

  constructor(readonly size: number) {}

  /** Appends a record and returns its id; write it through buf()/off(). */
  push(): number {
    const id = this.count++;
    if (id >>> CHUNK_RECORDS_LOG2 >= this.chunks.length) this.chunks.push(Buffer.allocUnsafe(CHUNK_RECORDS * this.size));
    return id;
  }

  buf(id: number): Buffer {
    return this.chunks[id >>> CHUNK_RECORDS_LOG2]!;
  }

  off(id: number): number {
    return (id & MASK) * this.size;
  }

  /** A view of bytes [start, end) of record `id`. */
  view(id: number, start: number, end: number): Buffer {
    const o = this.off(id);
    return this.buf(id).subarray(o + start, o + end);
  }

  /** Forgets all records; chunks are kept for reuse (callers must be done with their views). */
  reset(): void {
    this.count = 0;
    // Keep a few chunks so a huge flush does not pin its peak memory forever.
    if (this.chunks.length > 8) this.chunks.length = 8;
  }

  /** Bytes held, including spare capacity. */
  get bytes(): number {
    return this.chunks.length * CHUNK_RECORDS * this.size;
  }
}

/** dst[d..d+n) = src[s..s+n): a plain loop beats Buffer.copy's call overhead for a few bytes. */
export function copyBytes(src: Uint8Array, s: number, dst: Uint8Array, d: number, n: number): void {
  for (let i = 0; i < n; i++) dst[d + i] = src[s + i]!;
}
