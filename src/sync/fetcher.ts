// The prefetch pipeline: keeps several batched requests (getblockhash x N, then getblock x N) in
// flight so the daemon works while we index, and hands raw blocks over strictly in height order.
// Memory is bounded: no new batch starts while the queue (plus what is in flight) would pass
// maxQueueBytes. Batch sizes adapt to the observed block size to aim at targetBatchBytes.
import type { Daemon } from '../daemon/types.js';
import { memoryPlan } from './budget.js';

export interface RawBlockAt {
  readonly height: number;
  /** Display-order hex, as the daemon gave it for this height. */
  readonly hash: string;
  readonly raw: Buffer;
}

export interface FetcherOptions {
  readonly daemon: Daemon;
  /** First and last height to fetch, inclusive. */
  readonly from: number;
  readonly to: number;
  /** Batches in flight at once. */
  readonly inFlight?: number;
  /** Bound on raw bytes queued or being fetched. */
  readonly maxQueueBytes: number;
  /** Raw bytes one batch aims at. */
  readonly targetBatchBytes?: number;
  readonly maxBatchBlocks?: number;
}

interface Batch {
  readonly from: number;
  readonly count: number;
  readonly estimate: number;
  blocks?: RawBlockAt[];
  error?: unknown;
}

const MB = 1024 * 1024;

/** The pipeline shape the syncer uses for a CACHE_MB budget (the benchmark's ceiling uses it too). */
export function defaultFetchTuning(cacheMb: number): { inFlight: number; maxQueueBytes: number } {
  return { inFlight: 3, maxQueueBytes: memoryPlan(cacheMb).queueBytes };
}

export class BlockFetcher {
  private readonly daemon: Daemon;
  private readonly to: number;
  private readonly inFlightMax: number;
  private readonly maxQueueBytes: number;
  private readonly targetBatchBytes: number;
  private readonly maxBatchBlocks: number;

  private nextHeight: number;
  private readonly batches: Batch[] = []; // in height order; the head is the one being consumed
  private headIndex = 0;
  private running = 0;
  private queued = 0; // bytes landed and not yet taken
  private reserved = 0; // estimated bytes of batches in flight
  /** Average raw size of the blocks in the most recently landed batch (0 before the first). */
  private recentBlockBytes = 0;
  /**
   * Block count of the batch that landed last: a new one may be at most twice as long. Growth is
   * measured against landed batches, not started ones, so batches in flight cannot compound while
   * block sizes are still unknown (a chain of empty blocks that turns full would otherwise be
   * fetched in one huge batch sized from the empty ones).
   */
  private landedCount = 0.5;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(opts: FetcherOptions) {
    this.daemon = opts.daemon;
    this.nextHeight = opts.from;
    this.to = opts.to;
    this.inFlightMax = Math.max(1, opts.inFlight ?? 3);
    this.maxQueueBytes = Math.max(1, opts.maxQueueBytes);
    // Moderate batches keep the pipeline smooth: a huge one stalls both sides on one JSON parse.
    this.targetBatchBytes =
      opts.targetBatchBytes ?? Math.min(8 * MB, Math.max(256 * 1024, Math.floor(this.maxQueueBytes / (this.inFlightMax + 1))));
    this.maxBatchBlocks = opts.maxBatchBlocks ?? 1000;
    this.fill();
  }

  /** Raw bytes fetched and waiting to be taken, plus the estimate for batches in flight. */
  get heldBytes(): number {
    return this.queued + this.reserved;
  }

  /** The next block in height order, or null once `to` has been handed out. Rethrows fetch errors. */
  async next(): Promise<RawBlockAt | null> {
    for (;;) {
      if (this.stopped) return null;
      const head = this.batches[0];
      if (!head) {
        if (this.nextHeight > this.to) return null;
        this.fill();
        await this.waitForLanding();
        continue;
      }
      if (head.error !== undefined) {
        this.stop();
        throw head.error;
      }
      if (!head.blocks) {
        await this.waitForLanding();
        continue;
      }
      const block = head.blocks[this.headIndex++]!;
      this.queued -= block.raw.length;
      if (this.headIndex >= head.blocks.length) {
        this.batches.shift();
        this.headIndex = 0;
      }
      this.fill();
      return block;
    }
  }

  /** Abandons everything in flight (their results are dropped when they land). */
  stop(): void {
    this.stopped = true;
    this.batches.length = 0;
    this.queued = 0;
    this.reserved = 0;
    this.wake?.();
  }

  private fill(): void {
    while (!this.stopped && this.running < this.inFlightMax && this.nextHeight <= this.to) {
      // Sized from the latest blocks, and at most twice the last landed batch (1, 2, 4, ... until
      // sizes are known): chains start with tiny blocks, and sizing from them once asked for the
      // whole chain in three batches; and after a restart the first block should come quickly.
      const avg = this.recentBlockBytes;
      let count = avg === 0 ? Number.MAX_SAFE_INTEGER : Math.floor(this.targetBatchBytes / avg);
      count = Math.max(1, Math.min(count, 2 * this.landedCount, this.maxBatchBlocks, this.to - this.nextHeight + 1));
      const estimate = Math.ceil(count * (avg || 1024));
      // Always allow one batch when nothing is held, or a single huge block could stall us.
      if (this.queued + this.reserved > 0 && this.queued + this.reserved + estimate > this.maxQueueBytes) break;
      const batch: Batch = { from: this.nextHeight, count, estimate };
      this.nextHeight += count;
      this.batches.push(batch);
      this.running++;
      this.reserved += estimate;
      void this.runBatch(batch);
    }
  }

  private async runBatch(batch: Batch): Promise<void> {
    try {
      const heights = Array.from({ length: batch.count }, (_, i) => batch.from + i);
      const hashes = await this.daemon.getBlockHashes(heights);
      if (this.stopped) return;
      const raws = await this.daemon.getRawBlocks(hashes);
      if (this.stopped) return;
      if (raws.length !== hashes.length) throw new Error(`asked for ${hashes.length} blocks, daemon returned ${raws.length}`);
      batch.blocks = raws.map((raw, i) => ({ height: batch.from + i, hash: hashes[i]!, raw }));
      let bytes = 0;
      for (const raw of raws) bytes += raw.length;
      this.queued += bytes;
      if (raws.length > 0) this.recentBlockBytes = bytes / raws.length;
      this.landedCount = batch.count;
    } catch (err) {
      batch.error = err;
    } finally {
      if (!this.stopped) {
        this.running--;
        this.reserved -= batch.estimate;
        if (batch.error === undefined) this.fill();
        this.wake?.();
      }
    }
  }

  private waitForLanding(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }
}
