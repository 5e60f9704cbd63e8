// Newline framing for TCP/TLS. Bytes are kept until their line is complete and only then decoded,
// so a multi-byte UTF-8 character split across two reads comes out whole. Memory is bounded: a line
// that grows past maxRecv without a newline is reported once and everything after it is ignored.

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  /** Pieces of the current, unfinished line (their bytes never contain a newline). */
  private parts: Buffer[] = [];
  private partBytes = 0;
  private dead = false;

  /**
   * @param maxRecv largest line accepted, in bytes (a trailing '\r' counts, the '\n' does not)
   * @param onLine  a complete, non-empty line, '\r' stripped
   * @param onOversized called once with the bytes seen so far of the line that went over maxRecv
   */
  constructor(
    private readonly maxRecv: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversized: (length: number) => void,
  ) {}

  /** True once a line went over maxRecv (or stop() was called): push() then ignores its input. */
  get stopped(): boolean {
    return this.dead;
  }

  /** Drops whatever is buffered and ignores all further input. */
  stop(): void {
    this.dead = true;
    this.parts = [];
    this.partBytes = 0;
  }

  /** Bytes held for the unfinished line. */
  get pendingBytes(): number {
    return this.partBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    // onLine may call stop() (the session closed the connection): check before every line.
    while (!this.dead) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) break;
      const length = this.partBytes + (nl - start);
      if (length > this.maxRecv) return this.oversized(length);
      if (this.partBytes === 0) {
        // Fast path: the whole line is inside this chunk, decode it in place.
        this.emit(chunk, start, nl);
      } else {
        this.parts.push(chunk.subarray(start, nl));
        const line = Buffer.concat(this.parts, length);
        this.parts = [];
        this.partBytes = 0;
        this.emit(line, 0, line.length);
      }
      start = nl + 1;
    }
    if (this.dead || start === chunk.length) return;
    const rest = chunk.length - start;
    if (this.partBytes + rest > this.maxRecv) return this.oversized(this.partBytes + rest);
    // A short tail of a big chunk is copied so that it does not pin the whole chunk in memory.
    const tail = rest * 4 < chunk.length ? Buffer.from(chunk.subarray(start)) : chunk.subarray(start);
    this.parts.push(tail);
    this.partBytes += rest;
  }

  private emit(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) return; // empty lines (keep-alives from some clients) are skipped
    this.onLine(buf.toString('utf8', start, end));
  }

  private oversized(length: number): void {
    this.stop();
    this.onOversized(length);
  }
}
