// (a) The daemon in use dies in the middle of a catch-up of a few hundred blocks: the pool fails over to
// the second daemon, the sync carries on from there, the log names the switch, and the index ends
// identical to a clean sync of the same chain; the server then answers every script as the chain says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegtestPair, type RegtestPair } from '../helpers/regtest.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { indexDigest } from '../../src/index/index.js';
import { syncToTip, TempDirs } from '../sync/helpers.js';
import { capturingLogger, expectServed, stopwatch } from './checks.js';

test('the daemon in use dies mid-sync: failover, the same index as a clean sync, right answers', { timeout: 240_000 }, async () => {
  const clock = stopwatch('sync-failover');
  const dirs = new TempDirs();
  let pair: RegtestPair | null = null;
  let stack: Stack | null = null;
  try {
    pair = await startRegtestPair({ blocks: 110 });
    const r = pair.regtest;
    // 300 more blocks with payments to reused and fresh addresses, and a few left in the mempool.
    const addresses = await Promise.all(Array.from({ length: 8 }, (_, i) => r.newAddress((['bech32', 'legacy', 'p2sh-segwit', 'bech32m'] as const)[i % 4])));
    for (let round = 0; round < 30; round++) {
      for (let k = 0; k < 3; k++) await r.pay(round % 2 === 0 ? addresses[(round + k) % addresses.length]! : await r.newAddress(), 50_000 + round * 100 + k);
      await r.mine(10);
    }
    for (let k = 0; k < 3; k++) await r.pay(addresses[k]!, 70_000 + k);
    await pair.waitSynced();
    const target = await r.rpc<number>('getblockcount');
    assert.equal(target, 410);
    clock.lap(`chain of ${target} blocks on ${pair.kind}`);

    const { logger, find } = capturingLogger('info');
    const p = pair;
    let killedAt = -1;
    let killed: Promise<void> | null = null;
    stack = await startStack({
      regtest: pair.regtest,
      daemons: pair.nodes,
      logger,
      onSyncing: ({ syncer }) => {
        // Kill the first daemon once a quarter of the chain is applied (the sync yields every few ms).
        const timer = setInterval(() => {
          if (syncer.tip.height < target / 4) return;
          clearInterval(timer);
          killedAt = syncer.tip.height;
          killed = p.kill(0);
        }, 1);
      },
    });
    await killed;
    clock.lap(`caught up; daemon 0 was killed at height ${killedAt}`);
    assert.ok(killedAt >= target / 4 && killedAt < target, `killed mid-sync (at ${killedAt} of ${target})`);
    assert.equal(stack.daemon.current().index, 1, 'the pool uses the second daemon');
    assert.deepEqual(stack.daemon.states().map((d) => [d.current, d.down]), [[false, true], [true, false]]);

    // The log: the failover (naming both daemons), then the catch-up finishing at the tip.
    const failover = find(/daemon unavailable, failing over/);
    assert.ok(failover.length >= 1, 'the failover is logged');
    assert.equal(failover[0]!.url, pair.endpoints[0].url);
    assert.equal(failover[0]!.next, pair.endpoints[1].url);
    const caughtUp = find(/caught up at height/);
    assert.equal(caughtUp.length, 1);
    assert.match(String(caughtUp[0]!.msg), new RegExp(`caught up at height ${target} `));

    // The index equals a clean sync of the same chain (undo rows aside).
    await stack.settle();
    const served = await indexDigest(stack.index);
    const clean = await syncToTip(pair.endpoints[1], pair.coin, dirs.make());
    assert.equal(served, clean, 'the index after the failover is the clean sync\'s');
    clock.lap('index digest equals a clean sync');

    // Every script, the tip and the mempool, as the surviving daemon has them.
    const s = stack;
    const walk = await expectServed(stack.port(), () => s.inUse(), 'after the mid-sync failover');
    assert.ok(walk.scripts.size > 40, `${walk.scripts.size} scripts checked`);
    const mempool = await stack.inUse().rpc<string[]>('getrawmempool');
    assert.equal(stack.chain.mempool.size, mempool.length);
    assert.ok(mempool.length >= 3);
    clock.lap(`${walk.scripts.size} scripts and ${mempool.length} mempool txs right`);
  } finally {
    await stack?.stop();
    await pair?.stop();
    dirs.cleanup();
  }
});
