// (f) Every daemon down under `anode serve` (DAEMON_URL lists both): the sessions stay open and what
// the index answers carries on (histories, balances, headers, the mempool as last known); a
// broadcast gets a clear error (code 2, "daemon error: ...") after the wallet-facing bound (~10 s),
// not a hang until the request timeout; when one daemon comes back, the syncer and the mempool
// recover (a new block and a new transaction are notified) and a broadcast works again. Then, with
// every daemon down again, SIGTERM still stops the server promptly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegtestPair, pollUntil, type RegtestPair } from '../helpers/regtest.js';
import { TestClient, type RpcAnswer } from '../helpers/electrum-client.js';
import { walkChain, addressScripthash } from '../helpers/chain-walk.js';
import { unsentPayment } from '../helpers/chain-ops.js';
import { DaemonPool } from '../../src/daemon/pool.js';
import type { AnodeProcess } from '../sync/cli-helpers.js';
import { TempDirs } from '../sync/helpers.js';
import { adminJson, startServe, expectServed, headerHashHex, logRecords, notifiedHeader, notifiedStatus, stopwatch } from './checks.js';

const LIVE_MS = 2500;

test('every daemon down: the index keeps answering, a broadcast fails clearly, and all recovers', { timeout: 180_000 }, async () => {
  const clock = stopwatch('all-down');
  const dirs = new TempDirs();
  let pair: RegtestPair | null = null;
  let proc = null as AnodeProcess | null; // set by startServe's callback
  const clients: TestClient[] = [];
  try {
    pair = await startRegtestPair({ blocks: 110 });
    const r = pair.regtest;
    const addrs = await Promise.all([0, 1, 2].map(() => r.newAddress('bech32')));
    const shs = addrs.map(addressScripthash);
    await r.pay(addrs[0]!, 210_000);
    await r.mine(1);
    await r.pay(addrs[0]!, 220_000);
    // Signed now, broadcast while every daemon is down (bitcoind's wallet is needed to make it; it
    // never reaches a daemon, so later payments may spend its coin).
    const payment = await unsentPayment(r, addrs[1]!, 230_000);
    await pair.waitSynced();

    // Both polls at minutes (startServe): Anode must notice the daemon's return and follow it by itself
    // (its calls retrying, ZMQ subscribed again), not by a poll.
    const { anode, env, tcp } = await startServe(pair.endpoints, dirs.make(), { REQUEST_TIMEOUT: '60', ANODE_DEBUG_ERRORS: '1' }, (p) => (proc = p));
    const c = await TestClient.open(tcp, '1.4', 'all-down-session');
    clients.push(c);
    const tip = await c.request<{ height: number; hex: string }>('blockchain.headers.subscribe');
    const walk = await walkChain(r);
    for (const sh of shs) assert.equal(await c.request('blockchain.scripthash.subscribe', [sh]), walk.status(sh));
    clock.lap('serving, subscribed');

    // Every daemon goes: the first is killed, the second stopped (a SIGKILLed bitcoind may come back
    // without its latest blocks, and the first is not there to give them back).
    await pair.kill(0);
    await pair.shutdown(1);
    await pollUntil('Anode to find every daemon down', 15_000, () => /all daemons unavailable/.test(anode.stdout));
    clock.lap('both daemons down, and Anode knows it');

    // The index still answers, at once, what it answered before.
    const t0 = Date.now();
    assert.deepEqual(await c.request('blockchain.scripthash.get_history', [shs[0]]), walk.history(shs[0]!));
    assert.deepEqual(await c.request('blockchain.scripthash.get_balance', [shs[0]]), walk.balance(shs[0]!));
    assert.deepEqual(await c.request('blockchain.scripthash.get_mempool', [shs[0]]), walk.mempool(shs[0]!));
    assert.deepEqual(await c.request('blockchain.scripthash.listunspent', [shs[0]]), walk.listunspent(shs[0]!));
    assert.deepEqual(await c.request('blockchain.headers.subscribe'), tip);
    const header = await c.request<string>('blockchain.block.header', [tip.height - 5]);
    assert.equal(headerHashHex(header), walk.blockHashes[tip.height - 5]);
    const c2 = await TestClient.open(tcp, '1.4', 'new-while-down');
    clients.push(c2);
    assert.equal(await c2.request('blockchain.scripthash.subscribe', [shs[0]]), walk.status(shs[0]!));
    const indexMs = Date.now() - t0;
    assert.ok(indexMs < 3000, `index answers took ${indexMs} ms`);
    clock.lap(`index answers while every daemon is down: ${indexMs} ms`);

    // A broadcast: a clear daemon error within ~10-15 s, the session open.
    const b0 = Date.now();
    const answer: RpcAnswer = await c.call('blockchain.transaction.broadcast', [payment]);
    const broadcastMs = Date.now() - b0;
    assert.ok(answer.error, `broadcast answered ${JSON.stringify(answer)}`);
    assert.equal(answer.error.code, 2);
    assert.match(answer.error.message, /^daemon error: /);
    assert.ok(broadcastMs >= 5000 && broadcastMs < 15_000, `the broadcast failed after ${broadcastMs} ms`);
    assert.equal(c.closed, false);
    assert.deepEqual(await c.request('blockchain.scripthash.get_balance', [shs[0]]), walk.balance(shs[0]!));
    clock.lap(`broadcast error after ${broadcastMs} ms: ${answer.error.message}`);
    const info = await adminJson<{ height: number; serving: boolean }>(env, 'getinfo');
    assert.equal(info.height, tip.height);
    assert.equal(info.serving, true);

    // One daemon returns (the second: nothing is left of the first). The chain moved on meanwhile on
    // devnet (a block, a payment); on bitcoind the returning node makes them once it is up.
    const moved = async (): Promise<{ mined: number; paid: string }> => {
      const paid = await r.pay(addrs[2]!, 240_000);
      await r.mine(1);
      return { mined: await r.rpc<number>('getblockcount').catch(() => tip.height + 1), paid };
    };
    let change: { mined: number; paid: string } | null = null;
    if (pair.kind === 'devnet') change = await moved();
    const back = Date.now();
    await pair.restart(1);
    if (pair.kind === 'bitcoind') change = await moved();
    const { ms: blockMs } = await notifiedHeader(c, change!.mined, 20_000, back);
    let now = await walkChain(pair.nodes[1]);
    assert.ok(now.txs.get(change!.paid)?.confirmed);
    await notifiedStatus(c, shs[2]!, now.status(shs[2]!), 10_000);
    clock.lap(`daemon 1 back: the new block notified ${blockMs} ms after its restart`);
    // ZMQ follows daemon 1 again, for the mempool and for blocks.
    const since = new Date(back).toISOString();
    const logged = (re: RegExp) => logRecords(anode.stdout).some((l) => (l.time as string) >= since && re.test(String(l.msg)));
    await pollUntil('ZMQ to follow daemon 1 again', 10_000, () => logged(/^mempool follows the ZMQ sequence stream/) && logged(/^listening for ZMQ hashblock/),
      () => anode.stdout.slice(-3000));

    // A new transaction and a new block reach the subscriber through ZMQ, and a broadcast works again.
    const p0 = Date.now();
    const fresh = await pair.nodes[1].pay(addrs[2]!, 250_000);
    now = await walkChain(pair.nodes[1]);
    const txMs = await notifiedStatus(c, shs[2]!, now.status(shs[2]!), LIVE_MS, p0);
    const m0 = Date.now();
    await pair.nodes[1].mine(1);
    const { ms: liveBlockMs } = await notifiedHeader(c, now.height + 1, LIVE_MS, m0);
    clock.lap(`after the outage, a transaction was notified in ${txMs} ms, a block in ${liveBlockMs} ms`);
    assert.ok(now.txs.has(fresh));
    const again = await unsentPayment(pair.nodes[1], addrs[1]!, 230_000);
    const sent = await c.request<string>('blockchain.transaction.broadcast', [again]);
    assert.ok((await pair.nodes[1].rpc<string[]>('getrawmempool')).includes(sent));
    now = await walkChain(pair.nodes[1]);
    await notifiedStatus(c, shs[1]!, now.status(shs[1]!), 10_000);
    clock.lap(`a new transaction notified in ${txMs} ms; the broadcast went through`);
    const p = pair;
    await expectServed(tcp, () => p.nodes[1], 'after every daemon was down');
    assert.equal((await adminJson<Array<{ current: boolean }>>(env, 'daemon_url')).map((d) => d.current).join(), 'false,true');
    for (const x of clients) assert.equal(x.closed, false, 'sessions stay open');

    // Every daemon down again, then SIGTERM: the server stops cleanly, without waiting for a daemon to
    // come back (it does wait for the mempool refresh in flight to give up, DAEMON_ANSWER_MS = 10 s).
    await pair.kill(1);
    await pollUntil('Anode to find every daemon down again', 15_000, () => (anode.stdout.match(/all daemons unavailable/g) ?? []).length >= 2);
    const s0 = Date.now();
    anode.child.kill('SIGTERM');
    const stopped = await Promise.race([anode.done, new Promise<null>((res) => setTimeout(() => res(null), 15_000))]);
    assert.ok(stopped, `anode serve did not exit within 15 s of SIGTERM with every daemon down:\n${anode.stdout.slice(-3000)}`);
    assert.equal(stopped.code, 0, stopped.stderr);
    clock.lap(`SIGTERM with every daemon down: exited in ${Date.now() - s0} ms`);
  } catch (e) {
    if (proc) process.stdout.write(`anode output:\n${proc.stdout.slice(-8000)}\n${proc.stderr.slice(-2000)}\n`);
    throw e;
  } finally {
    for (const x of clients) x.close();
    proc?.child.kill('SIGKILL');
    await pair?.stop();
    dirs.cleanup();
  }
});

