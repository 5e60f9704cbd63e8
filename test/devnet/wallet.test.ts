// devnet wallet: deterministic keys, paying to and spending from every output kind with real
// signatures, OP_RETURN outputs, coinbase maturity, balance.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { DevnetNode, OUTPUT_KINDS } from '../../src/devnet/node.js';
import { classify } from '../../src/devnet/chain/scripts.js';
import { deriveKeySet } from '../../src/devnet/wallet/keys.js';

describe('devnet wallet', () => {
  test('keys are deterministic per seed; addresses decode to their scripts', async () => {
    const a = await DevnetNode.create({ seed: 'w1' });
    const b = await DevnetNode.create({ seed: 'w1' });
    const c = await DevnetNode.create({ seed: 'w2' });
    const types: Record<string, string> = {
      p2pkh: 'pubkeyhash', 'p2sh-multisig': 'scripthash', 'p2sh-p2wpkh': 'scripthash', p2wpkh: 'witness_v0_keyhash',
      p2wsh: 'witness_v0_scripthash', p2tr: 'witness_v1_taproot', 'bare-multisig': 'multisig',
    };
    for (const kind of OUTPUT_KINDS) {
      assert.ok(a.wallet.script(kind, 3).equals(b.wallet.script(kind, 3)));
      assert.ok(!a.wallet.script(kind, 3).equals(c.wallet.script(kind, 3)));
      assert.equal(classify(a.wallet.script(kind)), types[kind]);
      if (kind === 'bare-multisig') assert.throws(() => a.wallet.address(kind));
      else assert.ok(bitcoin.address.toOutputScript(a.wallet.address(kind, 2), a.network).equals(a.wallet.script(kind, 2)));
    }
    assert.match(a.wallet.address('p2wpkh'), /^bcrt1q/);
    assert.match(a.wallet.address('p2tr'), /^bcrt1p/);
    assert.match(a.wallet.address('p2pkh'), /^[mn]/);
    assert.match(a.wallet.address('p2sh-multisig'), /^2/);
  });

  test('the taproot key-path key is the BIP341-tweaked internal key', async () => {
    const node = await DevnetNode.create({ seed: 'w-tr' });
    const ks = deriveKeySet('w-tr', 'p2tr', 0, node.network);
    const outputKey = Buffer.from(ecc.pointFromScalar(ks.tweakedPriv!, true)!).subarray(1);
    assert.ok(outputKey.equals(ks.script.subarray(2)));
    assert.ok(ks.script.equals(node.wallet.script('p2tr', 0)));
    // Same result via ecc's x-only tweak of the internal key.
    const tweak = bitcoin.crypto.taggedHash('TapTweak', ks.pubs[0]!.subarray(1));
    assert.ok(Buffer.from(ecc.xOnlyPointAddTweak(ks.pubs[0]!.subarray(1), tweak)!.xOnlyPubkey).equals(outputKey));
  });

  test('fund() makes coinbases of several kinds mature; immature ones are not spendable', async () => {
    const node = await DevnetNode.create({ seed: 'w-fund' });
    assert.equal(node.wallet.balance(), 0);
    node.wallet.fund();
    assert.equal(node.tipHeight(), 101);
    assert.equal(node.wallet.balance(), 2 * 50_00000000, 'blocks 1 and 2 are mature at height 101');
    node.wallet.fund(3);
    assert.equal(node.wallet.balance(), 5 * 50_00000000);
    assert.deepEqual(new Set(node.wallet.coins().map((c) => c.kind)), new Set(['p2wpkh', 'p2pkh', 'p2tr', 'p2sh-p2wpkh', 'p2wsh']));
  });

  test('pays to and spends from every kind, with OP_RETURN outputs, confirmed in blocks', async () => {
    const node = await DevnetNode.create({ seed: 'w-all' });
    node.wallet.fund();
    const to = OUTPUT_KINDS.map((k) => ({ script: node.wallet.script(k, 9), value: 3_000_000 }));
    const funding = node.wallet.pay(to, { opReturn: Buffer.from('devnet all kinds') });
    const [h1] = node.generateToAddress(1, node.wallet.address('p2wpkh'));
    const block1 = node.block(h1!)!;
    assert.equal(block1.txCount, 2);
    const ftx = block1.block.txs[1]!;
    assert.ok(ftx.txid.equals(funding));
    assert.ok(ftx.outputs.some((o) => o.script[0] === 0x6a && o.script.subarray(2).toString() === 'devnet all kinds'));
    assert.equal(bitcoin.Transaction.fromBuffer(ftx.raw).getId(), Buffer.from(funding).reverse().toString('hex'));
    // Spend each kind's output on its own.
    const spends = OUTPUT_KINDS.map((kind, vout) => {
      assert.ok(ftx.outputs[vout]!.script.equals(node.wallet.script(kind, 9)));
      return node.wallet.pay([{ address: node.wallet.address('p2wpkh', 10), value: 2_000_000 }], { coins: [{ txid: funding, vout }], opReturn: Buffer.from(kind) });
    });
    assert.equal(node.mempool().length, OUTPUT_KINDS.length);
    const [h2] = node.generateToAddress(1, node.wallet.address('p2wpkh'));
    const block2 = node.block(h2!)!;
    assert.equal(block2.txCount, 1 + OUTPUT_KINDS.length);
    assert.ok(bitcoin.Block.fromBuffer(block2.raw).checkTxRoots());
    for (const [i, txid] of spends.entries()) {
      const tx = block2.block.txs.find((t) => t.txid.equals(txid))!;
      const kind = OUTPUT_KINDS[i]!;
      const input = tx.inputs[0]!;
      const segwit = kind === 'p2wpkh' || kind === 'p2wsh' || kind === 'p2tr' || kind === 'p2sh-p2wpkh';
      assert.equal(input.witness.length > 0, segwit, kind);
      if (kind === 'p2tr') assert.equal(input.witness[0]!.length, 64);
      if (kind === 'p2wsh') assert.equal(input.witness.length, 4);
      assert.equal(block2.spentOutputs![block2.block.txs.indexOf(tx)]![0]!.value, 3_000_000);
      assert.ok(node.utxo(funding, i) === undefined, 'spent');
    }
  });

  test('unconfirmed chains: change is spent before confirmation', async () => {
    const node = await DevnetNode.create({ seed: 'w-chain' });
    node.wallet.fund(101);
    for (let i = 0; i < 30; i++) node.wallet.pay([{ address: node.wallet.address('p2tr', i % 3), value: 100_000 + i }]);
    const pool = node.mempool();
    assert.equal(pool.length, 30);
    assert.ok(pool.some((e) => e.depends.length > 0), 'some payments spend unconfirmed change');
    assert.ok(pool.every((e) => node.mempoolAncestors(e.txid).length < 25));
    node.generateToAddress(1, node.wallet.address('p2wpkh'));
    assert.equal(node.mempool().length, 0);
  });
});
