import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchWorkerMinMb, memoryPlan } from '../../src/sync/budget.js';

const MB = 1024 * 1024;

test('memoryPlan: the fetch worker only where CACHE_MB can hold its heap, and a halved queue without it', () => {
  const small = memoryPlan(fetchWorkerMinMb - 1);
  const large = memoryPlan(fetchWorkerMinMb);
  assert.equal(small.fetchWorker, false);
  assert.equal(large.fetchWorker, true);
  assert.equal(memoryPlan(400).queueBytes, Math.floor((400 * MB) / 32));
  assert.equal(memoryPlan(1200).queueBytes, 64 * MB);
  // Every share of the budget stays inside it, down to the smallest CACHE_MB settings accept.
  for (const cacheMb of [16, 64, 400, 799, 800, 1200, 4000]) {
    const p = memoryPlan(cacheMb);
    assert.ok(p.queueBytes <= Math.max(2 * MB, (cacheMb * MB) / 16), `queue within budget at ${cacheMb}`);
    assert.ok(p.flushShare > 0 && p.flushShare < 1);
    assert.ok(p.indexCacheMb >= 16);
  }
});
