// ZMQ PUB as bitcoind sends it: [topic, body, 4-byte LE per-topic sequence], hashes in display
// order, sequence bodies hash + label (+ LE64 mempool sequence for A/R), on mine, pay and reorg.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DevnetNode } from '../../src/devnet/node.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { RpcClient } from '../../src/devnet/rpc/client.js';
import { silentLogger } from '../../src/log.js';
import { ZmqCollector, type ZmqMessage } from '../../src/devnet/zmq/collector.js';

const hex = (b: Buffer) => b.toString('hex');
const label = (m: ZmqMessage) => String.fromCharCode(m.body[32]!);

describe('ZMQ notifications', () => {
  let node: DevnetNode;
  let server: DevnetServer;
  let rpc: RpcClient;
  let sub: ZmqCollector;

  before(async () => {
    node = await DevnetNode.create({ seed: 'zmq' });
    node.wallet.fund();
    server = await DevnetServer.start({ node, log: silentLogger() });
    rpc = new RpcClient(server.rpcUrl, { cookieFile: server.cookieFile });
    sub = await ZmqCollector.open(server.zmqUrl, { probe: () => server.zmqProbe() });
  });

  after(async () => {
    sub.close();
    rpc.close();
    await server.stop();
  });

  test('mining a block: hashtx/rawtx per tx, sequence C, then hashblock and rawblock; counters from 0', { timeout: 30_000 }, async () => {
    const [hash] = await rpc.call<string[]>('generatetoaddress', [1, node.wallet.address('p2wpkh', 0)]);
    const msgs = await sub.until((m) => m.some((x) => x.topic === 'rawblock'));
    assert.deepEqual(msgs.map((m) => m.topic), ['hashtx', 'rawtx', 'sequence', 'hashblock', 'rawblock']);
    assert.ok(msgs.every((m) => m.frames === 3));
    assert.ok(msgs.every((m) => m.seq === 0), 'each topic counts from 0');
    const block = await rpc.call<{ tx: string[] }>('getblock', [hash, 1]);
    assert.equal(hex(msgs[0]!.body), block.tx[0], 'hashtx carries the txid in display order');
    assert.equal(hex(msgs[1]!.body), await rpc.call('getrawtransaction', [block.tx[0]]));
    assert.equal(msgs[2]!.body.length, 33);
    assert.equal(hex(msgs[2]!.body.subarray(0, 32)), hash);
    assert.equal(label(msgs[2]!), 'C');
    assert.equal(hex(msgs[3]!.body), hash, 'hashblock carries the hash in display order');
    assert.equal(hex(msgs[4]!.body), await rpc.call('getblock', [hash, 0]));
  });

  test('a payment: hashtx, rawtx, sequence A with the LE64 mempool sequence; mining it sends no R', { timeout: 30_000 }, async () => {
    sub.clear();
    const txid = await rpc.call<string>('devnet_pay', [node.wallet.address('p2tr', 1), 25_000]);
    const msgs = await sub.until((m) => m.some((x) => x.topic === 'sequence'));
    assert.deepEqual(msgs.map((m) => [m.topic, m.seq]), [['hashtx', 1], ['rawtx', 1], ['sequence', 1]]);
    assert.equal(hex(msgs[0]!.body), txid);
    assert.equal(hex(msgs[1]!.body), await rpc.call('getrawtransaction', [txid]));
    const a = msgs[2]!;
    assert.equal(a.body.length, 41);
    assert.equal(hex(a.body.subarray(0, 32)), txid);
    assert.equal(label(a), 'A');
    const entry = node.mempoolEntry(Buffer.from(txid, 'hex').reverse())!;
    assert.equal(a.body.readBigUInt64LE(33), BigInt(entry.sequence));
    const { mempool_sequence } = await rpc.call<{ mempool_sequence: number }>('getrawmempool', [false, true]);
    assert.ok(Number(a.body.readBigUInt64LE(33)) < mempool_sequence);

    sub.clear();
    const [hash] = await rpc.call<string[]>('generatetoaddress', [1, node.wallet.address('p2wpkh', 0)]);
    const mined = await sub.until((m) => m.some((x) => x.topic === 'rawblock' && x.body.equals(node.block(Buffer.from(hash!, 'hex').reverse())!.raw)));
    assert.deepEqual(mined.map((m) => m.topic), ['hashtx', 'rawtx', 'hashtx', 'rawtx', 'sequence', 'hashblock', 'rawblock']);
    assert.deepEqual(mined.filter((m) => m.topic === 'hashtx').map((m) => m.seq), [2, 3]);
    assert.equal(hex(mined[2]!.body), txid);
    const seqs = mined.filter((m) => m.topic === 'sequence');
    assert.deepEqual(seqs.map(label), ['C'], 'inclusion in a block is not announced as R');
    assert.equal(hex(seqs[0]!.body.subarray(0, 32)), hash);
    assert.equal(mined.find((m) => m.topic === 'hashblock')!.seq, 1);
  });

  test('a reorg: D for each disconnected block, C for each connected one, counters stay contiguous', { timeout: 30_000 }, async () => {
    sub.clear();
    const oldTip = await rpc.call<string>('getbestblockhash');
    const oldParent = await rpc.call<string>('getblockhash', [node.tipHeight() - 1]);
    const newTip = await rpc.call<string>('devnet_reorg', [2]);
    const msgs = await sub.until((m) => m.some((x) => x.topic === 'hashblock' && hex(x.body) === newTip));
    const seq = msgs.filter((m) => m.topic === 'sequence' && (label(m) === 'C' || label(m) === 'D'));
    assert.deepEqual(seq.filter((m) => label(m) === 'D').map((m) => hex(m.body.subarray(0, 32))), [oldTip, oldParent]);
    const connected = seq.filter((m) => label(m) === 'C').map((m) => hex(m.body.subarray(0, 32)));
    assert.equal(connected.length, 3);
    assert.equal(connected[2], newTip);
    for (const topic of ['hashtx', 'rawtx', 'sequence', 'hashblock', 'rawblock']) {
      const s = sub.of(topic).map((m) => m.seq);
      s.forEach((v, i) => i > 0 && assert.equal(v, s[i - 1]! + 1, `${topic} counter is contiguous`));
    }
  });

  test('a reorg that double-spends a disconnected tx: A when it returns to the mempool, R when it is replaced', { timeout: 30_000 }, async () => {
    sub.clear();
    const victim = await rpc.call<string>('devnet_pay', [node.wallet.address('p2wpkh', 5), 40_000]);
    const [mined] = await rpc.call<string[]>('generatetoaddress', [1, node.wallet.address('p2wpkh', 0)]);
    await sub.until((m) => m.some((x) => x.topic === 'hashblock' && hex(x.body) === mined));
    sub.clear();
    const newTip = await rpc.call<string>('devnet_reorg', [1, null, 1]);
    const msgs = await sub.until((m) => m.some((x) => x.topic === 'hashblock' && hex(x.body) === newTip));
    const mempoolEvents = msgs.filter((m) => m.topic === 'sequence' && (label(m) === 'A' || label(m) === 'R'));
    const forVictim = mempoolEvents.filter((m) => hex(m.body.subarray(0, 32)) === victim).map(label);
    assert.deepEqual(forVictim, ['A', 'R']);
    const r = mempoolEvents.find((m) => label(m) === 'R')!;
    assert.equal(r.body.length, 41);
    const a = mempoolEvents.find((m) => label(m) === 'A' && hex(m.body.subarray(0, 32)) === victim)!;
    assert.ok(r.body.readBigUInt64LE(33) > a.body.readBigUInt64LE(33), 'mempool sequence grows');
    await assert.rejects(rpc.call('getrawtransaction', [victim]), { code: -5 });
  });
});

