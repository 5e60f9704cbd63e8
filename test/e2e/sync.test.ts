// `anode sync` as an operator runs it: settings from the environment, follows new blocks, stops
// cleanly on SIGTERM with an index equal to a clean sync, and refuses a daemon on another network.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { findCoin } from '../../src/config/coins.js';
import { indexDigest, openIndex } from '../../src/index/index.js';
import { toDisplayHex } from '../../src/chain/hash.js';
import { startRegtest, type Regtest } from '../helpers/regtest.js';
import { AnodeProcess, anodeEnv, runAnode } from '../sync/cli-helpers.js';
import { syncToTip, TempDirs } from '../sync/helpers.js';

const coin = findCoin('Bitcoin', 'regtest');

/** The flushed tip of the index at `dir`, read beside the running syncer. */
async function indexTip(dir: string): Promise<string | null> {
  try {
    const index = await openIndex(dir, { coin, readOnly: true });
    try {
      return index.state.height >= 0 ? toDisplayHex(index.state.tipHash) : null;
    } finally {
      await index.close();
    }
  } catch {
    return null;
  }
}

async function waitForIndexTip(dir: string, hash: string, proc: AnodeProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await indexTip(dir)) === hash) return;
    if (proc.child.exitCode !== null) throw new Error(`anode sync exited:\n${proc.stdout}\n${proc.stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`index never reached ${hash}:\n${proc.stdout}\n${proc.stderr}`);
}

describe('anode sync', () => {
  let r: Regtest;
  const dirs = new TempDirs();

  before(async () => {
    r = await startRegtest({ blocks: 101 });
    await r.pay(await r.newAddress('bech32'), 5_000_000);
    await r.pay(await r.newAddress('legacy'), 6_000_000);
    await r.mine(1);
  });

  after(async () => {
    await r?.stop();
    dirs.cleanup();
  });

  test('syncs, follows new blocks, and stops cleanly on SIGTERM', async () => {
    const dir = dirs.make();
    const proc = new AnodeProcess(['sync'], anodeEnv(r.endpoint, dir));
    try {
      await proc.waitFor(/caught up at height/);
      await waitForIndexTip(dir, await r.rpc<string>('getbestblockhash'), proc);
      await r.pay(await r.newAddress('p2sh-segwit'), 7_000_000);
      const mined = await r.mine(2);
      await waitForIndexTip(dir, mined[1]!, proc);
    } finally {
      proc.child.kill('SIGTERM');
    }
    const finished = await proc.done;
    assert.equal(finished.code, 0, `exit code ${finished.code} signal ${finished.signal}:\n${finished.stderr}`);
    assert.match(finished.stdout + finished.stderr, /SIGTERM/);
    const clean = await syncToTip(r.endpoint, coin, dirs.make());
    assert.equal(await indexDigest(dir, coin), clean);
  });

  test('a daemon on another network stops start-up with a clear message', async () => {
    const finished = await runAnode(['sync'], anodeEnv(r.endpoint, dirs.make(), { NET: 'testnet', DAEMON_ZMQ: 'off' }));
    assert.notEqual(finished.code, 0);
    const out = finished.stdout + finished.stderr;
    assert.match(out, /wrong network/);
    assert.match(out, new RegExp(coin.genesisHash));
  });
});
