// devnet model: invalidateblock / reconsiderblock / reorgs restore the UTXO set and the mempool
// as bitcoind does, and pick the most-work chain.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DevnetNode, type DevnetEvent } from '../../src/devnet/node.js';
import { produceBlocks, reorg } from '../../src/devnet/scenario.js';
import { isCoinbase, type Tx } from '../../src/chain/tx.js';
import { isUnspendable } from '../../src/chain/scripthash.js';
import { decodeTx } from '../../src/devnet/chain/accept.js';
import { Entry } from '../../src/devnet/chain/mempool.js';

function utxoSnapshot(node: DevnetNode): string[] {
  return [...node.engine.chain.utxo.entries()].map(([k, c]) => `${k}=${c.value}@${c.height}${c.coinbase ? 'c' : ''}`).sort();
}

const ids = (bufs: readonly Buffer[]) => bufs.map((b) => b.toString('hex')).sort();

const outpoint = (txid: Buffer, vout: number) => `${Buffer.from(txid).reverse().toString('hex')}:${vout}`;

/** Consensus finality (BIP113: time locks against the previous block's median time past). */
function isFinalTx(tx: Tx, height: number, mtp: number): boolean {
  if (tx.locktime === 0) return true;
  if (tx.locktime < (tx.locktime < 500_000_000 ? height : mtp)) return true;
  return tx.inputs.every((i) => i.sequence === 0xffffffff);
}

/**
 * Replays the active chain from genesis with an independent UTXO set, as an indexer would, and
 * checks every input spends an existing unspent (mature) output and every tx is final; then checks
 * the model's UTXO set equals the replayed one, every mempool tx spends outputs of the chain or of
 * the mempool (each at most once), and every wallet coin exists. Returns problems found.
 */
function consistencyProblems(node: DevnetNode): string[] {
  const problems: string[] = [];
  const utxo = new Map<string, { height: number; coinbase: boolean }>();
  for (let h = 1; h <= node.tipHeight(); h++) {
    const sb = node.block(node.blockHash(h)!)!;
    const mtp = node.medianTimePast(node.blockHash(h - 1)!);
    for (const tx of sb.block.txs) {
      const txid = Buffer.from(tx.txid).reverse().toString('hex');
      if (!isCoinbase(tx)) {
        if (!isFinalTx(tx, h, mtp)) problems.push(`height ${h} tx ${txid} is not final (locktime ${tx.locktime})`);
        for (const i of tx.inputs) {
          const k = outpoint(i.prevTxid, i.prevVout);
          const coin = utxo.get(k);
          if (!coin) problems.push(`height ${h} tx ${txid} spends missing or spent ${k}`);
          else if (coin.coinbase && h - coin.height < node.coin.coinbaseMaturity) problems.push(`height ${h} tx ${txid} spends immature ${k}`);
          utxo.delete(k);
        }
      }
      tx.outputs.forEach((o, n) => {
        if (!isUnspendable(o.script)) utxo.set(outpoint(tx.txid, n), { height: h, coinbase: isCoinbase(tx) });
      });
    }
  }
  const model = new Set([...node.engine.chain.utxo.entries()].map(([k]) => {
    const [txid, vout] = k.split(':');
    return outpoint(Buffer.from(txid!, 'hex'), Number(vout));
  }));
  for (const k of model) if (!utxo.has(k)) problems.push(`model UTXO set holds ${k}, absent from the active chain`);
  for (const k of utxo.keys()) if (!model.has(k)) problems.push(`model UTXO set lacks ${k}`);

  const pool = node.mempool();
  const poolOutputs = new Map(pool.map((e) => [e.txid.toString('hex'), e.tx.outputs.length]));
  const spentInPool = new Set<string>();
  const spendHeight = node.tipHeight() + 1;
  for (const e of pool) {
    const txid = Buffer.from(e.txid).reverse().toString('hex');
    if (!isFinalTx(e.tx, spendHeight, node.medianTimePast(node.tipHash()))) problems.push(`mempool tx ${txid} is not final`);
    for (const i of e.tx.inputs) {
      const k = outpoint(i.prevTxid, i.prevVout);
      const nOut = poolOutputs.get(i.prevTxid.toString('hex'));
      const coin = utxo.get(k);
      if (nOut !== undefined ? i.prevVout >= nOut : !coin) problems.push(`mempool tx ${txid} spends missing ${k}`);
      else if (coin?.coinbase && spendHeight - coin.height < node.coin.coinbaseMaturity) problems.push(`mempool tx ${txid} spends immature ${k}`);
      if (spentInPool.has(k)) problems.push(`mempool double spend of ${k}`);
      spentInPool.add(k);
    }
  }
  for (const c of node.wallet.coins()) {
    const k = outpoint(c.txid, c.vout);
    const exists = c.confirmed ? utxo.has(k) : (poolOutputs.get(c.txid.toString('hex')) ?? 0) > c.vout;
    if (!exists || spentInPool.has(k)) problems.push(`wallet coin ${k} does not exist or is spent`);
  }
  return problems;
}

