// Fault injection: the RPC port going away and coming back, slow answers, canned errors,
// dropped ZMQ messages (visible as sequence gaps), and the same over devnet_fault.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DevnetNode } from '../../src/devnet/node.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { RpcClient } from '../../src/devnet/rpc/client.js';
import { ZmqCollector } from '../../src/devnet/zmq/collector.js';
import { silentLogger } from '../../src/log.js';

describe('fault injection', () => {
  let node: DevnetNode;
  let server: DevnetServer;
  let rpc: RpcClient;

  before(async () => {
    node = await DevnetNode.create({ seed: 'faults' });
    server = await DevnetServer.start({ node, rpcUser: 'u', rpcPassword: 'p', log: silentLogger() });
    rpc = new RpcClient(server.rpcUrl, { user: 'u', password: 'p' });
  });

  after(async () => {
    rpc.close();
    await server.stop();
  });

  test('rpcDown refuses connections (open keep-alive ones too), then serves again on the same port', { timeout: 30_000 }, async () => {
    assert.equal(await rpc.call('getblockcount'), 0);
    const url = server.rpcUrl;
    await server.faults.rpcDown(true);
    await assert.rejects(rpc.call('getblockcount'), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET');
    const fresh = new RpcClient(url, { user: 'u', password: 'p' });
    await assert.rejects(fresh.call('getblockcount'), { code: 'ECONNREFUSED' });
    fresh.close();
    await server.faults.rpcDown(false);
    assert.equal(server.rpcUrl, url);
    assert.equal(await rpc.call('getblockcount'), 0);
  });

  test('rpcSlow delays every answer by at least the given time', { timeout: 30_000 }, async () => {
    server.faults.rpcSlow(200);
    const t0 = process.hrtime.bigint();
    assert.equal(await rpc.call('getblockcount'), 0);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    server.faults.rpcSlow(0);
    assert.ok(ms >= 195, `answered after ${ms} ms`);
  });

  test('rpcErrors answers a given error for N calls, then normally; devnet_ calls are exempt', { timeout: 30_000 }, async () => {
    server.faults.rpcErrors(-28, 'Loading wallet…', 2);
    await assert.rejects(rpc.call('getblockcount'), { code: -28, message: 'Loading wallet…' });
    assert.equal(await rpc.call('devnet_fault', ['slow', 0]), null);
    const r = await rpc.post({ id: 1, method: 'getbestblockhash' });
    assert.equal(r.status, 500);
    assert.deepEqual(JSON.parse(r.body).error, { code: -28, message: 'Loading wallet…' });
    assert.equal(await rpc.call('getblockcount'), 0);
  });

  test("rpcErrors 'always' lasts until reset", { timeout: 30_000 }, async () => {
    server.faults.rpcErrors(-1, 'boom', 'always');
    for (let i = 0; i < 3; i++) await assert.rejects(rpc.call('getblockcount'), { code: -1, message: 'boom' });
    await server.faults.reset();
    assert.equal(await rpc.call('getblockcount'), 0);
  });

  test('dropZmq loses messages but their sequence numbers: the subscriber sees the gap', { timeout: 30_000 }, async () => {
    node.wallet.fund(1);
    const sub = await ZmqCollector.open(server.zmqUrl, { topics: ['hashblock', 'sequence'], probe: () => server.zmqProbe() });
    try {
      const start = sub.of('hashblock').length;
      assert.equal(start, 0);
      server.faults.dropZmq('hashblock', 1);
      const hashes = await rpc.call<string[]>('generatetoaddress', [2, node.wallet.address('p2wpkh', 0)]);
      await sub.until((m) => m.filter((x) => x.topic === 'hashblock').length === 1 && m.filter((x) => x.topic === 'sequence').length === 2);
      const hb = sub.of('hashblock');
      assert.equal(hb[0]!.body.toString('hex'), hashes[1]);
      const seqs = sub.of('sequence').map((m) => m.seq);
      assert.equal(seqs[1], seqs[0]! + 1, 'other topics are untouched');
      assert.equal(hb[0]!.seq, seqs[1], 'hashblock skipped one number: the first block\'s message was lost');
    } finally {
      sub.close();
    }
  });

  test('devnet_fault over RPC: errors, dropzmq, reset, and bad kinds', { timeout: 30_000 }, async () => {
    assert.equal(await rpc.call('devnet_fault', ['errors', -5, 'nope', 1]), null);
    await assert.rejects(rpc.call('getblockcount'), { code: -5, message: 'nope' });
    assert.equal(await rpc.call('devnet_fault', ['dropzmq', 'all', 'always']), null);
    assert.equal(await rpc.call('devnet_fault', ['reset']), null);
    await assert.rejects(rpc.call('devnet_fault', ['meltdown']), { code: -8 });
    await assert.rejects(rpc.call('devnet_fault', ['dropzmq', 'rawfoo', 1]), { code: -8 });
  });

  test('devnet_fault rpcdown answers first, then the port closes and comes back', { timeout: 30_000 }, async () => {
    const tick = () => new Promise((r) => setTimeout(r, 10));
    assert.equal(await rpc.call('devnet_fault', ['rpcdown', 1500]), null);
    while (!server.faults.isRpcDown) await tick();
    const probe = new RpcClient(server.rpcUrl, { user: 'u', password: 'p' });
    await assert.rejects(probe.call('getblockcount'), { code: 'ECONNREFUSED' });
    while (server.faults.isRpcDown) await tick();
    assert.equal(await probe.call('getblockcount'), node.tipHeight());
    probe.close();
  });
});
