// Where catch-up takes its blocks from: prepared (see index/prepared-block.ts), in height order.
// InlineBlockStream fetches and prepares on the calling thread; WorkerBlockStream
// (worker-blocks.ts) does both on a worker thread.
import { prepareBlock, type PreparedBlock } from '../index/prepared-block.js';
import type { BlockFetcher } from './fetcher.js';

export interface PreparedAt {
  readonly height: number;
  /** Display-order hex, as the daemon gave it for this height. */
  readonly hash: string;
  readonly block: PreparedBlock;
}

export interface BlockStream {
  /** The next block in height order, or null at the end. Rethrows fetch and parse errors. */
  next(): Promise<PreparedAt | null>;
  /** The block the n-th next() call from now will return, if it is already prepared (else null). */
  peekReady(n: number): PreparedBlock | null;
  /** Memory held for blocks not yet taken. */
  readonly heldBytes: number;
  /** Abandons the blocks not taken yet. */
  stop(): void;
}

export class InlineBlockStream implements BlockStream {
  constructor(private readonly fetcher: BlockFetcher) {}

  get heldBytes(): number {
    return this.fetcher.heldBytes;
  }

  async next(): Promise<PreparedAt | null> {
    const item = await this.fetcher.next();
    return item && { height: item.height, hash: item.hash, block: prepareBlock(item.raw) };
  }

  peekReady(): PreparedBlock | null {
    return null;
  }

  stop(): void {
    this.fetcher.stop();
  }
}
