// How CACHE_MB is shared during sync. Measured on the 2M-transaction benchmark (docs/benchmarks.md):
// the syncer's RSS is a fixed cost of about 700 MB with the fetch worker, 500 MB without (V8 heaps
// with their garbage, ArrayBuffers awaiting collection, RocksDB's memtables and table readers)
// plus about 3x the writer's pendingBytes at the peak of a flush (the records, the JS objects of
// the batch being built, RocksDB's native copy of the batch and the memtable it lands in).
const MB = 1024 * 1024;

export interface MemoryPlan {
  /** Bound on raw blocks queued or in flight in the prefetch pipeline. */
  readonly queueBytes: number;
  /** The cacheMb hint to open the index with (openIndex makes write buffers of a quarter of it). */
  readonly indexCacheMb: number;
  /** Share of (budget - queued blocks) that unflushed index work may fill before a flush. */
  readonly flushShare: number;
  /** Whether catch-up fetches and prepares blocks on a worker thread (see fetchWorkerMinMb). */
  readonly fetchWorker: boolean;
}

/**
 * The fetch worker makes catch-up ~15% faster but costs ~190 MB of its own (a second V8 heap with
 * the JSON replies it parses): at CACHE_MB=400 (1M txs) peak RSS was 800-808 MB with it and 613 MB
 * without; at CACHE_MB=800 (2M) 1,096 MB with it, against a limit of 1,100. Below this budget it
 * does not fit in CACHE_MB + 300 MB with a margin, so it is left out.
 */
export const fetchWorkerMinMb = 1000;

export function memoryPlan(cacheMb: number): MemoryPlan {
  return {
    // 64 MB keeps the daemon several batches ahead; more only holds garbage-to-be longer.
    queueBytes: Math.min(64 * MB, Math.max(2 * MB, Math.floor((cacheMb * MB) / (cacheMb >= fetchWorkerMinMb ? 16 : 32)))),
    // Three write buffers of cacheMb/32 each (16 MB at least): one flush batch fills one anyway.
    indexCacheMb: Math.max(16, Math.floor(cacheMb / 8)),
    // With 0.25 the 2M benchmark peaked at 1.5-2.1 GB for CACHE_MB=1200, with 0.18 near 1.25 GB;
    // the fetch worker's own heap took 0.18 to 1.48-1.56 GB, 0.13 to 1.38-1.58 GB, and 0.11 to
    // 1.36-1.53 GB; MALLOC_ARENA_MAX=2 (set by the anode command) then brought it to ~1.2 GB.
    flushShare: 0.11,
    fetchWorker: cacheMb >= fetchWorkerMinMb,
  };
}
