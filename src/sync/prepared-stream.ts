// Blocks from the prefetch pipeline, prepared for the index (see index/prepared-block.ts) a few
// blocks ahead of the consumer on the PreparePool's workers, handed out in height order. Without a
// pool each block is prepared on the calling thread when it is taken.
import { prepareBlock, type PreparedBlock } from '../index/prepared-block.js';
import type { BlockFetcher } from './fetcher.js';
import type { PreparePool } from './prepare-pool.js';

export interface PreparedAt {
  readonly height: number;
  /** Display-order hex, as the daemon gave it for this height. */
  readonly hash: string;
  readonly block: PreparedBlock;
}

interface Ahead {
  readonly height: number;
  readonly hash: string;
  readonly bytes: number;
  readonly result: Promise<PreparedBlock>;
}

const noop = () => undefined;

export class PreparedBlockStream {
  private readonly ahead: Ahead[] = [];
  private aheadBytes = 0;
  private exhausted = false;

  /** `maxAhead`: blocks handed to the workers and not yet taken. */
  constructor(
    private readonly fetcher: BlockFetcher,
    private readonly pool: PreparePool | null,
    private readonly maxAhead = 8,
  ) {}

  /** Memory held for blocks not yet taken: the fetcher's queue plus blocks being prepared (raw and prepared). */
  get heldBytes(): number {
    return this.fetcher.heldBytes + 2 * this.aheadBytes;
  }

  /** The next prepared block in height order, or null at the end. Rethrows fetch and parse errors. */
  async next(): Promise<PreparedAt | null> {
    if (this.pool === null) {
      const item = await this.fetcher.next();
      return item && { height: item.height, hash: item.hash, block: prepareBlock(item.raw) };
    }
    // Keep the workers busy: hand over what has landed, but wait for the network only when
    // nothing is in preparation.
    while (!this.exhausted && this.ahead.length < this.maxAhead && (this.ahead.length === 0 || this.fetcher.ready)) {
      const item = await this.fetcher.next();
      if (!item) {
        this.exhausted = true;
        break;
      }
      const bytes = item.raw.length;
      const result = this.pool.prepare(item.raw);
      result.catch(noop); // rejections surface when taken; ones never taken (after stop) are dropped
      this.ahead.push({ height: item.height, hash: item.hash, bytes, result });
      this.aheadBytes += bytes;
    }
    const head = this.ahead.shift();
    if (!head) return null;
    this.aheadBytes -= head.bytes;
    return { height: head.height, hash: head.hash, block: await head.result };
  }

  stop(): void {
    this.fetcher.stop();
    this.ahead.length = 0;
    this.aheadBytes = 0;
  }
}
