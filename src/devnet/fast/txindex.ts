// Finding fast-chain transactions by txid without a full index: 3 bytes of each txid are kept
// while building (4 bytes a tx); a sorted view is derived on the first lookup, and candidates are
// confirmed by parsing their block.
import type { BlockRecord } from '../chain/record.js';
import type { TxLocation } from '../chain/chainstate.js';

/** Sort keys are prefix * 2^29 + tx number (< 2^53, exact in a double). */
const TXNUM = 536870912;

export class FastTxIndex {
  private prefixes = new Uint32Array(1 << 16);
  private count = 0;
  /** First global tx number of each block, and the blocks, in build order. */
  private readonly blockStarts: number[] = [];
  private readonly blocks: BlockRecord[] = [];
  private sorted?: Float64Array;

  constructor(private readonly isActive: (rec: BlockRecord) => boolean) {}

  addBlock(rec: BlockRecord, txids: readonly Buffer[]): void {
    this.blockStarts.push(this.count);
    this.blocks.push(rec);
    if (this.count + txids.length > this.prefixes.length) {
      const next = new Uint32Array(Math.max(this.prefixes.length * 2, this.count + txids.length));
      next.set(this.prefixes.subarray(0, this.count));
      this.prefixes = next;
    }
    for (const t of txids) this.prefixes[this.count++] = t.readUIntLE(0, 3);
    this.sorted = undefined;
  }

  get size(): number {
    return this.count;
  }

  find(txid: Buffer): TxLocation | undefined {
    if (this.count === 0) return undefined;
    const sorted = (this.sorted ??= this.buildSorted());
    const prefix = txid.readUIntLE(0, 3);
    // All entries with this prefix are contiguous.
    let lo = 0;
    let hi = sorted.length;
    const key = prefix * TXNUM;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < sorted.length && Math.floor(sorted[i]! / TXNUM) === prefix; i++) {
      const n = sorted[i]! % TXNUM;
      const b = this.blockOf(n);
      const rec = this.blocks[b]!;
      const position = n - this.blockStarts[b]!;
      if (this.isActive(rec) && rec.block.txs[position]!.txid.equals(txid)) return { block: rec, position };
    }
    return undefined;
  }

  private buildSorted(): Float64Array {
    if (this.count >= TXNUM) throw new RangeError('fast tx index holds at most 2^29 transactions');
    const keys = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) keys[i] = this.prefixes[i]! * TXNUM + i;
    return keys.sort();
  }

  private blockOf(n: number): number {
    let lo = 0;
    let hi = this.blockStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.blockStarts[mid]! <= n) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
