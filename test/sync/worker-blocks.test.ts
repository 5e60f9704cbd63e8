// The catch-up block source on a worker thread: same blocks as the main-thread path, in order,
// with daemon errors keeping their class across the thread boundary (the syncer retries those).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { DaemonPool } from '../../src/daemon/pool.js';
import { DaemonRpcError, DaemonUnavailableError } from '../../src/daemon/types.js';
import { prepareBlock } from '../../src/index/prepared-block.js';
import { FetchWorker } from '../../src/sync/worker-blocks.js';
import { freePorts, startRegtest, type Regtest } from '../helpers/regtest.js';

let r: Regtest;
let pool: DaemonPool;
const worker = new FetchWorker();
const tuning = { inFlight: 3, maxQueueBytes: 4 * 1024 * 1024, maxAheadBytes: 64 * 1024 };

before(async () => {
  r = await startRegtest({ blocks: 130 });
  await r.pay(await r.newAddress('bech32'), 50_000);
  await r.mine(1);
  pool = new DaemonPool([r.endpoint], { retryForMs: 5_000 });
});

after(async () => {
  await worker.close();
  pool.close();
  await r.stop();
});

test('the worker hands over every block, prepared exactly as on the main thread, in height order', async () => {
  const stream = worker.open(pool.workerSpec(), { from: 0, to: 131, ...tuning });
  const hashes = await pool.getBlockHashes(Array.from({ length: 132 }, (_, h) => h));
  const raws = await pool.getRawBlocks(hashes);
  for (let h = 0; h <= 131; h++) {
    const item = await stream.next();
    assert.ok(item, `block ${h}`);
    assert.equal(item.height, h);
    assert.equal(item.hash, hashes[h]);
    assert.deepEqual(Buffer.from(item.block.buffer), Buffer.from(prepareBlock(raws[h]!).buffer));
  }
  assert.equal(await stream.next(), null);
});

test('a small credit window still delivers everything, and peekReady shows queued blocks', async () => {
  const stream = worker.open(pool.workerSpec(), { from: 0, to: 131, ...tuning, maxAheadBytes: 1 });
  let n = 0;
  for (let item = await stream.next(); item; item = await stream.next()) {
    assert.equal(item.height, n++);
    assert.equal(stream.peekReady(5), null, 'one block outstanding at a time');
  }
  assert.equal(n, 132);
});

test('daemon errors arrive with their class: an RPC error, an unreachable daemon', async () => {
  const beyond = worker.open(pool.workerSpec(), { from: 130, to: 140, ...tuning });
  assert.equal((await beyond.next())?.height, 130);
  assert.equal((await beyond.next())?.height, 131);
  await assert.rejects(beyond.next(), (err: Error) => err instanceof DaemonRpcError && err.code === -8);

  const [port] = await freePorts(1);
  const nowhere = new DaemonPool([{ url: `http://127.0.0.1:${port}`, user: 'u', password: 'p' }], { retryForMs: 300, initialRetryDelayMs: 20 });
  const down = worker.open(nowhere.workerSpec(), { from: 0, to: 20, ...tuning });
  await assert.rejects(down.next(), DaemonUnavailableError);
  nowhere.close();
});

test('a new round replaces a stopped one; the worker serves many rounds', async () => {
  const first = worker.open(pool.workerSpec(), { from: 0, to: 131, ...tuning });
  assert.equal((await first.next())?.height, 0);
  first.stop();
  assert.equal(await first.next(), null);
  const second = worker.open(pool.workerSpec(), { from: 100, to: 110, ...tuning });
  const heights: number[] = [];
  for (let item = await second.next(); item; item = await second.next()) heights.push(item.height);
  assert.deepEqual(heights, Array.from({ length: 11 }, (_, i) => 100 + i));
});

test("the worker's failover reaches the pool its spec came from", async () => {
  const [port] = await freePorts(1);
  const twoDaemons = new DaemonPool([{ url: `http://127.0.0.1:${port}`, user: 'u', password: 'p' }, r.endpoint], { retryForMs: 5_000, initialRetryDelayMs: 20 });
  assert.equal(twoDaemons.current().index, 0, 'starts on the unreachable daemon');
  const moves: number[] = [];
  const stream = worker.open(twoDaemons.workerSpec(), { from: 0, to: 20, ...tuning }, (d) => {
    moves.push(d);
    twoDaemons.adopt(d);
  });
  let n = 0;
  for (let item = await stream.next(); item; item = await stream.next()) assert.equal(item.height, n++);
  assert.equal(n, 21);
  assert.deepEqual(moves, [1], 'told once, when the worker moved');
  assert.equal(twoDaemons.current().index, 1, 'the main pool follows without a failed call of its own');
  twoDaemons.close();
});