describe('ZMQ topics nobody subscribed to', () => {
  test('are not sent, but their sequence numbers advance as if they were', { timeout: 30_000 }, async () => {
    const node = await DevnetNode.create({ seed: 'zmq-unwatched' });
    const server = await DevnetServer.start({ node, log: silentLogger() });
    const blocks = await ZmqCollector.open(server.zmqUrl, { topics: ['hashblock'], probe: () => server.zmqProbe() });
    let txs: ZmqCollector | undefined;
    try {
      node.generateToAddress(2, node.wallet.address('p2wpkh', 0));
      await blocks.until((m) => m.filter((x) => x.topic === 'hashblock').length === 2);
      assert.deepEqual(blocks.messages.map((m) => [m.topic, m.seq]), [['hashblock', 0], ['hashblock', 1]]);
      txs = await ZmqCollector.open(server.zmqUrl, { topics: ['hashtx'], probe: () => server.zmqProbe() });
      const [hash] = node.generateToAddress(1, node.wallet.address('p2wpkh', 0));
      const got = await txs.until((m) => m.some((x) => x.topic === 'hashtx'));
      assert.equal(got[0]!.seq, 2, 'two coinbases went unannounced before');
      assert.ok(got.every((m) => m.topic === 'hashtx'));
      assert.equal(got[0]!.body.toString('hex'), Buffer.from(node.block(hash!)!.block.txs[0]!.txid).reverse().toString('hex'));
    } finally {
      txs?.close();
      blocks.close();
      await server.stop();
    }
  });
});