function assertConsistent(node: DevnetNode, when: string): void {
  const problems = consistencyProblems(node);
  assert.deepEqual(problems.slice(0, 10), [], `${when}: ${problems.length} problems`);
}

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
    // c spends a's output (confirmed before the invalidated block), so it stays valid; final
    // sequences disable its locktime (the tip height 103, which would not pass at height 103 again).
    const aVout = node.findTx(a)!.tx.outputs.findIndex((o) => o.value === 7_000_000);
    const c = node.wallet.pay([{ address: node.wallet.address('p2pkh', 1), value: 4_000_000 }], { coins: [{ txid: a, vout: aVout }], sequence: 0xffffffff });
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
    // Final sequences: its locktime 103 would not pass on the new branch before height 104.
    const t2 = node.wallet.pay([{ address: node.wallet.address('p2wpkh', 2), value: 2_000_000 }], { sequence: 0xffffffff });
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

  test('mempool txs whose locktime no longer passes are evicted with descendants, and not mined', async () => {
    const node = await DevnetNode.create({ seed: 'reorg-nonfinal' });
    node.wallet.fund();
    node.generateToAddress(5, node.wallet.address('p2wpkh'));
    const coinbaseOf = (h: number) => ({ txid: node.block(node.blockHash(h)!)!.block.txs[0]!.txid, vout: 0 });
    const tipHeight = node.tipHeight();
    const parent = node.wallet.pay([{ address: node.wallet.address('p2wpkh', 5), value: 3_000_000 }], { coins: [coinbaseOf(4)] });
    assert.equal(node.findTx(parent)!.tx.locktime, tipHeight, 'anti-fee-sniping locktime');
    const child = node.wallet.pay([{ address: node.wallet.address('p2tr', 5), value: 1_000_000 }], { coins: [{ txid: parent, vout: 0 }] });
    const keeper = node.wallet.pay([{ address: node.wallet.address('p2pkh', 5), value: 2_000_000 }], { coins: [coinbaseOf(3)], sequence: 0xffffffff });
    const events: DevnetEvent[] = [];
    node.on((e) => events.push(e));
    node.invalidateBlock(node.tipHash());
    const removed = events.flatMap((e) => (e.type === 'txRemoved' ? [`${e.reason}:${e.txid.toString('hex')}`] : []));
    assert.deepEqual(removed, [`reorg:${child.toString('hex')}`, `reorg:${parent.toString('hex')}`], 'descendant first, as removeRecursive');
    assert.ok(node.mempoolEntry(keeper), 'a final tx stays');
    node.generateToAddress(1, node.wallet.address('p2wpkh'));
    assert.ok(node.findTx(keeper)!.block);
    assert.equal(node.findTx(parent), undefined);
    assertConsistent(node, 'after mining on the shorter chain');
  });

  test('generateblock and block connection refuse a non-final tx (bad-txns-nonfinal)', async () => {
    const node = await DevnetNode.create({ seed: 'reorg-nonfinal-block' });
    node.wallet.fund();
    const raw = node.wallet.createPayment([{ address: node.wallet.address('p2wpkh', 6), value: 1_000_000 }], { confirmedOnly: true });
    const tip = node.tipHash();
    node.invalidateBlock(tip);
    assert.throws(() => node.generateBlock(node.wallet.address('p2wpkh'), [raw]), (e: Error & { code?: number }) => e.code === -25 && e.message === 'TestBlockValidity failed: bad-txns-nonfinal, non-final transaction');
    assert.ok(node.tipHash().equals(node.blockHash(node.tipHeight())!));
    node.reconsiderBlock(tip);
    assert.ok(node.generateBlock(node.wallet.address('p2wpkh'), [raw]), 'final one block later');
  });

  test('the miner skips a stale mempool entry (spent input) and its descendants', async () => {
    const node = await DevnetNode.create({ seed: 'reorg-stale-entry' });
    node.wallet.fund();
    const coin = node.wallet.coins({ confirmedOnly: true })[0]!;
    const stale = decodeTx(node.wallet.createPayment([{ address: node.wallet.address('p2wpkh', 8), value: 1_000_000 }], { coins: [coin] }));
    node.wallet.pay([{ address: node.wallet.address('p2tr', 8), value: 1_500_000 }], { coins: [coin] });
    node.generateToAddress(1, node.wallet.address('p2wpkh'));
    // Bypass acceptance: put the now invalid tx and a child of it straight into the pool.
    const pool = node.engine.mempool;
    const put = (tx: Tx) => pool.add((seq) => new Entry(tx.txid, tx.txid, tx.raw, tx, 1000, 200, 800, 0, node.tipHeight(), seq, []));
    put(stale);
    const childRaw = node.wallet.createPayment([{ address: node.wallet.address('p2pkh', 8), value: 500_000 }], { coins: [{ txid: stale.txid, vout: 0 }] });
    put(decodeTx(childRaw));
    const ok = node.wallet.pay([{ address: node.wallet.address('p2wsh', 8), value: 700_000 }], { confirmedOnly: true });
    node.generateToAddress(1, node.wallet.address('p2wpkh'));
    const mined = node.block(node.tipHash())!.block.txs.map((t) => t.txid.toString('hex'));
    assert.deepEqual(mined.slice(1), [ok.toString('hex')]);
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

describe('devnet model: chain, mempool and wallet stay consistent across reorgs', () => {
  const cases: Array<{ name: string; depth: number; opts: Parameters<typeof reorg>[2] }> = [
    { name: 'depth 1', depth: 1, opts: {} },
    { name: 'depth 2, 3 new blocks', depth: 2, opts: { newBlocks: 3 } },
    { name: 'depth 2, 3 double spends', depth: 2, opts: { newBlocks: 3, doubleSpends: 3 } },
    { name: 'depth 6, 7 new blocks, 2 double spends', depth: 6, opts: { newBlocks: 7, doubleSpends: 2 } },
    { name: 'depth 3, half left in the mempool', depth: 3, opts: { newBlocks: 4, leaveInMempool: 0.5 } },
    { name: 'depth 2, new branch as long (old stays invalid)', depth: 2, opts: { newBlocks: 2, doubleSpends: 0 } },
  ];
  for (const c of cases) {
    test(`${c.name}: every input spends an existing output, then 5 more blocks of payments`, async () => {
      const node = await DevnetNode.create({ seed: `consistency-${c.name}` });
      node.wallet.fund();
      produceBlocks(node, 7, { txsPerBlock: 20 });
      assertConsistent(node, 'before the reorg');
      const r = reorg(node, c.depth, c.opts);
      assertConsistent(node, 'after the reorg');
      assert.equal(r.newBlocks.length, c.opts?.newBlocks ?? c.depth + 1);
      for (let i = 0; i < 5; i++) {
        produceBlocks(node, 1, { txsPerBlock: 20, seed: `after-${i}` });
        assertConsistent(node, `block ${i + 1} after the reorg`);
      }
      assert.ok(node.block(node.tipHash())!.txCount > 10, 'payments keep being mined');
    });
  }

  test('repeated reorgs, back and forth between branches, stay consistent', async () => {
    const node = await DevnetNode.create({ seed: 'consistency-repeated' });
    node.wallet.fund();
    produceBlocks(node, 4, { txsPerBlock: 20 });
    for (let round = 0; round < 4; round++) {
      const r = reorg(node, 1 + round, { newBlocks: 2 + round, doubleSpends: round, seed: `round-${round}` });
      assertConsistent(node, `reorg round ${round}`);
      // Make the old branch win again: invalidate the new one, mine on the old tip, reconsider.
      node.invalidateBlock(r.newBlocks[0]!);
      assertConsistent(node, `back on the old branch, round ${round}`);
      produceBlocks(node, 2, { txsPerBlock: 15, seed: `old-${round}` });
      node.reconsiderBlock(r.newBlocks[0]!);
      assertConsistent(node, `reconsidered, round ${round}`);
      produceBlocks(node, 1, { txsPerBlock: 15, seed: `next-${round}` });
      assertConsistent(node, `mined after round ${round}`);
    }
  });

  test('node.reorg with and without keepTxs; txs that came back are mined correctly', async () => {
    const node = await DevnetNode.create({ seed: 'consistency-keep' });
    node.wallet.fund();
    for (const keepTxs of [true, false]) {
      produceBlocks(node, 3, { txsPerBlock: 20, seed: `before-${keepTxs}` });
      // Only txs of the lower stale block are final again at the fork point (anti-fee-sniping locktimes).
      const staleTxs = [node.tipHeight() - 1, node.tipHeight()].flatMap((h) => node.block(node.blockHash(h)!)!.block.txs.slice(1).map((t) => t.txid));
      node.reorg(2, { keepTxs, newBlocks: 3 });
      assertConsistent(node, `after node.reorg keepTxs=${keepTxs}`);
      const back = staleTxs.filter((t) => node.findTx(t));
      assert.ok(back.length > 0, 'disconnected txs came back');
      if (keepTxs) for (const t of back) assert.ok(node.findTx(t)!.block, 'kept txs are confirmed on the new branch');
      else assert.ok(back.some((t) => !node.findTx(t)!.block), 'without keepTxs they wait in the mempool');
      node.generateToAddress(1, node.wallet.address('p2wpkh'));
      assertConsistent(node, 'next block mines the returned txs');
      assert.equal(node.mempool().length, 0);
      produceBlocks(node, 1, { txsPerBlock: 20, seed: `keep-${keepTxs}` });
      assertConsistent(node, 'payments after');
    }
  });
});
