// (b) The daemon in use dies while `anode serve` serves subscribed sessions (DAEMON_URL lists both,
// MEMPOOL_POLL_MS and DAEMON_POLL_INTERVAL_BLOCKS so high that only ZMQ can bring news in time): Anode
// fails over, the admin RPC shows the switch, the mempool reloads from the new daemon, ZMQ follows it
// (a new transaction and a new block on the survivor are notified within ~2 s), and every answer
// ends as the survivor's chain says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegtestPair, pollUntil, type RegtestPair } from '../helpers/regtest.js';
import { TestClient } from '../helpers/electrum-client.js';
import { walkChain, addressScripthash } from '../helpers/chain-walk.js';
import type { AnodeProcess } from '../sync/cli-helpers.js';
import { TempDirs } from '../sync/helpers.js';
import { adminJson, startServe, expectServed, logRecords, notifiedHeader, notifiedStatus, stopwatch } from './checks.js';


/** ZMQ news must arrive within this; polling (minutes here) would take far longer. */
const LIVE_MS = 2500;

test('the daemon in use dies mid-serve: failover, ZMQ follows the survivor, sessions are notified', { timeout: 180_000 }, async () => {
  const clock = stopwatch('serve-failover');
  const dirs = new TempDirs();
  let pair: RegtestPair | null = null;
  let proc = null as AnodeProcess | null; // set by startServe's callback
  const clients: TestClient[] = [];
  try {
    pair = await startRegtestPair({ blocks: 110 });
    const r = pair.regtest;
    const addrs = await Promise.all([0, 1, 2, 3, 4].map((i) => r.newAddress((['bech32', 'legacy', 'p2sh-segwit', 'bech32m', 'bech32'] as const)[i]!)));
    const shs = addrs.map(addressScripthash);
    await r.pay(addrs[0]!, 120_000);
    await r.mine(1);
    await r.pay(addrs[1]!, 130_000);
    await pair.waitSynced();

    const { anode, env, tcp } = await startServe(pair.endpoints, dirs.make(), {}, (p) => (proc = p));
    clock.lap('anode serve is serving');
    const c = await TestClient.open(tcp, '1.4', 'failover-session');
    clients.push(c);
    let tip = await c.request<{ height: number }>('blockchain.headers.subscribe');
    const before = await walkChain(r);
    for (const sh of shs) assert.equal(await c.request('blockchain.scripthash.subscribe', [sh]), before.status(sh));
    assert.deepEqual((await adminJson<Array<{ current: boolean }>>(env, 'daemon_url')).map((d) => d.current), [true, false]);

    // A transaction Anode cannot hear of from daemon 0: only the reload from daemon 1 can bring it. On
    // bitcoind, daemon 1 is cut off from its peer while its wallet pays; on devnet, daemon 0's ZMQ
    // message is dropped (and daemon 0 dies before a later message could show the gap).
    const hidden = { address: addrs[4]!, sh: shs[4]!, txid: '' };
    assert.equal(await c.request('blockchain.scripthash.subscribe', [hidden.sh]), null);
    if (pair.kind === 'bitcoind') {
      await pair.nodes[1].rpc('setnetworkactive', [false]);
      await pollUntil('daemon 1 to be cut off', 10_000, async () => (await pair!.nodes[0].rpc<number>('getconnectioncount')) === 0);
      hidden.txid = await pair.nodes[1].pay(hidden.address, 160_000);
      assert.equal((await pair.nodes[0].rpc<string[]>('getrawmempool')).includes(hidden.txid), false);
    } else {
      pair.devnet!.server(0).faults.dropZmq('sequence', 1);
      hidden.txid = await pair.nodes[1].pay(hidden.address, 160_000);
      await pair.devnet!.server(0).flushZmq();
    }
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(await c.request('blockchain.scripthash.get_mempool', [hidden.sh]), [], 'Anode has not heard of it');

    // The daemon in use dies.
    await pair.kill(0);
    const killed = Date.now();
    // The ZMQ feed's disconnect makes the mempool look at the daemon: it fails over at once.
    const states = await pollUntil('the admin RPC to show the switch', 15_000, async () => {
      const s = await adminJson<Array<{ index: number; url: string; current: boolean; down: boolean }>>(env, 'daemon_url');
      return s[1]!.current && s[0]!.down ? s : false;
    });
    assert.deepEqual(states.map((s) => s.url), pair.endpoints.map((e) => e.url));
    const info = await adminJson<{ daemon: string; serving: boolean }>(env, 'getinfo');
    assert.equal(info.daemon, pair.endpoints[1].url);
    clock.lap(`the admin RPC shows daemon 1 in use ${Date.now() - killed} ms after the kill`);
    await anode.waitFor(/daemon switched: the mempool reloads from it/);
    if (pair.kind === 'bitcoind') await pair.nodes[1].rpc('setnetworkactive', [true]);
    // The reload brought the transaction only daemon 1 had, and its subscriber was told.
    const reloaded = await walkChain(pair.nodes[1]);
    assert.ok(reloaded.txs.has(hidden.txid));
    const reloadMs = await notifiedStatus(c, hidden.sh, reloaded.status(hidden.sh), 10_000, killed);
    clock.lap(`the transaction only daemon 1 had is served ${reloadMs} ms after the kill`);
    await pollUntil('ZMQ to follow daemon 1', 10_000, () => logRecords(anode.stdout).some((l) => l.msg === 'zmq connected' && l.address === pair!.zmqUrls[1]));
    assert.equal(pair.live(), 1);

    // A payment on the survivor: notified without any poll (ZMQ sequence of daemon 1).
    let t0 = Date.now();
    const paid = await r.pay(addrs[2]!, 140_000);
    let walk = await walkChain(r);
    const txMs = await notifiedStatus(c, shs[2]!, walk.status(shs[2]!), LIVE_MS, t0);
    assert.ok(walk.txs.get(paid) && !walk.txs.get(paid)!.confirmed);
    clock.lap(`a transaction on daemon 1 notified in ${txMs} ms`);

    // A block on the survivor: the headers subscriber and the confirmed scripts (ZMQ hashblock of daemon 1).
    t0 = Date.now();
    await r.mine(1);
    walk = await walkChain(r);
    const header = await notifiedHeader(c, walk.height, LIVE_MS, t0);
    assert.equal(header.hex, await r.rpc('getblockheader', [walk.blockHashes[walk.height], false]));
    for (const i of [1, 2]) await notifiedStatus(c, shs[i]!, walk.status(shs[i]!), LIVE_MS, t0);
    clock.lap(`a block on daemon 1 notified in ${header.ms} ms`);

    // A new session is served too.
    const c2 = await TestClient.open(tcp, '1.4', 'after-failover');
    clients.push(c2);
    tip = await c2.request<{ height: number }>('blockchain.headers.subscribe');
    assert.equal(tip.height, walk.height);

    // Everything as daemon 1 has it; Anode's mempool is daemon 1's.
    const p = pair;
    await expectServed(tcp, () => p.nodes[1], 'after the failover');
    const daemonPool = await pair.nodes[1].rpc<string[]>('getrawmempool');
    assert.equal((await adminJson<{ mempool: { txs: number } }>(env, 'getinfo')).mempool.txs, daemonPool.length);
    clock.lap('every script right');

    // The dead daemon returns: Anode stays on the one that works, and nothing changes for the sessions.
    await pair.restart(0);
    await pair.waitSynced();
    t0 = Date.now();
    const later = await pair.nodes[1].pay(addrs[3]!, 150_000);
    walk = await walkChain(pair.nodes[1]);
    await notifiedStatus(c, shs[3]!, walk.status(shs[3]!), LIVE_MS, t0);
    assert.ok(walk.txs.has(later));
    assert.equal((await adminJson<{ daemon: string }>(env, 'getinfo')).daemon, pair.endpoints[1].url);
    await expectServed(tcp, () => p.nodes[1], 'after the first daemon came back');
    for (const x of clients) assert.equal(x.closed, false, 'sessions stay open');

    anode.child.kill('SIGTERM');
    const done = await anode.done;
    assert.equal(done.code, 0, done.stderr);
    clock.lap('stopped');
  } catch (e) {
    if (proc) process.stdout.write(`anode output:\n${proc.stdout.slice(-6000)}\n${proc.stderr.slice(-2000)}\n`);
    throw e;
  } finally {
    for (const x of clients) x.close();
    proc?.child.kill('SIGKILL');
    await pair?.stop();
    dirs.cleanup();
  }
});
