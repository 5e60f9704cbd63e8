// Cumulative transaction counts per height, kept in memory (8 bytes a block): counts[h] is the
// number of transactions in blocks 0..h, so block h holds tx_nums counts[h-1] .. counts[h]-1.
export class TxCounts {
  private counts = new Float64Array(1024);
  private n = 0;

  /** Number of blocks covered (= tip height + 1). */
  get length(): number {
    return this.n;
  }

  /** Tx count after block `height`. */
  after(height: number): number {
    if (height < 0) return 0;
    if (height >= this.n) throw new RangeError(`no tx count for height ${height}`);
    return this.counts[height]!;
  }

  /** First tx_num of block `height`. */
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

  /** Drops blocks above `height`. */
  truncate(height: number): void {
    this.n = Math.max(0, Math.min(this.n, height + 1));
  }

  /** Height of the block holding tx_num, or -1 if beyond the last block. */
  heightOf(txNum: number): number {
    let lo = 0;
    let hi = this.n;
    // First h with counts[h] > txNum.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.counts[mid]! > txNum) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.n ? lo : -1;
  }
}