test('work a daemon switch starts (resubscribing ZMQ) is not bounded by the wallet call that switched', { timeout: 60_000 }, async () => {
  const pair = await startRegtestPair({ blocks: 1 });
  const pool = new DaemonPool([...pair.endpoints], { initialRetryDelayMs: 20, maxRetryDelayMs: 50 });
  try {
    await pair.kill(0);
    await pair.shutdown(1);
    // What `anode serve` does on a switch: a call through the pool itself, meant to wait outages out.
    let started: Promise<string> | null = null;
    pool.onSwitch(() => {
      started ??= pool.getBlockCount().then((n) => `answered ${n}`, (e: Error) => `gave up: ${e.message}`);
    });
    // A wallet-facing call (bounded, as in `anode serve`) fails over, switching the pool, and gives up.
    await assert.rejects(pool.bounded(200).getBlockCount(), /no daemon answered within 200 ms/);
    assert.ok(started, 'the failover switched the pool');
    const early = await Promise.race([started, new Promise<string>((res) => setTimeout(() => res('waiting'), 800))]);
    assert.equal(early, 'waiting', 'the listener\'s call waits for a daemon instead of inheriting the 200 ms bound');
    await pair.restart(1);
    assert.equal(await started, 'answered 1');
  } finally {
    pool.close();
    await pair.stop();
  }
});
