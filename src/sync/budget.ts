// How CACHE_MB is shared during sync. Measured on the 2M-transaction benchmark: at the peak of a
// flush the process holds about four times the writer's pendingBytes (the pending records, the
// JS objects of the batch being built, RocksDB's native copy of the batch, and the memtable it
// lands in), plus RocksDB's write buffers, sized by openIndex's cacheMb hint.
const MB = 1024 * 1024;

export interface MemoryPlan {
  /** Bound on raw blocks queued or in flight in the prefetch pipeline. */
  readonly queueBytes: number;
  /** The cacheMb hint to open the index with (it sizes RocksDB's write buffers). */
  readonly indexCacheMb: number;
  /** Share of (budget - queued blocks) that unflushed index work may fill before a flush. */
  readonly flushShare: number;
}

export function memoryPlan(cacheMb: number): MemoryPlan {
  return {
    queueBytes: Math.min(128 * MB, Math.max(2 * MB, Math.floor((cacheMb * MB) / 8))),
    // Three write buffers of cacheMb/16 each: under a fifth of the budget.
    indexCacheMb: Math.max(16, Math.floor(cacheMb / 4)),
    flushShare: 0.25,
  };
}
