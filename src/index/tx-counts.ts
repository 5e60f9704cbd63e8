// Cumulative transaction counts per height, kept in memory (8 bytes a block): counts[h] is the
// number of transactions in blocks 0..h, so block h holds tx_nums counts[h-1] .. counts[h]-1.
//
// Snapshot readers hold a frozen view (the array and a length). Pushing only writes past every
// view's length, so views stay valid; truncating (a reorg) would rewrite what a view still reads,
// so it copies the array first: one copy per undone block, never per push.

/** What readers need of the counts: tx_num -> height and a block's tx_num range. */
export interface TxCountsView {
  /** Number of blocks covered (= tip height + 1). */
  readonly length: number;
  /** Tx count after block `height`. */
  after(height: number): number;
  /** First tx_num of block `height`. */
  first(height: number): number;
  /** Height of the block holding tx_num, or -1 if beyond the last block. */
  heightOf(txNum: number): number;
}

export class TxCounts implements TxCountsView {
  private counts = new Float64Array(1024);
  private n = 0;

  get length(): number {
    return this.n;
  }

  after(height: number): number {
    return afterIn(this.counts, this.n, height);
  }

  first(height: number): number {
    return this.after(height - 1);
  }

  push(cumulative: number): void {
    if (this.n === this.counts.length) {
      const next = new Float64Array(this.counts.length * 2);
      next.set(this.counts);
      this.counts = next;
    }
    this.counts[this.n++] = cumulative;
  }

  /** Drops blocks above `height` (frozen views keep the old array). */
  truncate(height: number): void {
    const n = Math.max(0, Math.min(this.n, height + 1));
    if (n === this.n) return;
    this.counts = this.counts.slice();
    this.n = n;
  }

  heightOf(txNum: number): number {
    return heightIn(this.counts, this.n, txNum);
  }

  /** The counts of blocks 0..height as they are now, unaffected by later pushes and truncations. */
  freeze(height: number): TxCountsView {
    if (height + 1 > this.n) throw new RangeError(`no tx counts up to height ${height} (have ${this.n})`);
    return new FrozenCounts(this.counts, height + 1);
  }
}

class FrozenCounts implements TxCountsView {
  constructor(
    private readonly counts: Float64Array,
    readonly length: number,
  ) {}

  after(height: number): number {
    return afterIn(this.counts, this.length, height);
  }

  first(height: number): number {
    return this.after(height - 1);
  }

  heightOf(txNum: number): number {
    return heightIn(this.counts, this.length, txNum);
  }
}

function afterIn(counts: Float64Array, n: number, height: number): number {
  if (height < 0) return 0;
  if (height >= n) throw new RangeError(`no tx count for height ${height}`);
  return counts[height]!;
}

function heightIn(counts: Float64Array, n: number, txNum: number): number {
  let lo = 0;
  let hi = n;
  // First h with counts[h] > txNum.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (counts[mid]! > txNum) hi = mid;
    else lo = mid + 1;
  }
  return lo < n ? lo : -1;
}
