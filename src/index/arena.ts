// Fixed-size records packed into large reused chunks: the writer's unflushed rows live here rather
// than in millions of small Buffers, so memory is compact, measurable and reused across flushes.
const CHUNK_BYTES = 1 << 20;

export class RecordArena {
  private readonly chunks: Buffer[] = [];
  private readonly perChunk: number;
  /** Records in use. */
  count = 0;

  constructor(readonly size: number) {
    this.perChunk = Math.max(1, Math.floor(CHUNK_BYTES / size));
  }

  /** Appends a record and returns its id; write it through buf()/off(). */
  push(): number {
    const id = this.count++;
    if (Math.floor(id / this.perChunk) >= this.chunks.length) this.chunks.push(Buffer.allocUnsafe(this.perChunk * this.size));
    return id;
  }

  buf(id: number): Buffer {
    return this.chunks[Math.floor(id / this.perChunk)]!;
  }

  off(id: number): number {
    return (id % this.perChunk) * this.size;
  }

  /** A view of bytes [start, end) of record `id`. */
  view(id: number, start: number, end: number): Buffer {
    const o = this.off(id);
    return this.buf(id).subarray(o + start, o + end);
  }

  /** Forgets all records; chunks are kept for reuse (callers must be done with their views). */
  reset(): void {
    this.count = 0;
    // Keep at most a few chunks so a huge flush does not pin its peak memory forever.
    if (this.chunks.length > 8) this.chunks.length = 8;
  }

  /** Bytes held, including spare capacity. */
  get bytes(): number {
    return this.chunks.length * this.perChunk * this.size;
  }
}
