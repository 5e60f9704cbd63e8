// devnet model: mempool acceptance with bitcoind's codes and messages, mempool entries, and
// mining in dependency order.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import { DevnetNode, DevnetRejectError, OUTPUT_KINDS, type DevnetEvent, type OutputKind } from '../../src/devnet/node.js';

function rejects(fn: () => unknown, code: number, message: RegExp | string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DevnetRejectError, `expected DevnetRejectError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

/** A node whose wallet holds mature coins of every output kind. */
async function fundedNode(seed: string): Promise<DevnetNode> {
  const node = await DevnetNode.create({ seed });
  node.wallet.fund();
  const to = OUTPUT_KINDS.map((k) => ({ script: node.wallet.script(k, 1), value: 20_000_000 }));
  node.wallet.pay([...to, ...to]);
  node.generateToAddress(1, node.wallet.address('p2wpkh'));
  return node;
}

function mutate(raw: Buffer, f: (tx: bitcoin.Transaction) => void): Buffer {
  const tx = bitcoin.Transaction.fromBuffer(raw);
  f(tx);
  return tx.toBuffer();
}

describe('devnet model: acceptTx', () => {
  test('decode failures are -22', async () => {
    const node = await DevnetNode.create();
    rejects(() => node.acceptTx(Buffer.from('00', 'hex')), -22, 'TX decode failed. Make sure the tx has at least one input.');
    rejects(() => node.acceptTx(Buffer.from('0200000000000000000000', 'hex')), -22, /TX decode failed/);
  });

  test('missing inputs -25, in < out, dust, min relay fee, immature coinbase -26', async () => {
    const node = await fundedNode('accept-errors');
    const raw = node.wallet.createPayment([{ address: node.wallet.address('p2wpkh', 3), value: 1_000_000 }], { from: ['p2wpkh'] });
    const missing = mutate(raw, (tx) => { tx.ins[0]!.hash = Buffer.alloc(32, 7); });
    rejects(() => node.acceptTx(missing), -25, 'bad-txns-inputs-missingorspent');
    const tooMuch = mutate(raw, (tx) => { tx.outs[0]!.value = 60_00000000; });
    rejects(() => node.acceptTx(tooMuch), -26, /^bad-txns-in-belowout, value in \(\d+\.\d+\) < value out \(\d+\.\d+\)$/);
    // Core 29+: one dust output is allowed only in a 0-fee tx (ephemeral dust); two never.
    rejects(() => node.wallet.pay([{ address: node.wallet.address('p2pkh', 3), value: 100 }]), -26, 'dust, tx with dust output must be 0-fee');
    const twoDust = [{ address: node.wallet.address('p2pkh', 3), value: 100 }, { address: node.wallet.address('p2wpkh', 3), value: 100 }];
    rejects(() => node.wallet.pay(twoDust), -26, 'dust');
    // Core 30+: the relay minimum is 0.1 sat/vB, the fee for a vsize rounded up.
    node.wallet.pay([{ address: node.wallet.address('p2pkh', 3), value: 100_000 }], { feeRate: 0.2 });
    rejects(() => node.wallet.pay([{ address: node.wallet.address('p2pkh', 3), value: 100_000 }], { feeRate: 0.05 }), -26, /^min relay fee not met, \d+ < \d+$/);
    const tip = node.block(node.tipHash())!;
    const young = { txid: tip.block.txs[0]!.txid, vout: 0 };
    rejects(() => node.wallet.pay([{ address: node.wallet.address('p2pkh', 3), value: 100_000 }], { coins: [young] }), -26, 'bad-txns-premature-spend-of-coinbase, tried to spend coinbase at depth 1');
    assert.equal(node.mempool().length, 1);
  });

  test('already in mempool returns the txid; already in chain is -27', async () => {
    const node = await fundedNode('accept-known');
    const raw = node.wallet.createPayment([{ address: node.wallet.address('p2tr', 3), value: 1_000_000 }]);
    const events: DevnetEvent[] = [];
    node.on((e) => events.push(e));
    const txid = node.acceptTx(raw);
    assert.ok(node.acceptTx(raw).equals(txid));
    assert.equal(events.length, 1, 'no second txAdded');
    node.generateToAddress(1, node.wallet.address('p2wpkh'));
    rejects(() => node.acceptTx(raw), -27, 'Transaction outputs already in utxo set');
  });

  test('double spends: full RBF replacement rules, and txn-mempool-conflict without full RBF', async () => {
    const node = await fundedNode('accept-rbf');
    const coin = node.wallet.coins({ from: ['p2wpkh'], confirmedOnly: true })[0]!;
    const first = node.wallet.pay([{ address: node.wallet.address('p2wpkh', 4), value: 1_000_000 }], { coins: [coin], feeRate: 5 });
    rejects(() => node.wallet.pay([{ address: node.wallet.address('p2wpkh', 5), value: 1_000_000 }], { coins: [coin], feeRate: 5 }), -26,
      /^insufficient fee, rejecting replacement [0-9a-f]{64}, not enough additional fees to relay; 0\.00 < 0\.000000\d\d$/);
    rejects(() => node.wallet.pay([{ address: node.wallet.address('p2wpkh', 5), value: 1_000_000 }], { coins: [coin], feeRate: 4 }), -26,
      /^insufficient fee, rejecting replacement [0-9a-f]{64}, less fees than conflicting txs; 0\.0000\d+ < 0\.0000\d+$/);
    const events: DevnetEvent[] = [];
    node.on((e) => events.push(e));
    const second = node.wallet.pay([{ address: node.wallet.address('p2wpkh', 5), value: 1_000_000 }], { coins: [coin], feeRate: 20 });
    assert.equal(node.mempoolEntry(first), undefined);
    assert.ok(node.mempoolEntry(second));
    assert.deepEqual(events.map((e) => e.type === 'txRemoved' ? `R:${e.reason}` : e.type), ['R:replaced', 'txAdded']);

    const strict = await DevnetNode.create({ seed: 'accept-rbf', fullRbf: false });
    strict.wallet.fund();
    const c2 = strict.wallet.coins({ confirmedOnly: true })[0]!;
    strict.wallet.pay([{ address: strict.wallet.address('p2wpkh', 4), value: 1_000_000 }], { coins: [c2], sequence: 0xffffffff });
    rejects(() => strict.wallet.pay([{ address: strict.wallet.address('p2wpkh', 5), value: 1_000_000 }], { coins: [c2], feeRate: 30 }), -26, 'txn-mempool-conflict');
  });

  test('a bad signature is rejected for every kind of input', async () => {
    const node = await fundedNode('accept-sigs');
    const expected: Record<OutputKind, RegExp> = {
      p2pkh: /Signature must be zero/, 'p2sh-multisig': /Signature must be zero|Script evaluated without error/,
      'p2sh-p2wpkh': /Signature must be zero/, p2wpkh: /Signature must be zero/, p2wsh: /Signature must be zero|Script evaluated without error/,
      p2tr: /Invalid Schnorr signature/, 'bare-multisig': /Signature must be zero|Script evaluated without error/,
    };
    for (const kind of OUTPUT_KINDS) {
      const raw = node.wallet.createPayment([{ address: node.wallet.address('p2wpkh', 6), value: 1_000_000 }], { from: [kind], confirmedOnly: true });
      const tampered = mutate(raw, (tx) => { tx.outs[0]!.value -= 1; });
      assert.throws(() => node.acceptTx(tampered), (e: unknown) => {
        assert.ok(e instanceof DevnetRejectError);
        assert.equal(e.code, -26);
        assert.match(e.message, /^mandatory-script-verify-flag-failed \(/, kind);
        assert.match(e.message, expected[kind], kind);
        return true;
      });
      // The untouched payment is fine.
      node.acceptTx(raw);
    }
    assert.equal(node.mempool().length, OUTPUT_KINDS.length);
  });

  test('mempool entries: fee, sizes, depends/spentby; mined parents first', async () => {
    const node = await fundedNode('accept-chain');
    const coin = node.wallet.coins({ from: ['p2wpkh'], confirmedOnly: true })[0]!;
    const a = node.wallet.pay([{ address: node.wallet.address('p2wpkh', 8), value: 5_000_000 }], { coins: [coin] });
    const ea = node.mempoolEntry(a)!;
    const aOut = ea.tx.outputs.findIndex((o) => o.value === 5_000_000);
    const b = node.wallet.pay([{ address: node.wallet.address('p2tr', 8), value: 4_000_000 }], { coins: [{ txid: a, vout: aOut }] });
    const eb = node.mempoolEntry(b)!;
    const bOut = eb.tx.outputs.findIndex((o) => o.value === 4_000_000);
    const c = node.wallet.pay([{ address: node.wallet.address('p2pkh', 8), value: 3_000_000 }], { coins: [{ txid: b, vout: bOut }] });
    const ec = node.mempoolEntry(c)!;
    assert.deepEqual(ea.depends, []);
    assert.deepEqual(ea.spentby.map((t) => t.toString('hex')), [b.toString('hex')]);
    assert.deepEqual(eb.depends.map((t) => t.toString('hex')), [a.toString('hex')]);
    assert.deepEqual(ec.depends.map((t) => t.toString('hex')), [b.toString('hex')]);
    const btx = bitcoin.Transaction.fromBuffer(eb.raw);
    assert.equal(eb.vsize, btx.virtualSize());
    assert.equal(eb.weight, btx.weight());
    assert.equal(eb.fee, 5_000_000 - btx.outs.reduce((s, o) => s + o.value, 0));
    assert.ok(eb.fee >= eb.vsize * 2, 'default 2 sat/vB');
    assert.ok(ea.sequence < eb.sequence && eb.sequence < ec.sequence);
    assert.equal(node.mempoolAncestors(c).length, 2);
    assert.equal(node.mempoolDescendants(a).length, 2);
    const [hash] = node.generateToAddress(1, node.wallet.address('p2wpkh'));
    const ids = node.block(hash!)!.block.txs.map((t) => t.txid.toString('hex'));
    assert.deepEqual(ids.slice(1), [a, b, c].map((t) => t.toString('hex')));
    assert.equal(node.mempool().length, 0);
  });
});
