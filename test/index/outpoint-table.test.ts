// The writer's UTXO hash table against a Map, through growth, tombstones and re-adds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RecordArena } from '../../src/index/arena.js';
import { OutpointTable } from '../../src/index/outpoint-table.js';
import { rng } from './chain-builder.js';

test('OutpointTable behaves like a Map keyed by the 20 outpoint bytes', () => {
  const arena = new RecordArena(24);
  const table = new OutpointTable(arena, 2, 8); // tiny start: forces many grows
  const model = new Map<string, number>();
  const rand = rng(1);
  const key = Buffer.alloc(22);
  const keys: Buffer[] = [];
  const newKey = (): Buffer => {
    const k = Buffer.alloc(20);
    // Often another output of an earlier txid: keys then differ only in the vout.
    const txNo = rand() < 0.5 && keys.length > 0 ? Math.floor(rand() * keys.length) : keys.length;
    createHash('sha256').update(`k${txNo}`).digest().copy(k, 0, 0, 16);
    k.writeUInt32BE(keys.length, 16);
    keys.push(k);
    return k;
  };
  for (let step = 0; step < 60_000; step++) {
    const r = rand();
    if (r < 0.55 || keys.length === 0) {
      // Add a fresh key, or (rarely) re-add an existing key: the new record must replace the old.
      const k = rand() < 0.05 && keys.length > 0 ? keys[Math.floor(rand() * keys.length)]! : newKey();
      const id = arena.push();
      k.copy(arena.buf(id), arena.off(id) + 2);
      table.add(id);
      model.set(k.toString('hex'), id);
    } else {
      const k = keys[Math.floor(rand() * keys.length)]!;
      k.copy(key, 2);
      const want = model.get(k.toString('hex')) ?? -1;
      if (rand() < 0.5) {
        assert.equal(table.has(key, 2), want >= 0);
      } else {
        assert.equal(table.take(key, 2), want);
        model.delete(k.toString('hex'));
      }
    }
    assert.equal(table.size, model.size);
  }
  assert.deepEqual([...table.ids()].sort((a, b) => a - b), [...model.values()].sort((a, b) => a - b));
  table.clear();
  assert.equal(table.size, 0);
  assert.equal(table.take(key, 2), -1);
});
