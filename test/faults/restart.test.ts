// (e) The daemon restarts on the same ports under `anode serve` (DAEMON_URL: that one daemon, so there
// is nothing to fail over to; its peer keeps the chain going meanwhile). Twice: a clean stop, then a
// SIGKILL. While it is down the chain moves on (a block, payments); when it is back, ZMQ reconnects (the
// log says so, the mempool is live again), the block mined meanwhile is indexed and notified, a new
// transaction and block arrive through ZMQ within ~2 s (both polls are set to minutes), and every
// answer is what the restarted daemon's chain says: nothing is lost across the restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegtestPair, pollUntil, type RegtestPair } from '../helpers/regtest.js';
import { TestClient } from '../helpers/electrum-client.js';
import { walkChain, addressScripthash } from '../helpers/chain-walk.js';
import type { AnodeProcess } from '../sync/cli-helpers.js';
import { TempDirs } from '../sync/helpers.js';
import { adminJson, startServe, expectServed, lastStatus, logRecords, notifiedHeader, notifiedStatus, stopwatch } from './checks.js';

const LIVE_MS = 2500;

test('the daemon restarts (clean stop, then SIGKILL): ZMQ reconnects, nothing is lost', { timeout: 240_000 }, async () => {
  const clock = stopwatch('restart');
  const dirs = new TempDirs();
  let pair: RegtestPair | null = null;
  let proc = null as AnodeProcess | null; // set by startServe's callback
  let c: TestClient | null = null;
  try {
    pair = await startRegtestPair({ blocks: 110 });
    const p = pair;
    const first = pair.nodes[0];
    const other = pair.nodes[1];
    const before = await first.newAddress('bech32');
    await first.pay(before, 100_000);
    await pair.waitSynced();

    const { anode, env, tcp } = await startServe([pair.endpoints[0]], dirs.make(), {}, (p) => (proc = p));
    clock.lap('anode serve is serving');
    c = await TestClient.open(tcp, '1.4', 'restart-session');
    const client = c;
    await c.request('blockchain.headers.subscribe');
    /** Subscribed scripts, with the status the subscription answered. */
    const watched = new Map<string, string | null>();
    const watch = async (address: string): Promise<string> => {
      const sh = addressScripthash(address);
      if (!watched.has(sh)) watched.set(sh, await client.request<string | null>('blockchain.scripthash.subscribe', [sh]));
      return sh;
    };
    /** Every subscriber ends with the walk's status: the last one notified, or the one it subscribed with. */
    const statusesNotified = (walk: Awaited<ReturnType<typeof walkChain>>) =>
      pollUntil('every subscriber to have its final status', 5000, () => [...watched].every(([sh, initial]) => (lastStatus(client, sh) ?? initial) === walk.status(sh)),
        () => JSON.stringify([...watched].map(([sh, initial]) => [sh, lastStatus(client, sh) ?? initial, walk.status(sh)])));
    await watch(before);
    const sequenceUrl = pair.zmqUrls[0];
    const connects = () => logRecords(anode.stdout).filter((l) => l.msg === 'zmq connected' && l.address === sequenceUrl).length;
    const lives = () => logRecords(anode.stdout).filter((l) => typeof l.msg === 'string' && l.msg.startsWith('mempool follows the ZMQ sequence stream')).length;

    for (const how of ['shutdown', 'kill'] as const) {
      const [connected, live] = [connects(), lives()];
      const inBlock = await first.newAddress('legacy');
      const inPool = await first.newAddress('p2sh-segwit');
      const fresh = await first.newAddress('bech32m');
      for (const a of [inBlock, inPool, fresh]) await watch(a);
      const stays = await first.pay(await first.newAddress(), 90_000);
      await pair.waitSynced();

      if (how === 'shutdown') await pair.shutdown(0);
      else await pair.kill(0);
      const down = Date.now();
      await pollUntil('anode to see the ZMQ publisher gone', 10_000, () => logRecords(anode.stdout).some((l) => l.msg === 'zmq disconnected; zeromq will reconnect' && (l.time as string) >= new Date(down - 1000).toISOString()));
      // Meanwhile the chain goes on without it: a payment confirmed in a block, then one left unconfirmed.
      const confirmed = await other.pay(inBlock, 110_000);
      await other.mine(1);
      const unconfirmed = await other.pay(inPool, 120_000);
      clock.lap(`${how}: daemon 0 down; a block and payments made on daemon 1`);

      await pair.restart(0);
      await pair.waitSynced();
      clock.lap(`${how}: daemon 0 is back (${Date.now() - down} ms down)`);
      // ZMQ is back on the same address, and the mempool follows it live again.
      await pollUntil('ZMQ to reconnect', 15_000, () => connects() > connected && lives() > live, () => anode.stdout.slice(-3000));
      const walk = await expectServed(tcp, () => p.nodes[0], `after the ${how}`);
      assert.ok(walk.txs.get(confirmed)?.confirmed, 'the payment mined while the daemon was down is indexed');
      assert.ok(walk.txs.has(unconfirmed), 'the payment made while it was down is in its mempool (waitSynced relayed it)');
      assert.ok(walk.txs.has(stays), 'the transaction from before the restart is still there');
      await statusesNotified(walk);
      await notifiedHeader(client, walk.height, 5000, Date.now());

      // New news arrives through the reconnected ZMQ, not a poll.
      let t0 = Date.now();
      await first.pay(fresh, 130_000);
      let now = await walkChain(first);
      const txMs = await notifiedStatus(client, addressScripthash(fresh), now.status(addressScripthash(fresh)), LIVE_MS, t0);
      t0 = Date.now();
      await first.mine(1);
      now = await walkChain(first);
      const block = await notifiedHeader(client, now.height, LIVE_MS, t0);
      clock.lap(`${how}: after the restart a transaction was notified in ${txMs} ms, a block in ${block.ms} ms`);
      await statusesNotified(await expectServed(tcp, () => p.nodes[0], `after new transactions and a block following the ${how}`));
      const info = await adminJson<{ mempool: { txs: number } }>(env, 'getinfo');
      assert.equal(info.mempool.txs, (await first.rpc<string[]>('getrawmempool')).length);
    }
    assert.equal(c.closed, false, 'the session stayed open');
    anode.child.kill('SIGTERM');
    const done = await anode.done;
    assert.equal(done.code, 0, done.stderr);
  } catch (e) {
    if (proc) process.stdout.write(`anode output:\n${proc.stdout.slice(-8000)}\n${proc.stderr.slice(-2000)}\n`);
    throw e;
  } finally {
    c?.close();
    proc?.child.kill('SIGKILL');
    await pair?.stop();
    dirs.cleanup();
  }
});
