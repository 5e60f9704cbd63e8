import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { ONE_BLOCK_MAX, sha256Into } from '../../src/chain/sha256-into.js';

test('sha256Into equals node:crypto for every length across the padding edges, at any offsets', () => {
  const src = randomBytes(4096);
  const out = Buffer.alloc(40, 0xee);
  for (let len = 0; len <= 300; len++) {
    for (const off of [0, 1, 63, 1000]) {
      sha256Into(src, off, len, out, 5);
      assert.deepEqual(out.subarray(5, 37), createHash('sha256').update(src.subarray(off, off + len)).digest(), `len ${len} off ${off}`);
      assert.equal(out[4], 0xee);
      assert.equal(out[37], 0xee, 'writes exactly 32 bytes');
    }
  }
  for (const len of [1000, 4000]) {
    sha256Into(src, 17, len, out, 0);
    assert.deepEqual(out.subarray(0, 32), createHash('sha256').update(src.subarray(17, 17 + len)).digest());
  }
  assert.equal(ONE_BLOCK_MAX, 55); // 55 bytes + 0x80 + 8 length bytes = one 64-byte block
});

test('known vectors: empty and "abc"', () => {
  const out = Buffer.alloc(32);
  sha256Into(Buffer.alloc(0), 0, 0, out, 0);
  assert.equal(out.toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  sha256Into(Buffer.from('abc'), 0, 3, out, 0);
  assert.equal(out.toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
