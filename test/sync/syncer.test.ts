// The syncer against a regtest chain (devnet, or bitcoind when BITCOIND is set): a fresh sync
// answers exactly what the chain itself says; it follows new blocks (ZMQ and polling), resumes,
// and refuses a daemon on another network.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { findCoin } from '../../src/config/coins.js';
import { DaemonPool } from '../../src/daemon/pool.js';
import { openIndex } from '../../src/index/index.js';
import { toDisplayHex } from '../../src/chain/hash.js';
import { Syncer } from '../../src/sync/syncer.js';
import { SyncFatalError } from '../../src/sync/errors.js';
import type { SyncTip } from '../../src/sync/events.js';
import { subscribeHashblock, type BlockAnnouncements } from '../../src/sync/zmq-blocks.js';
import { silentLogger } from '../../src/log.js';
import { freePorts, startRegtest, type Regtest } from '../helpers/regtest.js';
import { fetchChain, modelChain } from './chain-model.js';
import { assertIndexMatchesChain, syncToTip, TempDirs } from './helpers.js';

const coin = findCoin('Bitcoin', 'regtest');

/** Resolves with the first tip event at `hash`; rejects after a generous guard (not a timing assertion). */
function tipReached(syncer: Syncer, hash: string, guardMs = 60_000): Promise<SyncTip> {
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      off();
      reject(new Error(`no tip event for ${hash} within ${guardMs} ms`));
    }, guardMs);
    const off = syncer.events.on('tip', (t) => {
      if (toDisplayHex(t.hash) !== hash) return;
      clearTimeout(guard);
      off();
      resolve(t);
    });
  });
}

