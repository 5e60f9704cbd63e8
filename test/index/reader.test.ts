// The reader's answers against a naive model computed from the same real blocks.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openIndex, type AnodeIndex } from '../../src/index/index.js';
import { merkleBranch, merkleRoot, rootFromBranch } from '../../src/chain/merkle.js';
import type { Block } from '../../src/chain/block.js';
import { ChainModel, OP_RETURN, coinbaseTx, extendChain, makeBlock, regtestGenesis, script, serializeTx } from './chain-builder.js';
import { REGTEST, TempDirs, applyRange } from './helpers.js';

const sh = (s: Buffer) => createHash('sha256').update(s).digest();

/** A hand-made block exercising the cases that matter for history order and dedup. */
function specialBlocks(base: readonly Block[]): Block[] {
  const h = base.length;
  const prev = base[h - 1]!;
  // Spend some output that is still unspent at the end of `base`.
  const coins = [...new ChainModel(base).utxos.values()].filter((u) => u.value > 10_000);
  const coin = coins[0]!;
  const A = script(1000);
  const B = script(1001);
  // tx1: pays A twice (one history row), B once, and an OP_RETURN.
  const tx1 = serializeTx([{ txid: coin.txid, vout: coin.vout }], [{ script: A, value: 1000 }, { script: B, value: 2000 }, { script: A, value: 3000 }, { script: OP_RETURN, value: 0 }]);
  const tx1id = makeBlock(prev.header.hash, [coinbaseTx(h, [{ script: A, value: 1 }]), tx1], 0).txs[1]!.txid;
  // tx2 (same block): spends A:0 and pays A again (funds and spends A: one row), and B.
  const tx2 = serializeTx([{ txid: tx1id, vout: 0 }], [{ script: A, value: 500 }, { script: B, value: 400 }], { witness: true });
  // tx3: a big tx (set-based dedup) spending four older outputs, paying A and B five times each.
  const tx3 = serializeTx(coins.slice(1, 5).map((c) => ({ txid: c.txid, vout: c.vout })), Array.from({ length: 10 }, (_, i) => ({ script: i % 2 ? A : B, value: 100 + i })));
  const blk = makeBlock(prev.header.hash, [coinbaseTx(h, [{ script: A, value: 1 }]), tx1, tx2, tx3], 1_800_000_000);
  return [blk];
}

