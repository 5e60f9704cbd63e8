// The merkle cache's branches against the plain merkle code, for every (leaf, tree size) pair up to
// 200 leaves (every 32-leaf boundary among them), after appends and after truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MerkleCache } from '../../src/chain/merkle-cache.js';
import { merkleBranch, rootFromBranch } from '../../src/chain/merkle.js';

const leaf = (i: number, salt = 'a') => createHash('sha256').update(`${salt}${i}`).digest();

function checkAll(cache: MerkleCache, leaves: Buffer[], sizes: Iterable<number>): void {
  for (const size of sizes) {
    for (let index = 0; index < size; index++) {
      const want = merkleBranch(leaves.slice(0, size), index);
      const got = cache.branch(index, size);
      assert.deepEqual(got.branch, want.branch, `branch ${index}/${size}`);
      assert.ok(got.root.equals(want.root), `root ${index}/${size}`);
      assert.ok(rootFromBranch(leaves[index]!, got.branch, index).equals(got.root));
    }
  }
}

test('branches equal the plain computation for every leaf and size up to 200', () => {
  const cache = new MerkleCache();
  const leaves: Buffer[] = [];
  for (let i = 0; i < 200; i++) {
    leaves.push(leaf(i));
    cache.append(leaves[i]!);
  }
  checkAll(cache, leaves, Array.from({ length: 200 }, (_, i) => i + 1));
});

test('truncating and growing again (a reorg) gives the new chain\'s proofs', () => {
  const cache = new MerkleCache();
  const leaves: Buffer[] = [];
  for (let i = 0; i < 150; i++) {
    leaves.push(leaf(i));
    cache.append(leaves[i]!);
  }
  cache.truncate(97);
  leaves.length = 97;
  for (let i = 97; i < 140; i++) {
    leaves.push(leaf(i, 'b'));
    cache.append(leaves[i]!);
  }
  checkAll(cache, leaves, [1, 2, 31, 32, 33, 64, 96, 97, 98, 127, 128, 129, 140]);
  assert.throws(() => cache.branch(0, 141), RangeError);
  assert.throws(() => cache.branch(5, 5), RangeError);
});
