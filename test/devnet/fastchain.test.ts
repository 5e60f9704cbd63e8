// Fast chain: structurally valid blocks (hashes, merkle roots, witness commitments, PoW) that
// spend real earlier outputs with a realistic script mix and a heavy tail of reused scripts.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import { DevnetNode } from '../../src/devnet/node.js';
import { buildFastChain, type FastChainResult } from '../../src/devnet/fastchain.js';
import { classify } from '../../src/devnet/chain/scripts.js';
import { isCoinbase } from '../../src/chain/tx.js';
import { isUnspendable } from '../../src/chain/scripthash.js';

describe('devnet fast chain', () => {
  let node: DevnetNode;
  let result: FastChainResult;
  before(async () => {
    node = await DevnetNode.create({ seed: 'fast-test' });
    result = buildFastChain(node, { txCount: 20_000, txsPerBlock: 500, seed: 'fast-test' });
  });

  test('the chain has the requested transactions, all blocks verify with bitcoinjs', () => {
    assert.equal(result.txs, 20_000);
    let total = 0;
    for (let h = 1; h <= node.tipHeight(); h++) {
      const sb = node.block(node.blockHash(h)!)!;
      assert.equal(sb.height, h);
      assert.ok(sb.fast);
      const b = bitcoin.Block.fromBuffer(sb.raw);
      assert.ok(b.getHash().equals(sb.hash), `hash of block ${h}`);
      assert.ok(b.checkTxRoots(), `merkle root and witness commitment of block ${h}`);
      assert.ok(b.checkProofOfWork());
      assert.ok(b.prevHash!.equals(node.blockHash(h - 1)!));
      assert.ok(b.timestamp > node.medianTimePast(node.blockHash(h - 1)!));
      assert.ok(b.weight() <= 4_000_000);
      assert.equal(sb.txCount, b.transactions!.length);
      assert.equal(sb.fees.length, sb.txCount);
      // txids from our parser equal bitcoinjs ones
      const parsed = sb.block.txs;
      b.transactions!.forEach((t, i) => assert.ok(t.getHash().equals(parsed[i]!.txid)));
      total += sb.txCount;
    }
    assert.equal(total, 20_000);
  });

  test('every input spends an existing earlier output once; coinbases only when mature; values balance', () => {
    const outputs = new Map<string, { value: number; height: number; coinbase: boolean }>();
    let inputs = 0;
    for (let h = 1; h <= node.tipHeight(); h++) {
      const sb = node.block(node.blockHash(h)!)!;
      sb.block.txs.forEach((tx, i) => {
        if (!isCoinbase(tx)) {
          let valueIn = 0;
          for (const input of tx.inputs) {
            const key = `${input.prevTxid.toString('hex')}:${input.prevVout}`;
            const prev = outputs.get(key);
            assert.ok(prev, `input ${key} spends a known unspent output`);
            if (prev.coinbase) assert.ok(h - prev.height >= 100, 'coinbase maturity');
            outputs.delete(key);
            valueIn += prev.value;
            inputs++;
          }
          const valueOut = tx.outputs.reduce((s, o) => s + o.value, 0);
          assert.equal(valueIn - valueOut, sb.fees[i]);
          assert.ok(valueOut <= valueIn);
        }
        tx.outputs.forEach((o, vout) => {
          if (!isUnspendable(o.script)) outputs.set(`${tx.txid.toString('hex')}:${vout}`, { value: o.value, height: h, coinbase: isCoinbase(tx) });
        });
      });
    }
    assert.ok(inputs > 20_000, `multi-input txs exist (${inputs} inputs)`);
  });

  test('realistic script mix with a heavy tail', () => {
    const types = new Map<string, number>();
    const perScript = new Map<string, number>();
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    let segwitSpends = 0;
    let legacySpends = 0;
    for (let h = 1; h <= node.tipHeight(); h++) {
      for (const tx of node.block(node.blockHash(h)!)!.block.txs) {
        for (const o of tx.outputs) {
          bump(types, classify(o.script));
          bump(perScript, o.script.toString('hex'));
        }
        if (!isCoinbase(tx)) for (const i of tx.inputs) (i.witness.length ? segwitSpends++ : legacySpends++);
      }
    }
    for (const t of ['witness_v0_keyhash', 'pubkeyhash', 'scripthash', 'witness_v1_taproot', 'witness_v0_scripthash', 'nulldata']) {
      assert.ok((types.get(t) ?? 0) > 100, `${t}: ${types.get(t)}`);
    }
    assert.ok(types.get('witness_v0_keyhash')! > types.get('pubkeyhash')!, 'p2wpkh-heavy');
    assert.ok(segwitSpends > 0 && legacySpends > 0);
    const counts = [...perScript.entries()].filter(([s]) => !s.startsWith('6a24aa21a9ed')).sort((a, b) => b[1] - a[1]);
    const heavy = result.heavyScripts.map((s) => s.toString('hex'));
    assert.equal(heavy.length, 3);
    const top = counts.slice(0, 3).map(([s]) => s);
    assert.deepEqual(new Set(top), new Set(heavy), 'the heavy scripts are the most used');
    const totalOutputs = counts.reduce((s, [, n]) => s + n, 0);
    for (const s of heavy) assert.ok(perScript.get(s)! > totalOutputs * 0.015, 'each heavy script takes a large share');
    const reused = counts.filter(([, n]) => n > 1).length;
    assert.ok(reused > 100 && reused < counts.length / 2, `address reuse in the middle (${reused} of ${counts.length})`);
  });

  test('findTx finds fast-chain txs lazily; normal mining continues on top', () => {
    const h = Math.floor(node.tipHeight() / 2) + 60;
    const sb = node.block(node.blockHash(h)!)!;
    const tx = sb.block.txs[7]!;
    const found = node.findTx(tx.txid)!;
    assert.equal(found.block!.height, h);
    assert.equal(found.position, 7);
    assert.ok(found.raw.equals(tx.raw));
    assert.equal(node.findTx(Buffer.alloc(32, 1)), undefined);
    const tip = node.tipHeight();
    node.wallet.fund();
    node.wallet.pay([{ address: node.wallet.address('p2tr', 1), value: 1_000_000 }]);
    node.generateToAddress(1, node.wallet.address('p2wpkh'));
    assert.equal(node.tipHeight(), tip + 102);
    assert.equal(node.mempool().length, 0);
    assert.ok(node.findTx(tx.txid));
  });
});
