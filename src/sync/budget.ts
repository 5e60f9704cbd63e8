// How CACHE_MB is shared during sync. Measured on the 2M-transaction benchmark: while a flush
// builds its write batch the process grows by about twice the writer's pendingBytes, and RocksDB
// keeps up to three write buffers of a quarter of openIndex's cacheMb hint each.
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
    flushShare: 0.4,
  };
}
