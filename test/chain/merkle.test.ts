import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import { merkleBranch, merkleRoot, rootFromBranch } from '../../src/chain/merkle.js';
import { sha256 } from '../../src/chain/hash.js';
import { scriptHashHex, scriptHashFromHex, isUnspendable } from '../../src/chain/scripthash.js';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => sha256(Buffer.from([i, n])));

test('merkle roots match bitcoinjs-lib for odd and even sizes', () => {
  for (const n of [1, 2, 3, 4, 5, 7, 8, 13, 100]) {
    const txs = Array.from({ length: n }, (_, i) => {
      const tx = new bitcoin.Transaction();
      tx.addInput(Buffer.alloc(32, i + 1), i, 0xffffffff, Buffer.alloc(0));
      tx.addOutput(Buffer.from([0x51]), i * 1000);
      return tx;
    });
    assert.deepEqual(merkleRoot(txs.map((t) => t.getHash())), bitcoin.Block.calculateMerkleRoot(txs), `${n} leaves`);
  }
  const one = leaves(1);
  assert.deepEqual(merkleRoot(one), one[0]);
});

test('every branch folds back to the root', () => {
  for (const n of [1, 2, 3, 5, 6, 9, 16, 33]) {
    const hashes = leaves(n);
    const root = merkleRoot(hashes);
    for (let i = 0; i < n; i++) {
      const { branch, root: r } = merkleBranch(hashes, i);
      assert.deepEqual(r, root);
      assert.deepEqual(rootFromBranch(hashes[i]!, branch, i), root, `leaf ${i} of ${n}`);
      assert.equal(branch.length, n === 1 ? 0 : Math.ceil(Math.log2(n)));
    }
  }
  assert.throws(() => merkleBranch(leaves(3), 3), RangeError);
});

test("Electrum's scripthash: the protocol spec's genesis P2PKH example", () => {
  // 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa
  const script = Buffer.from('76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac', 'hex');
  assert.equal(scriptHashHex(script), '8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161');
  assert.deepEqual(scriptHashFromHex(scriptHashHex(script)), sha256(script));
  assert.throws(() => scriptHashFromHex('00'), /invalid scripthash/);
  assert.ok(isUnspendable(Buffer.from('6a0101', 'hex')));
  assert.ok(!isUnspendable(script));
});