describe('index reader against the chain', () => {
  const dirs = new TempDirs();
  let idx: AnodeIndex;
  let blocks: Block[];
  let model: ChainModel;

  before(async () => {
    const base = extendChain([regtestGenesis()], 50, 7);
    blocks = [...base, ...specialBlocks(base)];
    model = new ChainModel(blocks);
    idx = await openIndex(dirs.make(), { coin: REGTEST });
    // Flush every 4 blocks: spends cross flushed and unflushed windows.
    await applyRange(idx, blocks, 0, blocks.length, { flushEvery: 4 });
  });
  after(async () => {
    await idx.close();
    dirs.cleanup();
  });

  test('state and tip follow the chain', async () => {
    const tip = blocks.length - 1;
    assert.equal(idx.state.height, tip);
    assert.equal(idx.state.txCount, model.txCount);
    assert.deepEqual(await idx.reader.tip(), { height: tip, hash: blocks[tip]!.header.hash });
  });

  test('headers', async () => {
    for (let h = 0; h < blocks.length; h++) assert.deepEqual(await idx.reader.getHeader(h), blocks[h]!.header.raw);
    assert.equal(await idx.reader.getHeader(blocks.length), null);
    const hs = await idx.reader.getHeaders(3, 1000);
    assert.equal(hs.length, blocks.length - 3);
    hs.forEach((raw, i) => assert.deepEqual(raw, blocks[3 + i]!.header.raw));
    assert.deepEqual(await idx.reader.getHeaders(blocks.length, 5), []);
  });

  test('block txids, getTxid and findTx', async () => {
    let txNum = 0;
    for (let h = 0; h < blocks.length; h++) {
      const ids = await idx.reader.getBlockTxids(h);
      assert.deepEqual(ids, blocks[h]!.txs.map((t) => t.txid));
      assert.deepEqual(merkleRoot(ids!), blocks[h]!.header.merkleRoot);
      for (let p = 0; p < ids!.length; p++, txNum++) {
        assert.deepEqual(await idx.reader.getTxid(txNum), ids![p]);
        assert.deepEqual(await idx.reader.findTx(ids![p]!), { txNum, height: h, position: p });
      }
    }
    assert.equal(await idx.reader.getTxid(txNum), null);
    assert.equal(await idx.reader.getBlockTxids(blocks.length), null);
    assert.equal(await idx.reader.findTx(Buffer.alloc(32, 7)), null);
    // A merkle proof from stored txids verifies against the header.
    const ids = (await idx.reader.getBlockTxids(51))!;
    const { branch } = merkleBranch(ids, 2);
    assert.deepEqual(rootFromBranch(ids[2]!, branch, 2), blocks[51]!.header.merkleRoot);
  });

  test('history, utxos and balance of every script match the model', async () => {
    assert.ok(model.history.size > 10);
    for (const [shHex, entries] of model.history) {
      const got = await idx.reader.getHistory(Buffer.from(shHex, 'hex'));
      assert.deepEqual(
        got.map((e) => [e.height, e.txid.toString('hex')]),
        entries.map((e) => [e.height, e.txid.toString('hex')]),
        `history of ${shHex}`,
      );
      for (const e of got) assert.deepEqual(await idx.reader.getTxid(e.txNum), e.txid);
      const utxos = model.utxosOf(shHex);
      const gotU = await idx.reader.getUtxos(Buffer.from(shHex, 'hex'));
      assert.deepEqual(
        gotU.map((u) => [u.txid.toString('hex'), u.vout, u.height, u.value]),
        utxos.map((u) => [u.txid.toString('hex'), u.vout, u.height, u.value]),
        `utxos of ${shHex}`,
      );
      assert.equal(await idx.reader.getBalance(Buffer.from(shHex, 'hex')), utxos.reduce((s, u) => s + u.value, 0));
    }
  });

  test('a tx touching a script twice is listed once; same-block txs in position order', async () => {
    const h = 51;
    const [, tx1, tx2, tx3] = blocks[h]!.txs;
    const histA = (await idx.reader.getHistory(sh(script(1000)))).filter((e) => e.height === h);
    assert.deepEqual(histA.map((e) => e.txid), [blocks[h]!.txs[0]!.txid, tx1!.txid, tx2!.txid, tx3!.txid]);
    const histB = (await idx.reader.getHistory(sh(script(1001)))).filter((e) => e.height === h);
    assert.deepEqual(histB.map((e) => e.txid), [tx1!.txid, tx2!.txid, tx3!.txid]);
    // tx1's first A output was spent by tx2 in the same block; its second A output is unspent.
    const utxoA = (await idx.reader.getUtxos(sh(script(1000)))).filter((u) => u.height === h);
    assert.deepEqual(utxoA.map((u) => [u.txid, u.vout, u.value]), [
      [blocks[h]!.txs[0]!.txid, 0, 1], [tx1!.txid, 2, 3000], [tx2!.txid, 0, 500],
      [tx3!.txid, 1, 101], [tx3!.txid, 3, 103], [tx3!.txid, 5, 105], [tx3!.txid, 7, 107], [tx3!.txid, 9, 109],
    ]);
    assert.deepEqual(await idx.reader.getHistory(sh(OP_RETURN)), []);
    assert.deepEqual(await idx.reader.getUtxos(sh(OP_RETURN)), []);
  });

  test('history limit returns the earliest entries', async () => {
    const [shHex, entries] = [...model.history].sort((a, b) => b[1].length - a[1].length)[0]!;
    assert.ok(entries.length > 3);
    const got = await idx.reader.getHistory(Buffer.from(shHex, 'hex'), { limit: 3 });
    assert.deepEqual(got.map((e) => e.txid), entries.slice(0, 3).map((e) => e.txid));
  });

  test('the genesis coinbase is not indexed', async () => {
    const g = regtestGenesis().txs[0]!;
    assert.deepEqual(await idx.reader.getHistory(sh(g.outputs[0]!.script)), []);
    assert.equal(await idx.reader.getBalance(sh(g.outputs[0]!.script)), 0);
    assert.deepEqual(await idx.reader.findTx(g.txid), { txNum: 0, height: 0, position: 0 });
  });
});
