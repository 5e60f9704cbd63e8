// Long histories as text, written byte by byte into one growing buffer: the status text
// ("txid:height:" per entry) and get_history's JSON. A 100,000-entry history is then one buffer
// and one string, instead of an object, a Buffer and two strings per entry.
import type { HistoryRun } from '../index/types.js';

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const ENTRY_OPEN = Buffer.from('{"tx_hash":"', 'latin1');
const ENTRY_HEIGHT = Buffer.from('","height":', 'latin1');

export class TextBuffer {
  private buf: Buffer;
  length = 0;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  bytes(b: Buffer): void {
    this.room(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }

  char(c: number): void {
    this.room(1);
    this.buf[this.length++] = c;
  }

  /** A txid (internal order, at `src[off..off+32]`) as display hex: the bytes reversed. */
  txidHex(src: Buffer, off: number): void {
    this.room(64);
    const b = this.buf;
    let p = this.length;
    for (let i = off + 31; i >= off; i--) {
      const v = src[i]!;
      b[p++] = HEX_DIGITS[v >> 4]!;
      b[p++] = HEX_DIGITS[v & 15]!;
    }
    this.length = p;
  }

  /** A non-negative integer, or -1, in decimal. */
  int(n: number): void {
    if (n < 0) {
      this.char(0x2d);
      n = -n;
    }
    const s = String(n);
    this.room(s.length);
    this.length += this.buf.write(s, this.length, 'latin1');
  }

  /** The bytes written so far (a view: copy it to keep it). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  toString(): string {
    return this.buf.toString('latin1', 0, this.length);
  }
}

/** "txid:height:" for each entry: the confirmed part of a status. */
export function statusText(out: TextBuffer, run: HistoryRun): void {
  for (let i = 0; i < run.count; i++) {
    out.txidHex(run.txids, i * 32);
    out.char(0x3a);
    out.int(run.heights[i]!);
    out.char(0x3a);
  }
}

/** {"tx_hash":"…","height":N}, for each entry (comma-terminated: the caller trims the last). */
export function historyJson(out: TextBuffer, run: HistoryRun): void {
  for (let i = 0; i < run.count; i++) {
    out.bytes(ENTRY_OPEN);
    out.txidHex(run.txids, i * 32);
    out.bytes(ENTRY_HEIGHT);
    out.int(run.heights[i]!);
    out.char(0x7d);
    out.char(0x2c);
  }
}
