// A block the node knows, active or stale, with what connecting it produced.
import { parseBlock, type Block } from '../../chain/block.js';
import { parseHeader, type Header } from '../../chain/header.js';
import { ByteReader } from '../../chain/bytes.js';
import type { SpentOutput, StoredBlock } from './types.js';
import type { BlockUndo } from './utxo.js';

export class BlockRecord implements StoredBlock {
  readonly header: Header;
  readonly txCount: number;
  fees: number[] = [];
  spentOutputs?: SpentOutput[][];
  /** BLOCK_FAILED_VALID: invalidated (or found invalid) itself. */
  failed = false;
  /** BLOCK_FAILED_CHILD: an ancestor failed. */
  failedChild = false;
  undo?: BlockUndo;
  private parsed?: Block;

  constructor(
    readonly hash: Buffer,
    readonly height: number,
    readonly raw: Buffer,
    readonly prev: BlockRecord | undefined,
    readonly chainwork: bigint,
    /** Arrival order: among equal-work tips the earlier one wins, as in bitcoind. */
    readonly sequence: number,
    readonly fast: boolean,
    parsed?: Block,
  ) {
    this.header = parsed?.header ?? parseHeader(raw);
    this.txCount = parsed ? parsed.txs.length : new ByteReader(raw, 80).varint();
    if (!fast) this.parsed = parsed;
  }

  get block(): Block {
    if (this.parsed) return this.parsed;
    const b = parseBlock(this.raw);
    if (!this.fast) this.parsed = b;
    return b;
  }

  get time(): number {
    return this.header.time;
  }

  get invalid(): boolean {
    return this.failed || this.failedChild;
  }

  /** Median of the last 11 block times ending here (BIP113). */
  medianTimePast(): number {
    const times: number[] = [];
    let r: BlockRecord | undefined = this;
    for (let i = 0; i < 11 && r; i++, r = r.prev) times.push(r.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  ancestor(height: number): BlockRecord | undefined {
    let r: BlockRecord | undefined = this;
    while (r && r.height > height) r = r.prev;
    return r && r.height === height ? r : undefined;
  }
}
