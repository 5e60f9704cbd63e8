// (c) ZMQ sequence messages lost between the daemon in use and Anode (devnet's dropZmq: the counters
// still advance, as on a lossy link or a full high-water mark): the next message shows the gap, the
// mempool resynchronises over RPC, and every status ends right. The mempool poll is set to minutes,
// so convergence can only come from gap detection. Devnet only: bitcoind cannot drop messages on demand.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { startRegtestPair, usingBitcoind, type RegtestPair } from '../helpers/regtest.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { TestClient } from '../helpers/electrum-client.js';
import { walkChain, addressScripthash } from '../helpers/chain-walk.js';
import { bumpFee, spendUnconfirmed } from '../helpers/chain-ops.js';
import type { FaultInjector } from '../../src/devnet/server.js';
import { fromDisplayHex } from '../../src/chain/hash.js';
import { txKeyOf } from '../../src/mempool/tx.js';
import { capturingLogger, expectServed, lastStatus, stopwatch } from './checks.js';

bitcoin.initEccLib(ecc);

/** Convergence through a gap and a resync: well under the 30 s safety poll. */
const CONVERGE_MS = 3000;

describe('ZMQ sequence messages lost', { skip: usingBitcoind ? 'devnet only: a real bitcoind cannot drop ZMQ messages on demand (devnet dropZmq)' : false }, () => {
  let pair: RegtestPair;
  let stack: Stack;
  let client: TestClient;
  let faults: FaultInjector;
  const capture = capturingLogger('info');
  const clock = stopwatch('zmq-drops');
  /** Subscribed scripts with the status the subscription answered. */
  const watched = new Map<string, string | null>();

  before(async () => {
    pair = await startRegtestPair({ blocks: 110 });
    // Both polls at minutes: only ZMQ (and the resyncs its gaps cause) can bring the chain's news in time.
    stack = await startStack({ regtest: pair.regtest, daemons: pair.nodes, mempoolPollMs: 600_000, syncPollMs: 600_000, logger: capture.logger });
    client = await TestClient.open(stack.port(), '1.4', 'zmq-drops');
    await client.request('blockchain.headers.subscribe');
    assert.equal(stack.daemon.current().index, 0);
    faults = pair.devnet!.server(0).faults;
    // Live: the mempool follows daemon 0's sequence stream. A gap shows only against a counter already
    // seen: a first message after the connection lost unseen is caught by no one but the safety poll.
    await pair.regtest.pay(await pair.regtest.newAddress(), 90_000);
    await stack.settle(10_000, { nudge: false });
  });
  after(async () => {
    client?.close();
    await stack?.stop();
    await pair?.stop();
  });

  async function watch(address: string): Promise<string> {
    const sh = addressScripthash(address);
    if (!watched.has(sh)) watched.set(sh, await client.request<string | null>('blockchain.scripthash.subscribe', [sh]));
    return sh;
  }

  /** Anode reaches the daemon's tip and mempool by itself, and every subscriber has its final status. */
  async function converged(what: string): Promise<number> {
    const t0 = Date.now();
    await stack.settle(CONVERGE_MS, { nudge: false });
    const walk = await walkChain(pair.regtest);
    const deadline = Date.now() + CONVERGE_MS;
    for (;;) {
      const wrong = [...watched].filter(([sh, initial]) => (lastStatus(client, sh) ?? initial) !== walk.status(sh));
      if (wrong.length === 0) break;
      if (Date.now() > deadline) assert.fail(`${what}: ${wrong.length} subscribers lack their final status`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = Date.now() - t0;
    clock.lap(`${what}: converged in ${ms} ms`);
    return ms;
  }

  const gaps = () => capture.find(/zmq messages lost; the mempool resyncs/).filter((l) => l.topic === 'sequence').length;

  test('a lost A: the next message shows the gap, and the resync brings the lost transaction', async () => {
    const a = await pair.regtest.newAddress();
    const b = await pair.regtest.newAddress('legacy');
    await watch(a);
    await watch(b);
    const before = gaps();
    faults.dropZmq('sequence', 1);
    const lost = await pair.regtest.pay(a, 100_000);
    await pair.devnet!.server(0).flushZmq();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(stack.chain.mempool.has(txKeyOf(fromDisplayHex(lost))), false, 'the lost announcement left Anode unaware');
    await pair.regtest.pay(b, 110_000);
    await converged('lost A');
    assert.equal(gaps(), before + 1, 'one gap detected');
    assert.ok(capture.find(/mempool resynchronises with the daemon/).some((l) => /ZMQ sequence messages lost/.test(String(l.why))));
    assert.deepEqual((await client.request<Array<{ tx_hash: string }>>('blockchain.scripthash.get_mempool', [addressScripthash(a)])).map((e) => e.tx_hash), [lost]);
  });

  test('a lost R of a replacement: the old transaction goes, the new one stays', async () => {
    const a = await pair.regtest.newAddress('bech32m');
    const sh = await watch(a);
    const first = await pair.regtest.pay(a, 120_000);
    await converged('before the replacement');
    // bumpFee: 'R' (the replaced) then 'A' (the replacement): the R is lost, the A shows the gap.
    faults.dropZmq('sequence', 1);
    const second = await bumpFee(pair.regtest, first);
    await converged('lost R');
    assert.deepEqual((await client.request<Array<{ tx_hash: string }>>('blockchain.scripthash.get_mempool', [sh])).map((e) => e.tx_hash), [second]);
  });

  test("a lost block C and the A's after it: the block arrives (hashblock), the mempool resyncs", async () => {
    const x = await pair.regtest.newAddress();
    const y = await pair.regtest.newAddress('p2sh-segwit');
    await watch(x);
    await watch(y);
    const parent = await pair.regtest.pay(x, 300_000);
    await converged('before the block');
    faults.dropZmq('sequence', 3);
    await pair.regtest.mine(1); // C lost
    await spendUnconfirmed(pair.regtest, parent, x, y); // A lost (its parent just confirmed)
    await pair.regtest.pay(y, 130_000); // A lost
    await pair.regtest.pay(x, 140_000); // A arrives: the gap
    await converged('lost C and two A');
    const walk = await walkChain(pair.regtest);
    assert.equal(walk.mempool(addressScripthash(y)).length, 2);
  });

  test('everything lost for a while on every topic (hashblock too), then one message', async () => {
    const addrs = await Promise.all([0, 1, 2].map(() => pair.regtest.newAddress()));
    for (const a of addrs) await watch(a);
    faults.dropZmq('all', 'always');
    for (const a of addrs) await pair.regtest.pay(a, 150_000);
    await pair.regtest.mine(1);
    const parent = await pair.regtest.pay(addrs[0]!, 160_000);
    await spendUnconfirmed(pair.regtest, parent, addrs[0]!, addrs[1]!);
    await pair.devnet!.server(0).flushZmq();
    faults.dropZmq('all', 0);
    await pair.regtest.pay(addrs[2]!, 170_000);
    await converged('everything lost, then one A');
    await pair.regtest.mine(1);
    await converged('the next block');
  });

  test('at the end every script, the tip and the mempool are the daemon\'s', async () => {
    await expectServed(stack.port(), () => stack.inUse(), 'after the lost ZMQ messages');
    const pool = await pair.regtest.rpc<string[]>('getrawmempool');
    assert.equal(stack.chain.mempool.size, pool.length);
    assert.equal(stack.daemon.current().index, 0, 'no failover: only messages were lost');
  });
});
