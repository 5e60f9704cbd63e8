import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RecordArena } from '../../src/index/arena.js';
import { keyOrder } from '../../src/index/flush-batch.js';

test('keyOrder is a permutation of the ids, ordered by the four key bytes after the table byte, ties by id', () => {
  const arena = new RecordArena(17);
  for (let i = 0; i < 50_000; i++) {
    const id = arena.push();
    const b = arena.buf(id);
    const o = arena.off(id);
    b[o] = 0x68;
    randomBytes(16).copy(b, o + 1);
    if (i % 7 === 0) b[o + 1] = b[o + 2] = b[o + 3] = b[o + 4] = 0; // plenty of ties
    if (i % 11 === 0) b[o + 1] = b[o + 2] = 7; // crowded buckets, ordered by the next two bytes
  }
  const key = (id: number) => arena.buf(id).readUInt32BE(arena.off(id) + 1);
  const check = (order: Int32Array, ids: readonly number[]) => {
    assert.deepEqual([...order].sort((a, b) => a - b), [...ids].sort((a, b) => a - b), 'a permutation');
    for (let i = 1; i < order.length; i++) {
      const a = order[i - 1]!;
      const b = order[i]!;
      assert.ok(key(a) < key(b) || (key(a) === key(b) && ids.indexOf(a) < ids.indexOf(b)), `position ${i}`);
    }
  };
  const all = Array.from({ length: arena.count }, (_, i) => i);
  check(keyOrder(arena, 0, null), all);
  const some = all.filter((i) => i % 3 === 1).slice(0, 3000);
  check(keyOrder(arena, 0, Int32Array.from(some)), some);
  assert.equal(keyOrder(arena, 0, []).length, 0);
});
