// Reorgs through the harness (invalidateblock + a longer branch): a following syncer rolls back
// with its undo data and applies the winning branch, ending identical to a clean sync of it. The
// replaced blocks carry real signed transactions. A reorg deeper than REORG_LIMIT stops the syncer.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { findCoin } from '../../src/config/coins.js';
import { DaemonPool } from '../../src/daemon/pool.js';
import { indexDigest, openIndex, type AnodeIndex } from '../../src/index/index.js';
import { toDisplayHex } from '../../src/chain/hash.js';
import { Syncer } from '../../src/sync/syncer.js';
import { SyncFatalError } from '../../src/sync/errors.js';
import type { SyncEventMap, SyncTip } from '../../src/sync/events.js';
import { startRegtest, type Regtest } from '../helpers/regtest.js';
import { fetchChain, modelChain } from './chain-model.js';
import { assertIndexMatchesChain, syncToTip, TempDirs } from './helpers.js';

const coin = findCoin('Bitcoin', 'regtest');

/** A syncer following the regtest chain by polling, with what it reported. */
class Follower {
  readonly daemon: DaemonPool;
  syncer!: Syncer;
  index!: AnodeIndex;
  running!: Promise<void>;
  readonly reorgs: Array<SyncEventMap['reorg']> = [];
  private tipWaiters: Array<{ hash: string; resolve: (t: SyncTip) => void }> = [];

  constructor(r: Regtest, private readonly dir: string, private readonly reorgLimit = coin.reorgLimit) {
    this.daemon = new DaemonPool([r.endpoint]);
  }

  async start(): Promise<void> {
    this.index = await openIndex(this.dir, { coin });
    this.syncer = new Syncer({
      daemon: this.daemon,
      reader: this.index.reader,
      writer: this.index.writer!,
      coin,
      reorgLimit: this.reorgLimit,
      cacheMb: 16,
      pollMs: 50,
    });
    this.syncer.events.on('reorg', (e) => this.reorgs.push(e));
    const check = (t: SyncTip) => {
      for (const w of this.tipWaiters.filter((x) => x.hash === toDisplayHex(t.hash))) w.resolve(t);
      this.tipWaiters = this.tipWaiters.filter((x) => x.hash !== toDisplayHex(t.hash));
    };
    this.syncer.events.on('tip', check);
    this.syncer.events.on('caughtUp', check);
    this.running = this.syncer.run();
    // A failure of run() surfaces through waitTip's race below.
    this.running.catch(() => undefined);
  }

  /** Resolves when the follower's flushed tip is `hash`; rejects if the syncer stops first. */
  async waitTip(hash: string): Promise<SyncTip> {
    const tip = this.syncer.tip;
    if (toDisplayHex(tip.hash) === hash && this.syncer.isCaughtUp) return tip;
    const reached = new Promise<SyncTip>((resolve) => this.tipWaiters.push({ hash, resolve }));
    const ended = this.running.then(() => {
      throw new Error('the syncer stopped before reaching the tip');
    });
    return Promise.race([reached, ended]);
  }

  async stop(): Promise<void> {
    this.syncer.stop();
    await this.running.catch(() => undefined);
    this.daemon.close();
    await this.index.close();
  }
}

describe('reorgs', () => {
  let r: Regtest;
  const dirs = new TempDirs();
  let follower: Follower;

  before(async () => {
    r = await startRegtest({ blocks: 101 });
    follower = new Follower(r, dirs.make());
    await follower.start();
    await follower.waitTip(await r.rpc<string>('getbestblockhash'));
  });

  after(async () => {
    await follower?.stop();
    await r?.stop();
    dirs.cleanup();
  });

  for (const depth of [1, 2, 6, 50]) {
    test(`a reorg of depth ${depth} leaves the index identical to a clean sync of the winning chain`, async () => {
      // The blocks about to be replaced carry signed payments (some spending earlier payments' change).
      const before = await r.rpc<number>('getblockcount');
      for (let i = 0; i < depth; i++) {
        const kinds = ['bech32', 'legacy', 'p2sh-segwit', 'bech32m'] as const;
        await r.pay(await r.newAddress(kinds[i % kinds.length]), 100_000 + depth * 1000 + i);
        await r.mine(1);
      }
      const oldTip = await r.rpc<string>('getbestblockhash');
      await follower.waitTip(oldTip);
      const reorgsBefore = follower.reorgs.length;

      const newTip = await r.reorg(depth);
      assert.notEqual(newTip, oldTip);
      await follower.waitTip(newTip);

      const seen = follower.reorgs.slice(reorgsBefore);
      assert.ok(seen.length >= 1, 'a reorg event was emitted');
      assert.equal(seen[0]!.depth, depth, 'rolled back exactly to the fork point');
      assert.equal(seen[0]!.fork.height, before, 'the fork point is the block below the replaced ones');
      assert.equal(seen[0]!.oldTip.height, before + depth);
      assert.equal(toDisplayHex(seen[0]!.oldTip.hash), oldTip);

      const clean = await syncToTip(r.endpoint, coin, dirs.make());
      assert.equal(await indexDigest(follower.index), clean, 'follower index equals a clean sync of the winning chain');
      const model = modelChain((await fetchChain(r.rpc.bind(r))).blocks);
      await assertIndexMatchesChain(follower.index.reader, model);
    });
  }

  test('a reorg deeper than the reorg limit stops the syncer with a clear message', async () => {
    const limited = new Follower(r, dirs.make(), 3);
    await limited.start();
    try {
      await limited.waitTip(await r.rpc<string>('getbestblockhash'));
      const heightBefore = limited.syncer.tip.height;
      await r.reorg(5);
      await assert.rejects(limited.running, (err: Error) => {
        assert.ok(err instanceof SyncFatalError, `got ${err.name}: ${err.message}`);
        assert.match(err.message, /deeper than the reorg limit/);
        assert.match(err.message, /REORG_LIMIT/);
        return true;
      });
      assert.equal(limited.syncer.tip.height, heightBefore, 'nothing was rolled back');
    } finally {
      await limited.stop();
    }
  });
});
