// Merkle branches over a growing list of hashes (block hashes, for cp_height header proofs)
// without rehashing the whole tree each time. Every complete subtree's root is kept, level by
// level (about as many nodes as leaves again); a proof then hashes only the nodes on the tree's
// right edge that the asked size leaves incomplete: O(log^2 n) hashes instead of O(n).
import { createHash } from 'node:crypto';
import type { MerkleBranch } from './merkle.js';

function hashPair(a: Uint8Array, b: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(a).update(b).digest()).digest();
}

/** A level's nodes, 32 bytes each, in one growing buffer. */
class Level {
  buf = Buffer.allocUnsafe(32 * 64);
  count = 0;

  push(h: Uint8Array): void {
    if ((this.count + 1) * 32 > this.buf.length) {
      const next = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(next, 0, 0, this.count * 32);
      this.buf = next;
    }
    this.buf.set(h, this.count * 32);
    this.count++;
  }

  at(i: number): Buffer {
    return this.buf.subarray(i * 32, i * 32 + 32);
  }
}

export class MerkleCache {
  /** levels[k] holds the roots of the complete subtrees of 2^k leaves, left to right. */
  private levels: Level[] = [new Level()];

  get length(): number {
    return this.levels[0]!.count;
  }

  append(leaf: Uint8Array): void {
    this.levels[0]!.push(leaf);
    for (let k = 1; ; k++) {
      const below = this.levels[k - 1]!;
      if (below.count % 2 !== 0) break;
      const level = (this.levels[k] ??= new Level());
      level.push(hashPair(below.at(below.count - 2), below.at(below.count - 1)));
    }
  }

  /** Keeps the first n leaves. */
  truncate(n: number): void {
    for (let k = 0; k < this.levels.length; k++) this.levels[k]!.count = Math.min(this.levels[k]!.count, Math.floor(n / 2 ** k));
  }

  /** The branch proving leaf `index` in the tree over the first `size` leaves, and its root. */
  branch(index: number, size: number): MerkleBranch {
    if (!(size >= 1 && size <= this.length)) throw new RangeError(`tree of ${size} leaves, have ${this.length}`);
    if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} out of range 0..${size - 1}`);
    const branch: Buffer[] = [];
    let i = index;
    let k = 0;
    while (Math.ceil(size / 2 ** k) > 1) {
      const width = Math.ceil(size / 2 ** k);
      const sibling = i ^ 1;
      branch.push(Buffer.from(this.node(k, sibling < width ? sibling : i, size)));
      i >>= 1;
      k++;
    }
    return { branch, root: Buffer.from(this.node(k, 0, size)) };
  }

  /** Node j of level k in the tree over `size` leaves (an odd level pairs its last node with itself). */
  private node(k: number, j: number, size: number): Buffer {
    if ((j + 1) * 2 ** k <= size) return this.levels[k]!.at(j);
    // Incomplete: on the right edge, built from its children.
    const left = this.node(k - 1, 2 * j, size);
    const right = 2 * j + 1 < Math.ceil(size / 2 ** (k - 1)) ? this.node(k - 1, 2 * j + 1, size) : left;
    return hashPair(left, right);
  }
}