describe('syncer', () => {
  let r: Regtest;
  const dirs = new TempDirs();

  before(async () => {
    r = await startRegtest({ blocks: 101 });
    // Real signed payments to every address type, some reused, spread over a few blocks.
    for (const type of ['legacy', 'p2sh-segwit', 'bech32', 'bech32m'] as const) {
      const address = await r.newAddress(type);
      await r.pay(address, 1_000_000);
      await r.pay(address, 2_500_000);
      await r.mine(1);
    }
    await r.pay(await r.newAddress(), 70_000_000);
    await r.mine(2);
  });

  after(async () => {
    await r?.stop();
    dirs.cleanup();
  });

  test('a fresh sync answers exactly what the chain says', async () => {
    const dir = dirs.make();
    await syncToTip(r.endpoint, coin, dir);
    const model = modelChain((await fetchChain(r.rpc.bind(r))).blocks);
    assert.ok(model.txCount > model.height + 1, 'the chain holds payments, not only coinbases');
    const index = await openIndex(dir, { coin, readOnly: true });
    try {
      assert.equal(index.state.txCount, model.txCount);
      await assertIndexMatchesChain(index.reader, model);
    } finally {
      await index.close();
    }
  });

  test('a sync resumed after new blocks equals a clean sync', async () => {
    const resumed = dirs.make();
    await syncToTip(r.endpoint, coin, resumed, { cacheMb: 1 });
    await r.pay(await r.newAddress('legacy'), 3_000_000);
    await r.mine(3);
    const again = await syncToTip(r.endpoint, coin, resumed, { cacheMb: 1 });
    const clean = await syncToTip(r.endpoint, coin, dirs.make());
    assert.equal(again, clean);
  });

  test('follows new blocks: woken by ZMQ hashblock, and by polling without it', async () => {
    const dir = dirs.make();
    const daemon = new DaemonPool([r.endpoint]);
    const index = await openIndex(dir, { coin });
    // A poll interval far beyond the test: only the ZMQ announcement can wake the syncer in time.
    const syncer = new Syncer({ daemon, reader: index.reader, writer: index.writer!, coin, reorgLimit: coin.reorgLimit, cacheMb: 64, pollMs: 3_600_000 });
    const caughtUp = new Promise<SyncTip>((resolve) => syncer.events.on('caughtUp', resolve));
    let zmq: BlockAnnouncements | undefined;
    const connected = new Promise<void>((resolve) => {
      zmq = subscribeHashblock(r.zmqUrl, () => syncer.announceBlock(), silentLogger(), resolve);
    });
    const running = syncer.run();
    try {
      const first = await caughtUp;
      assert.equal(first.height, await r.rpc<number>('getblockcount'));
      await connected;
      // A subscription can lag its TCP connect by a moment (ZMQ's slow joiner): a block mined in
      // that window is not announced, so mine again until one is. Nothing else can wake the syncer.
      let tip: SyncTip | null = null;
      for (let i = 0; i < 20 && !tip; i++) {
        const [hash] = await r.mine(1);
        tip = await tipReached(syncer, hash!, 3_000).catch(() => null);
        if (tip) assert.equal(toDisplayHex((await index.reader.tip())!.hash), hash, 'the reader sees the announced tip');
      }
      assert.ok(tip, 'a ZMQ hashblock woke the syncer');
    } finally {
      syncer.stop();
      await running;
      await zmq?.close();
    }
    // Polling alone.
    const polling = new Syncer({ daemon, reader: index.reader, writer: index.writer!, coin, reorgLimit: coin.reorgLimit, cacheMb: 64, pollMs: 100 });
    const pollRun = polling.run();
    try {
      await new Promise((resolve) => polling.events.on('caughtUp', resolve));
      const [hash] = await r.mine(1);
      await tipReached(polling, hash!);
    } finally {
      polling.stop();
      await pollRun;
      daemon.close();
      await index.close();
    }
  });

  test('stop() ends a catch-up whose fetch worker is waiting for an unreachable daemon', async () => {
    // The main thread talks to the live daemon; the worker is handed a daemon that never answers
    // (and retries forever), so the round can only end through stop().
    const [port] = await freePorts(1);
    const pool = new DaemonPool([r.endpoint]);
    const dead = new DaemonPool([{ url: `http://127.0.0.1:${port}`, user: 'u', password: 'p' }]);
    const daemon = new Proxy(pool, {
      get(target, prop) {
        if (prop === 'workerSpec') return () => dead.workerSpec();
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const index = await openIndex(dirs.make(), { coin });
    try {
      const syncer = new Syncer({ daemon, reader: index.reader, writer: index.writer!, coin, reorgLimit: coin.reorgLimit, cacheMb: 64, pollMs: 100, follow: false });
      const running = syncer.run();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the worker is retrying by now
      syncer.stop();
      let guard: NodeJS.Timeout | undefined;
      await Promise.race([
        running,
        new Promise((_, reject) => (guard = setTimeout(() => reject(new Error('run() did not return after stop()')), 20_000))),
      ]).finally(() => clearTimeout(guard));
      assert.equal(syncer.tip.height, -1, 'no block came from the unreachable daemon');
    } finally {
      pool.close();
      dead.close();
      await index.close();
    }
  });

  test('a pruned daemon stops start-up with a clear message', async () => {
    const pruned = await startRegtest({ blocks: 3, prune: true });
    const daemon = new DaemonPool([pruned.endpoint]);
    const index = await openIndex(dirs.make(), { coin });
    try {
      const syncer = new Syncer({ daemon, reader: index.reader, writer: index.writer!, coin, reorgLimit: 10, cacheMb: 16, pollMs: 100 });
      await assert.rejects(syncer.run(), (err: Error) => {
        assert.ok(err instanceof SyncFatalError);
        assert.match(err.message, /pruned/);
        assert.match(err.message, /prune=0/);
        return true;
      });
      assert.equal(index.writer!.state.height, -1, 'nothing was indexed');
    } finally {
      daemon.close();
      await index.close();
      await pruned.stop();
    }
  });

  test('a daemon on another network stops start-up with a clear message', async () => {
    const testnet = findCoin('Bitcoin', 'testnet');
    const dir = dirs.make();
    const daemon = new DaemonPool([r.endpoint]);
    const index = await openIndex(dir, { coin: testnet });
    try {
      const syncer = new Syncer({ daemon, reader: index.reader, writer: index.writer!, coin: testnet, reorgLimit: 10, cacheMb: 16, pollMs: 100 });
      await assert.rejects(syncer.run(), (err: Error) => {
        assert.ok(err instanceof SyncFatalError);
        assert.match(err.message, /wrong network/);
        assert.match(err.message, new RegExp(coin.genesisHash));
        assert.match(err.message, new RegExp(testnet.genesisHash));
        return true;
      });
      assert.equal(index.writer!.state.height, -1, 'nothing was indexed');
    } finally {
      daemon.close();
      await index.close();
    }
  });
});
