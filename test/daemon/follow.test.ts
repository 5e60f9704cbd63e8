// followDaemon: one subscription open at a time, a burst of switches makes one restart, close ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followDaemon, type Closable } from '../../src/daemon/follow.js';
import type { DaemonInfo } from '../../src/daemon/pool.js';

/** A pool with switches fired by hand. */
function switchingPool() {
  const listeners = new Set<(d: DaemonInfo) => void>();
  let index = 0;
  return {
    onSwitch(l: (d: DaemonInfo) => void) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    switchNow() {
      index = (index + 1) % 2;
      for (const l of listeners) l({ index, url: `http://127.0.0.1:${18443 + index}/` });
    },
  };
}

/** Starts that the test lets finish one at a time, counting what is open. */
function gatedStarts() {
  const gates: Array<() => void> = [];
  let open = 0;
  let maxOpen = 0;
  let starts = 0;
  const start = async (): Promise<Closable> => {
    starts++;
    await new Promise<void>((resolve) => gates.push(resolve));
    open++;
    maxOpen = Math.max(maxOpen, open);
    let closed = false;
    return {
      async close() {
        if (!closed) open--;
        closed = true;
      },
    };
  };
  return {
    start,
    release: () => gates.shift()?.(),
    get pending() {
      return gates.length;
    },
    get open() {
      return open;
    },
    get maxOpen() {
      return maxOpen;
    },
    get starts() {
      return starts;
    },
  };
}

const turns = () => new Promise((r) => setTimeout(r, 5));

test('a burst of switches while a start is in flight makes one more start, never two open', async () => {
  const pool = switchingPool();
  const s = gatedStarts();
  const errors: Error[] = [];
  const f = followDaemon(pool, s.start, (e) => errors.push(e));
  await turns();
  assert.equal(s.starts, 1);
  for (let i = 0; i < 20; i++) pool.switchNow();
  s.release();
  await turns();
  // The first start finished; the twenty switches queued one restart, which closed it and started again.
  assert.equal(s.starts, 2);
  assert.equal(s.open, 0);
  s.release();
  await turns();
  assert.equal(s.open, 1);
  assert.equal(s.maxOpen, 1);
  pool.switchNow();
  await turns();
  assert.equal(s.starts, 3, 'a switch after the burst restarts again');
  s.release();
  await turns();
  assert.equal(s.open, 1);
  await f.close();
  assert.equal(s.open, 0);
  assert.deepEqual(errors, []);
});

test('close while a start waits on a dead daemon returns at once; what the start opens is closed', async () => {
  const pool = switchingPool();
  const s = gatedStarts();
  const f = followDaemon(pool, s.start, () => undefined);
  await turns();
  await f.close();
  pool.switchNow();
  s.release();
  await turns();
  assert.equal(s.open, 0);
  assert.equal(s.starts, 1, 'no restart after close');
});
