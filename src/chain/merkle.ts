// Bitcoin merkle trees: double-SHA256 of concatenated pairs, the last hash of an odd level
// paired with itself. Used for block merkle roots, Electrum tx proofs and cp_height header proofs.
import { createHash } from 'node:crypto';

function hashPair(a: Uint8Array, b: Uint8Array): Buffer {
  const first = createHash('sha256').update(a).update(b).digest();
  return createHash('sha256').update(first).digest();
}

function nextLevel(level: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = new Array(Math.ceil(level.length / 2));
  for (let i = 0; i < level.length; i += 2) {
    out[i >> 1] = hashPair(level[i]!, level[i + 1] ?? level[i]!);
  }
  return out;
}

/** Root of the tree over `hashes` (internal byte order). */
export function merkleRoot(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) throw new RangeError('merkle root of no hashes');
  let level: readonly Buffer[] = hashes;
  while (level.length > 1) level = nextLevel(level);
  return Buffer.from(level[0]!);
}

export interface MerkleBranch {
  /** Sibling hashes, deepest first, internal byte order. */
  readonly branch: Buffer[];
  readonly root: Buffer;
}

/** The branch proving leaf `index`, and the root it leads to. */
export function merkleBranch(hashes: readonly Buffer[], index: number): MerkleBranch {
  if (index < 0 || index >= hashes.length) throw new RangeError(`leaf ${index} out of range 0..${hashes.length - 1}`);
  const branch: Buffer[] = [];
  let level: readonly Buffer[] = hashes;
  let i = index;
  while (level.length > 1) {
    const sibling = i ^ 1;
    branch.push(Buffer.from(level[sibling] ?? level[i]!));
    level = nextLevel(level);
    i >>= 1;
  }
  return { branch, root: Buffer.from(level[0]!) };
}

/** Folds a branch back up to the root (for verification). */
export function rootFromBranch(leaf: Buffer, branch: readonly Buffer[], index: number): Buffer {
  let h = leaf;
  let i = index;
  for (const sibling of branch) {
    h = i & 1 ? hashPair(sibling, h) : hashPair(h, sibling);
    i >>= 1;
  }
  return h;
}
