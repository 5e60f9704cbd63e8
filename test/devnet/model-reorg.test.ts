// devnet model: invalidateblock / reconsiderblock / reorgs restore the UTXO set and the mempool
// as bitcoind does, and pick the most-work chain.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DevnetNode, type DevnetEvent } from '../../src/devnet/node.js';

function utxoSnapshot(node: DevnetNode): string[] {
  return [...node.engine.chain.utxo.entries()].map(([k, c]) => `${k}=${c.value}@${c.height}${c.coinbase ? 'c' : ''}`).sort();
}

const ids = (bufs: readonly Buffer[]) => bufs.map((b) => b.toString('hex')).sort();

describe('devnet model: reorgs', () => {
  test('invalidate and reconsider restore UTXO set and mempool', async () => {
    const node = await DevnetNode.create({ seed: 'reorg-basic' });
    node.wallet.fund();
    const a = node.wallet.pay([{ address: node.wallet.address('p2sh-multisig', 1), value: 7_000_000 }]);
    node.generateToAddress(1, node.wallet.address('p2wpkh'));
    const at102 = utxoSnapshot(node);
    const b = node.wallet.pay([{ address: node.wallet.address('p2wsh', 1), value: 6_000_000 }]);
    const b2 = node.wallet.pay([{ address: node.wallet.address('p2tr', 1), value: 5_000_000 }]);
    const [h103] = node.generateToAddress(1, node.wallet.address('p2wpkh'));
    const at103 = utxoSnapshot(node);
    // c spends a's output (confirmed before the invalidated block), so it stays valid.
    const aVout = node.findTx(a)!.tx.outputs.findIndex((o) => o.value === 7_000_000);
    const c = node.wallet.pay([{ address: node.wallet.address('p2pkh', 1), value: 4_000_000 }], { coins: [{ txid: a, vout: aVout }] });
    const events: DevnetEvent[] = [];
    node.on((e) => events.push(e));

    node.invalidateBlock(h103!);
    assert.equal(node.tipHeight(), 102);
    assert.deepEqual(utxoSnapshot(node), at102);
    assert.deepEqual(ids(node.mempool().map((e) => e.txid)), ids([b, b2, c]));
    assert.equal(node.confirmations(h103!), -1);
    assert.equal(node.blockStatus(h103!), 'invalid');
    assert.ok(node.findTx(b)!.block === undefined, 'b is a mempool tx again');
    assert.ok(node.findTx(a)!.block, 'a stays confirmed');
    assert.equal(events[0]!.type, 'blockDisconnected');
    assert.deepEqual(events.slice(1).map((e) => e.type), ['txAdded', 'txAdded']);

    node.reconsiderBlock(h103!);
    assert.equal(node.tipHeight(), 103);
    assert.ok(node.tipHash().equals(h103!));
    assert.deepEqual(utxoSnapshot(node), at103);
    assert.deepEqual(ids(node.mempool().map((e) => e.txid)), ids([c]));
    assert.equal(node.blockStatus(h103!), 'active');
  });

  test('a longer competing branch wins; the old one is a valid stale fork', async () => {
    const node = await DevnetNode.create({ seed: 'reorg-branch' });
    node.wallet.fund();
    const before = utxoSnapshot(node);
    const t1 = node.wallet.pay([{ address: node.wallet.address('p2wpkh', 2), value: 1_000_000 }]);
    const old = node.generateToAddress(2, node.wallet.address('p2wpkh'));
    const t2 = node.wallet.pay([{ address: node.wallet.address('p2wpkh', 2), value: 2_000_000 }]);
    const fresh = node.reorg(2);
    assert.equal(fresh.length, 3);
    assert.equal(node.tipHeight(), 104);
    for (const h of old) {
      assert.equal(node.confirmations(h), -1);
      assert.equal(node.blockStatus(h), 'valid-fork');
    }
    assert.equal(node.mempool().length, 0, 'txs were re-mined on the new branch');
    assert.equal(node.findTx(t1)!.block!.height, 102);
    assert.ok(node.findTx(t2)!.block);
    // Rewinding everything to the fork point gives back the original UTXO set.
    node.invalidateBlock(fresh[0]!);
    assert.equal(node.tipHeight(), 103, 'the old branch (2 blocks) takes over once the new one is invalid');
    node.invalidateBlock(old[0]!);
    assert.equal(node.tipHeight(), 101);
    assert.deepEqual(utxoSnapshot(node), before);
    assert.deepEqual(ids(node.mempool().map((e) => e.txid)), ids([t1, t2]));
  });

  test('double spend on the new branch evicts the conflicting mempool tx', async () => {
    const node = await DevnetNode.create({ seed: 'reorg-conflict' });
    node.wallet.fund();
    const coin = node.wallet.coins({ confirmedOnly: true })[0]!;
    const original = node.wallet.pay([{ address: node.wallet.address('p2wpkh', 3), value: 1_000_000 }], { coins: [coin] });
    const [tip] = node.generateToAddress(1, node.wallet.address('p2wpkh'));
    node.invalidateBlock(tip!);
    assert.ok(node.mempoolEntry(original));
    const spend = node.wallet.createPayment([{ address: node.wallet.address('p2tr', 3), value: 1_500_000 }], { coins: [coin], feeRate: 10 });
    const events: DevnetEvent[] = [];
    node.on((e) => events.push(e));
    const ds = node.generateBlock(node.wallet.address('p2wpkh'), [spend]);
    assert.ok(node.tipHash().equals(ds));
    assert.equal(node.mempoolEntry(original), undefined);
    assert.deepEqual(events.map((e) => (e.type === 'txRemoved' ? `R:${e.reason}` : e.type)), ['R:conflict', 'blockConnected']);
    node.generateToAddress(1, node.wallet.address('p2wpkh'));
    node.reconsiderBlock(tip!);
    assert.equal(node.blockStatus(tip!), 'valid-fork', 'less work: stays stale');
    assert.equal(node.findTx(original), undefined, 'the original vanished');
  });

  test('a mempool spend of a coinbase that becomes immature is evicted', async () => {
    const node = await DevnetNode.create({ seed: 'reorg-immature' });
    node.wallet.fund();
    const cb2 = node.block(node.blockHash(2)!)!.block.txs[0]!.txid;
    const spend = node.wallet.pay([{ address: node.wallet.address('p2wpkh', 4), value: 1_000_000 }], { coins: [{ txid: cb2, vout: 0 }] });
    const events: DevnetEvent[] = [];
    node.on((e) => events.push(e));
    node.invalidateBlock(node.tipHash());
    assert.equal(node.mempoolEntry(spend), undefined);
    const removed = events.find((e) => e.type === 'txRemoved');
    assert.ok(removed && removed.type === 'txRemoved' && removed.reason === 'reorg' && removed.txid.equals(spend));
  });

  test('equal work: the first seen tip stays; more work switches', async () => {
    const node = await DevnetNode.create({ seed: 'reorg-equal' });
    node.generateToAddress(5, node.wallet.address('p2wpkh'));
    const a = node.tipHash();
    node.invalidateBlock(a);
    const [b] = node.generateToAddress(1, node.wallet.address('p2tr'));
    assert.ok(node.tipHash().equals(b!));
    node.reconsiderBlock(a);
    assert.ok(node.tipHash().equals(a), 'equal work, earlier arrival wins (bitcoind CBlockIndexWorkComparator)');
    node.invalidateBlock(a);
    const [c] = node.generateToAddress(1, node.wallet.address('p2tr'));
    assert.ok(node.tipHash().equals(c!));
    assert.equal(node.tipHeight(), 6);
  });

  test('reorg right after mining the same template still yields new blocks', async () => {
    const node = await DevnetNode.create({ seed: 'reorg-same', time: 1_700_000_000 });
    node.generateToAddress(3, node.wallet.address('p2wpkh'));
    const old = node.tipHash();
    const fresh = node.reorg(1);
    assert.equal(fresh.length, 2);
    assert.ok(!fresh[0]!.equals(old), 'not the invalidated block again');
    assert.equal(node.tipHeight(), 4);
    assert.equal(node.confirmations(old), -1);
    assert.throws(() => node.invalidateBlock(Buffer.alloc(32, 9)), (e: Error & { code?: number }) => e.code === -5);
  });
});
