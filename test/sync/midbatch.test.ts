// The daemon reorganising while a catch-up round is fetching: hashes read before the switch, blocks
// after it. Devnet only, because the switch is triggered at an exact point of the fetch sequence:
// a thin pass-through around the real DaemonPool runs the devnet node's reorg right after the
// third getblockhash batch is answered (one block per batch, one batch in flight).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { findCoin } from '../../src/config/coins.js';
import { DaemonPool } from '../../src/daemon/pool.js';
import type { Daemon } from '../../src/daemon/types.js';
import { indexDigest, openIndex } from '../../src/index/index.js';
import { toDisplayHex } from '../../src/chain/hash.js';
import { Syncer } from '../../src/sync/syncer.js';
import type { SyncEventMap } from '../../src/sync/events.js';
import { startRegtest, usingBitcoind, type DevnetRegtest } from '../helpers/regtest.js';
import { fetchChain, modelChain } from './chain-model.js';
import { assertIndexMatchesChain, syncToTip, TempDirs } from './helpers.js';

const coin = findCoin('Bitcoin', 'regtest');

/** The real daemon, plus a hook that runs after the n-th getBlockHashes answer once armed. */
function withHookAfterHashes(daemon: Daemon, n: number, hook: () => void): { daemon: Daemon; arm(): void; fired(): boolean } {
  let armed = false;
  let calls = 0;
  let done = false;
  const proxy = new Proxy(daemon, {
    get(target, prop, receiver) {
      if (prop !== 'getBlockHashes') {
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
      return async (heights: readonly number[]) => {
        const hashes = await target.getBlockHashes(heights);
        if (armed && !done && ++calls === n) {
          done = true;
          hook();
        }
        return hashes;
      };
    },
  });
  return { daemon: proxy, arm: () => (armed = true), fired: () => done };
}

describe('a reorg in the middle of a catch-up round', { skip: usingBitcoind && 'devnet only: reorg at an exact fetch step' }, () => {
  let r: DevnetRegtest;
  const dirs = new TempDirs();

  before(async () => {
    r = (await startRegtest({ blocks: 101 })) as DevnetRegtest;
  });

  after(async () => {
    await r?.stop();
    dirs.cleanup();
  });

  test('blocks fetched from the old branch are rolled back and the new branch applied', async () => {
    const dir = dirs.make();
    await syncToTip(r.endpoint, coin, dir);
    const base = await r.rpc<number>('getblockcount');
    // Five new blocks with signed payments; the syncer has not seen them.
    for (let i = 0; i < 5; i++) {
      await r.pay(await r.newAddress(i % 2 ? 'legacy' : 'bech32'), 200_000 + i);
      await r.mine(1);
    }
    const oldBranch = await Promise.all([3, 4, 5].map((d) => r.rpc<string>('getblockhash', [base + d])));

    const pool = new DaemonPool([r.endpoint]);
    // After hashes for base+1..base+3 were handed out, base+3..base+5 are replaced (4 new blocks).
    const hooked = withHookAfterHashes(pool, 3, () => r.devnet.node.reorg(3));
    const index = await openIndex(dir, { coin });
    const reorgs: Array<SyncEventMap['reorg']> = [];
    try {
      const syncer = new Syncer({
        daemon: hooked.daemon,
        reader: index.reader,
        writer: index.writer!,
        coin,
        reorgLimit: coin.reorgLimit,
        cacheMb: 16,
        pollMs: 50,
        follow: false,
        fetch: { inFlight: 1, maxBatchBlocks: 1 },
      });
      syncer.events.on('reorg', (e) => reorgs.push(e));
      hooked.arm();
      await syncer.run();
      assert.ok(hooked.fired(), 'the reorg happened during the round');
      assert.equal(toDisplayHex(syncer.tip.hash), await r.rpc<string>('getbestblockhash'));
    } finally {
      pool.close();
      await index.close();
    }
    assert.equal(reorgs.length, 1);
    assert.equal(reorgs[0]!.depth, 1, 'only the one old-branch block that was applied is undone');
    assert.equal(reorgs[0]!.fork.height, base + 2);
    assert.equal(toDisplayHex(reorgs[0]!.oldTip.hash), oldBranch[0]);

    const clean = await syncToTip(r.endpoint, coin, dirs.make());
    assert.equal(await indexDigest(dir, coin), clean);
    const check = await openIndex(dir, { coin, readOnly: true });
    try {
      await assertIndexMatchesChain(check.reader, modelChain((await fetchChain(r.rpc.bind(r))).blocks));
    } finally {
      await check.close();
    }
  });
});
