// devnet scenarios: blocks of realistic payments, and reorgs with double spends.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import { DevnetNode } from '../../src/devnet/node.js';
import { produceBlocks, reorg } from '../../src/devnet/scenario.js';
import { classify } from '../../src/devnet/chain/scripts.js';
import { isCoinbase } from '../../src/chain/tx.js';

describe('devnet scenarios', () => {
  test('produceBlocks: signed payments across all output types, spends of each, chains', async () => {
    const node = await DevnetNode.create({ seed: 'scenario-produce' });
    const start = node.tipHeight();
    const { blocks, txids } = produceBlocks(node, 12, { txsPerBlock: 15 });
    assert.equal(blocks.length, 12);
    assert.ok(txids.length >= 12 * 12, `most payments succeed (${txids.length})`);
    assert.equal(node.mempool().length, 0);
    const paidTypes = new Set<string>();
    const spentTypes = new Set<string>();
    let sameBlockChains = 0;
    for (let h = start + 1; h <= node.tipHeight(); h++) {
      const sb = node.block(node.blockHash(h)!)!;
      assert.ok(bitcoin.Block.fromBuffer(sb.raw).checkTxRoots());
      const inBlock = new Set(sb.block.txs.map((t) => t.txid.toString('hex')));
      sb.block.txs.forEach((tx, i) => {
        for (const o of tx.outputs) paidTypes.add(classify(o.script));
        if (isCoinbase(tx)) return;
        for (const p of sb.spentOutputs![i]!) spentTypes.add(classify(p.script));
        if (tx.inputs.some((inp) => inBlock.has(inp.prevTxid.toString('hex')))) sameBlockChains++;
      });
    }
    const all = ['pubkeyhash', 'scripthash', 'witness_v0_keyhash', 'witness_v0_scripthash', 'witness_v1_taproot', 'multisig'];
    for (const t of [...all, 'nulldata']) assert.ok(paidTypes.has(t), `paid to ${t}`);
    for (const t of all) assert.ok(spentTypes.has(t), `spent from ${t}`);
    assert.ok(sameBlockChains > 0, 'unconfirmed chains were mined together');
  });

  test('reorg: the new branch wins, a double spend replaces a confirmed tx', async () => {
    const node = await DevnetNode.create({ seed: 'scenario-reorg' });
    produceBlocks(node, 4, { txsPerBlock: 8 });
    const height = node.tipHeight();
    const r = reorg(node, 2, { doubleSpends: 2 });
    assert.equal(node.tipHeight(), height + 1);
    assert.equal(r.newBlocks.length, 3);
    assert.ok(r.replaced.length >= 1);
    for (const h of r.staleBlocks) {
      assert.equal(node.confirmations(h), -1);
      assert.equal(node.blockStatus(h), 'valid-fork');
    }
    for (const t of r.replaced) assert.equal(node.findTx(t), undefined, 'replaced tx vanished');
    for (const t of r.doubleSpends) assert.ok(node.findTx(t)!.block, 'double spend confirmed on the new branch');
    assert.equal(node.mempool().length, 0);
    // Chain keeps working after the reorg.
    produceBlocks(node, 1, { txsPerBlock: 5 });
    assert.equal(node.tipHeight(), height + 2);
  });
});
