// Merkle branches of transactions within a block (get_merkle, id_from_pos): the block's txids
// from the index, the tree's levels built once and kept for the most recently asked blocks, since
// a wallet syncing asks for many transactions of the same blocks.
import { createHash } from 'node:crypto';
import type { IndexReader } from '../index/types.js';

function hashPair(a: Uint8Array, b: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(a).update(b).digest()).digest();
}

export class BlockTree {
  /** levels[0] = txids (internal order); the last level is the root. */
  private readonly levels: Buffer[][];

  constructor(readonly txids: readonly Buffer[]) {
    const levels: Buffer[][] = [txids.slice()];
    while (levels[levels.length - 1]!.length > 1) {
      const below = levels[levels.length - 1]!;
      const up: Buffer[] = [];
      for (let i = 0; i < below.length; i += 2) up.push(hashPair(below[i]!, below[i + 1] ?? below[i]!));
      levels.push(up);
    }
    this.levels = levels;
  }

  /** Sibling hashes from the leaf up (internal order). */
  branch(pos: number): Buffer[] {
    const out: Buffer[] = [];
    let i = pos;
    for (let k = 0; k < this.levels.length - 1; k++) {
      const level = this.levels[k]!;
      out.push(level[i ^ 1] ?? level[i]!);
      i >>= 1;
    }
    return out;
  }

  get root(): Buffer {
    return this.levels[this.levels.length - 1]![0]!;
  }
}

export class BlockMerkleCache {
  private readonly trees = new Map<string, BlockTree>();

  constructor(private readonly capacity = 64) {}

  /** The tree of the block at `height` in the reader's chain (`blockHash` keys the cache), or null beyond its tip. */
  async tree(reader: IndexReader, height: number, blockHash: Buffer): Promise<BlockTree | null> {
    const key = blockHash.toString('latin1');
    const hit = this.trees.get(key);
    if (hit) {
      this.trees.delete(key);
      this.trees.set(key, hit);
      return hit;
    }
    const txids = await reader.getBlockTxids(height);
    if (!txids || txids.length === 0) return null;
    const tree = new BlockTree(txids);
    this.trees.set(key, tree);
    if (this.trees.size > this.capacity) this.trees.delete(this.trees.keys().next().value!);
    return tree;
  }
}
