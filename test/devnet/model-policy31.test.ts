// devnet model: Core 31 mempool policy (cluster limits, TRUC, feerate-diagram RBF, chunk-order
// mining, Core 30's OP_RETURN budget), staged validation leaving no trace, and fillMempool.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import { DevnetNode, DevnetRejectError, type DevnetEvent } from '../../src/devnet/node.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { RpcClient } from '../../src/devnet/rpc/client.js';
import { silentLogger } from '../../src/log.js';
import { classify } from '../../src/devnet/chain/scripts.js';
import { verifyInputs } from '../../src/devnet/chain/verify.js';
import type { WalletCoin } from '../../src/devnet/wallet/wallet.js';

function rejects(fn: () => unknown, message: RegExp | string, code = -26): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DevnetRejectError, `expected DevnetRejectError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

async function nodeWithCoins(seed: string, count = 20): Promise<{ node: DevnetNode; coins: WalletCoin[] }> {
  const node = await DevnetNode.create({ seed });
  node.wallet.fund();
  node.wallet.pay(Array.from({ length: count }, (_, i) => ({ address: node.wallet.address('p2wpkh', 200 + i), value: 10_000_000 })));
  node.generateToAddress(1, node.wallet.address('p2wpkh'));
  return { node, coins: node.wallet.coins({ from: ['p2wpkh'], confirmedOnly: true }).filter((c) => c.value === 10_000_000) };
}

const out = (txid: Buffer, vout: number) => ({ txid, vout });

describe('devnet model: Core 31 policy', () => {
  test('clusters stop at 64 transactions: too-large-cluster', async () => {
    const { node, coins } = await nodeWithCoins('cluster-limit', 1);
    const addr = node.wallet.address('p2wpkh', 9);
    const fan = node.wallet.pay(Array.from({ length: 70 }, () => ({ address: addr, value: 100_000 })), { coins: [coins[0]!] });
    for (let v = 0; v < 63; v++) node.wallet.pay([{ address: addr, value: 50_000 }], { coins: [out(fan, v)] });
    rejects(() => node.wallet.pay([{ address: addr, value: 50_000 }], { coins: [out(fan, 63)] }), 'too-large-cluster');
    assert.equal(node.mempoolDescendants(fan).length, 63);
  });

  test('TRUC (version 3) rules', async () => {
    const { node, coins } = await nodeWithCoins('truc', 4);
    const addr = node.wallet.address('p2wpkh', 9);
    const v2 = node.wallet.pay([{ address: addr, value: 1_000_000 }], { coins: [coins[0]!] });
    rejects(() => node.wallet.pay([{ address: addr, value: 500_000 }], { coins: [out(v2, 0)], version: 3 }),
      /^TRUC-violation, version=3 tx [0-9a-f]{64} \(wtxid=[0-9a-f]{64}\) cannot spend from non-version=3 tx [0-9a-f]{64} \(wtxid=[0-9a-f]{64}\)$/);
    const v3 = node.wallet.pay([{ address: addr, value: 1_000_000 }, { address: addr, value: 1_000_000 }], { coins: [coins[1]!], version: 3 });
    rejects(() => node.wallet.pay([{ address: addr, value: 500_000 }], { coins: [out(v3, 0)] }), /^TRUC-violation, non-version=3 tx .* cannot spend from version=3 tx /);
    node.wallet.pay([{ address: addr, value: 500_000 }], { coins: [out(v3, 0)], version: 3 });
    rejects(() => node.wallet.pay([{ address: addr, value: 500_000 }], { coins: [out(v3, 1)], version: 3 }), /^TRUC-violation, tx [0-9a-f]{64} \(wtxid=[0-9a-f]{64}\) would exceed descendant count limit$/);
    // A zero-fee TRUC tx alone is below the relay minimum (it needs a package).
    rejects(() => node.wallet.pay([{ address: addr, value: 500_000 }], { coins: [coins[2]!], version: 3, fee: 0 }), /^min relay fee not met, 0 < \d+$/);
  });

  test('RBF by the feerate diagram: more fees at a lower feerate is refused; a cluster member cannot be its own conflict', async () => {
    const { node, coins } = await nodeWithCoins('rbf-diagram', 3);
    const addr = node.wallet.address('p2wpkh', 9);
    const original = node.wallet.pay([{ address: addr, value: 1_000_000 }], { coins: [coins[0]!], feeRate: 10 });
    const big = Array.from({ length: 12 }, () => ({ address: addr, value: 50_000 }));
    rejects(() => node.wallet.pay(big, { coins: [coins[0]!], feeRate: 4 }), 'replacement-failed, insufficient feerate: does not improve feerate diagram');
    assert.ok(node.mempoolEntry(original));
    const events: DevnetEvent[] = [];
    node.on((e) => events.push(e));
    const better = node.wallet.pay(big, { coins: [coins[0]!], feeRate: 12 });
    assert.equal(node.mempoolEntry(original), undefined);
    assert.ok(node.mempoolEntry(better));
    assert.deepEqual(events.map((e) => e.type === 'txRemoved' ? `R:${e.reason}` : e.type), ['R:replaced', 'txAdded']);

    const a = node.wallet.pay([{ address: addr, value: 1_000_000 }], { coins: [coins[1]!] });
    const b = node.wallet.pay([{ address: addr, value: 900_000 }], { coins: [out(a, 0)] });
    rejects(() => node.wallet.pay([{ address: addr, value: 2_000_000 }], { coins: [coins[1]!, out(b, 0)], feeRate: 50 }),
      new RegExp(`^bad-txns-spends-conflicting-tx, [0-9a-f]{64} spends conflicting transaction ${Buffer.from(a).reverse().toString('hex')}$`));
  });

  test('blocks take whole chunks, best feerate first: a child pays for its parent', async () => {
    const { node, coins } = await nodeWithCoins('chunk-mining', 3);
    const addr = node.wallet.address('p2wpkh', 9);
    const middling = node.wallet.pay([{ address: addr, value: 1_000_000 }], { coins: [coins[0]!], feeRate: 5 });
    const poor = node.wallet.pay([{ address: addr, value: 1_000_000 }], { coins: [coins[1]!], feeRate: 1 });
    const payer = node.wallet.pay([{ address: addr, value: 900_000 }], { coins: [out(poor, 0)], feeRate: 40 });
    const [hash] = node.generateToScript(1, node.wallet.script('p2wpkh', 0), { maxTxs: 2 });
    const ids = node.block(hash!)!.block.txs.slice(1).map((t) => t.txid.toString('hex'));
    assert.deepEqual(ids, [poor, payer].map((t) => t.toString('hex')));
    assert.ok(node.mempoolEntry(middling));
  });

  test('Core 30 OP_RETURN policy: several data outputs in one tx are standard', async () => {
    const { node, coins } = await nodeWithCoins('datacarrier', 1);
    const data = bitcoin.payments.embed({ data: [Buffer.alloc(200, 7)] }).output!;
    const txid = node.wallet.pay([{ script: data, value: 0 }, { address: node.wallet.address('p2tr', 3), value: 10_000 }], { coins: [coins[0]!], opReturn: Buffer.from('second') });
    assert.equal(node.mempoolEntry(txid)!.tx.outputs.filter((o) => o.script[0] === 0x6a).length, 2);
  });

  test('staged validation (testmempoolaccept packages) leaves pool, sequence and events untouched', async () => {
    const { node, coins } = await nodeWithCoins('staging', 2);
    const addr = node.wallet.address('p2wpkh', 9);
    node.wallet.pay([{ address: addr, value: 1_000_000 }], { coins: [coins[0]!] });
    const seq = node.mempoolSequence();
    const size = node.mempool().length;
    const events: DevnetEvent[] = [];
    node.on((e) => events.push(e));
    let raws: Buffer[] = [];
    node.engine.staged(() => {
      const p = node.wallet.pay([{ address: addr, value: 1_000_000 }], { coins: [coins[1]!] });
      const c = node.wallet.createPayment([{ address: addr, value: 500_000 }], { coins: [out(p, 0)] });
      raws = [node.mempoolEntry(p)!.raw, c];
      return false;
    });
    assert.equal(node.mempoolSequence(), seq);
    assert.equal(node.mempool().length, size);
    assert.equal(events.length, 0);
    const result = node.testMempoolAccept(raws);
    assert.deepEqual([...result.results.values()].map((r) => r.type), ['valid', 'valid']);
    assert.equal(node.mempoolSequence(), seq);
    assert.equal(node.mempool().length, size);
    assert.equal(events.length, 0);
    // Submitted for real, both go in, announced in order.
    const submitted = node.submitPackage(raws);
    assert.equal(submitted.state, undefined);
    assert.deepEqual(events.map((e) => e.type), ['txAdded', 'txAdded']);
    assert.equal(node.mempool().length, size + 2);
  });
});

describe('devnet model: fillMempool', () => {
  test('signed transactions of every kind, with unconfirmed chains, that verify and mine cleanly', async () => {
    const node = await DevnetNode.create({ seed: 'fill-test' });
    node.wallet.fund();
    const events: DevnetEvent[] = [];
    node.on((e) => { if (e.type === 'txAdded') events.push(e); });
    const r = node.fillMempool(600);
    assert.equal(r.txids.length, 600);
    assert.ok(r.fundingBlocks > 100, 'coinbases, maturity, split and fan-out blocks');
    assert.equal(node.mempool().length, 600);
    assert.equal(events.length, 600);
    const pool = node.mempool();
    assert.ok(pool.filter((e) => e.depends.length > 0).length > 100, 'chains of unconfirmed parents');
    assert.ok(pool.some((e) => e.tx.inputs.length === 2), 'two-input txs');
    assert.ok(pool.some((e) => e.tx.outputs.some((o) => o.script[0] === 0x6a)), 'OP_RETURN outputs');
    const spent = new Set(pool.flatMap((e) => e.prevouts.map((p) => classify(p.script))));
    for (const t of ['witness_v0_keyhash', 'witness_v1_taproot', 'pubkeyhash', 'scripthash', 'witness_v0_scripthash', 'multisig']) assert.ok(spent.has(t as never), t);
    for (const e of pool) verifyInputs(e.raw, e.prevouts);
    assert.ok(Math.max(...pool.map((e) => node.mempoolAncestors(e.txid).length)) >= 3, 'some chains are deep');
    // A second fill reuses the confirmed coins left over (no new funding when there are enough).
    node.generateToAddress(1, node.wallet.address('p2wpkh'));
    const again = node.fillMempool(50);
    assert.equal(again.fundingBlocks, 0);
    while (node.mempool().length) node.generateToAddress(1, node.wallet.address('p2wpkh'));
    assert.equal(node.tip().block.txs.length > 1, true);
  });

  test('devnet_fillmempool over RPC', async () => {
    const node = await DevnetNode.create({ seed: 'fill-rpc' });
    const server = await DevnetServer.start({ node, log: silentLogger() });
    const rpc = new RpcClient(server.rpcUrl, { cookieFile: server.cookieFile });
    try {
      const r = await rpc.call<Record<string, any>>('devnet_fillmempool', [30, { txids: true, seed: 'x' }]);
      assert.deepEqual(Object.keys(r), ['added', 'funding_blocks', 'seconds', 'mempool_size', 'txids']);
      assert.equal(r.added, 30);
      assert.equal(r.mempool_size, 30);
      assert.deepEqual([...r.txids].sort(), [...(await rpc.call<string[]>('getrawmempool'))].sort());
      const info = await rpc.call<Record<string, any>>('getmempoolinfo');
      assert.equal(info.size, 30);
      assert.equal(info.unbroadcastcount, 30);
    } finally {
      rpc.close();
      await server.stop();
    }
  });
});
