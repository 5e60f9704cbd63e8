// Raw transactions the daemon published over ZMQ (rawtx), kept for the 'A' announcements that
// follow them. bitcoind publishes a rawtx for every transaction it accepts and for every transaction
// of a connected block: after a block of thousands, most are never asked for. So they are kept
// unparsed, bounded by count and bytes, and parsed only when an announcement asks, newest first
// (each rawtx comes just before its own 'A' on the same socket).
import { parsePublishedTx, type ParsedMempoolTx, type TxKey } from './tx.js';

/** Unparsed raws kept: a few seconds of announcements, or a big block's worth. */
const KEPT = 20_000;
const KEPT_BYTES = 32 * 1024 * 1024;
/** Raws parsed and not asked for yet (newer than the ones asked), kept for the next ask. */
const PARSED_KEPT = 1_000;
/** How many raws a lookup may parse beyond those it finds before it gives up (then: RPC). */
const SEARCH_SLACK = 64;

export class PublishedTxs {
  /** Oldest first; entries before `head` are gone. */
  private raws: Buffer[] = [];
  private head = 0;
  private bytes = 0;
  private readonly parsed = new Map<TxKey, ParsedMempoolTx>();

  add(raw: Buffer): void {
    this.raws.push(raw);
    this.bytes += raw.length;
    while (this.raws.length - this.head > KEPT || (this.bytes > KEPT_BYTES && this.raws.length - this.head > 1)) {
      this.bytes -= this.raws[this.head]!.length;
      this.head++;
    }
    if (this.head > KEPT) {
      this.raws = this.raws.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * The published transactions among `wanted`, which loses the keys found. Parses the newest raws
   * until every key is found or SEARCH_SLACK raws turned out to be others (a lost rawtx, or an
   * announcement behind a block's burst): what is not found then is left for the RPC.
   */
  take(wanted: Set<TxKey>): ParsedMempoolTx[] {
    const out: ParsedMempoolTx[] = [];
    for (const k of wanted) {
      const p = this.parsed.get(k);
      if (!p) continue;
      this.parsed.delete(k);
      wanted.delete(k);
      out.push(p);
    }
    let others = 0;
    while (wanted.size > 0 && others < SEARCH_SLACK && this.raws.length > this.head) {
      const raw = this.raws.pop()!;
      this.bytes -= raw.length;
      const p = parsePublishedTx(raw);
      if (!p) continue;
      if (wanted.delete(p.key)) {
        out.push(p);
        continue;
      }
      others++;
      this.parsed.set(p.key, p);
      if (this.parsed.size > PARSED_KEPT) this.parsed.delete(this.parsed.keys().next().value!);
    }
    return out;
  }

  get size(): number {
    return this.raws.length - this.head + this.parsed.size;
  }
}
