// Reads started ahead of applyBlock: the outpoint rows a coming block spends, looked up by RocksDB
// on its own thread while the block before it is applied (see IndexWriter.prefetch). A row read
// early cannot be gone when it is used: only a spend deletes it, and a chain spends an output once.
import type RocksDB from 'rocksdb-native';
import { PREVOUT_LEN, type PreparedBlock } from './prepared-block.js';

/** Results for one block: per input its index in `values`, or -1 where nothing was read. */
export interface ReadPrevouts {
  readonly slot: Int32Array;
  readonly values: ReadonlyArray<Buffer | null>;
}

interface Started {
  readonly block: PreparedBlock;
  readonly slot: Int32Array;
  readonly values: Promise<Array<Buffer | null>>;
}

/** Blocks whose reads are kept; older ones are dropped (their block was never applied). */
const MAX_STARTED = 4;

export class PrevoutReads {
  private started: Started[] = [];

  constructor(private readonly db: RocksDB) {}

  /** Starts reading the prevouts of `block` that `inMemory(prevouts, keyOffset)` does not hold. */
  start(block: PreparedBlock, inMemory: (key: Buffer, off: number) => boolean): void {
    if (this.started.some((p) => p.block === block)) return;
    const { inputCount, prevouts } = block;
    const slot = new Int32Array(inputCount).fill(-1);
    const keys: Buffer[] = [];
    for (let k = 0; k < inputCount; k++) {
      const ko = k * PREVOUT_LEN;
      if (inMemory(prevouts, ko + 1)) continue;
      slot[k] = keys.length;
      keys.push(prevouts.subarray(ko, ko + PREVOUT_LEN));
    }
    if (keys.length === 0) return;
    // Never a batch of capacity 0: rocksdb-native reuses freed batches with their old capacity, and
    // one of 0 can never grow (its get() then loops forever).
    const rb = this.db.read({ capacity: keys.length, autoDestroy: true });
    const pending = keys.map((key) => rb.get(key));
    rb.tryFlush();
    const values = Promise.all(pending);
    values.catch(() => undefined); // a failed read only means applyBlock reads those rows itself
    this.started.push({ block, slot, values });
    if (this.started.length > MAX_STARTED) this.started.shift();
  }

  /** The reads started for `block` (forgetting those of earlier blocks), or null if none or failed. */
  async take(block: PreparedBlock): Promise<ReadPrevouts | null> {
    const at = this.started.findIndex((p) => p.block === block);
    if (at < 0) return null;
    const { slot, values } = this.started[at]!;
    this.started.splice(0, at + 1);
    const read = await values.catch(() => null);
    return read && { slot, values: read };
  }

  clear(): void {
    this.started = [];
  }
}
