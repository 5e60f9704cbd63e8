// devnet model: genesis, mined blocks (coinbase, merkle root, witness commitment, PoW, times),
// events, and chain accessors. Blocks are cross-checked with bitcoinjs-lib.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import { DevnetNode, type DevnetEvent } from '../../src/devnet/node.js';
import { toDisplayHex, sha256d } from '../../src/chain/hash.js';
import { meetsTarget } from '../../src/chain/header.js';
import { findWitnessCommitment } from '../../src/devnet/chain/assemble.js';
import { merkleRoot } from '../../src/chain/merkle.js';

describe('devnet model: chain', () => {
  test('block 0 is the real regtest genesis block', async () => {
    const node = await DevnetNode.create();
    assert.equal(node.tipHeight(), 0);
    assert.equal(toDisplayHex(node.tipHash()), node.coin.genesisHash);
    assert.equal(toDisplayHex(node.tipHash()), '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
    const g = node.block(node.tipHash())!;
    const b = bitcoin.Block.fromBuffer(g.raw);
    assert.equal(b.getId(), node.coin.genesisHash);
    assert.equal(b.timestamp, 1296688602);
    assert.equal(b.bits, 0x207fffff);
    assert.equal(b.nonce, 2);
    assert.equal(b.version, 1);
    assert.equal(g.chainwork, 2n);
    // Like bitcoind, the genesis coinbase is neither indexed nor spendable.
    assert.equal(node.findTx(g.block.txs[0]!.txid), undefined);
    assert.equal(node.utxo(g.block.txs[0]!.txid, 0), undefined);
  });

  test('mined blocks: BIP34 coinbase, commitment, merkle root, PoW, chainwork, MTP', async () => {
    const node = await DevnetNode.create({ seed: 'model-blocks' });
    const address = node.wallet.address('p2wpkh', 0);
    const hashes = node.generateToAddress(20, address);
    assert.equal(hashes.length, 20);
    assert.equal(node.tipHeight(), 20);
    for (let h = 1; h <= 20; h++) {
      const sb = node.block(node.blockHash(h)!)!;
      assert.ok(sb.hash.equals(hashes[h - 1]!));
      assert.equal(sb.height, h);
      const b = bitcoin.Block.fromBuffer(sb.raw);
      assert.ok(b.getHash().equals(sb.hash), 'bitcoinjs reproduces the block hash');
      assert.ok(b.checkTxRoots(), 'merkle root and witness commitment check');
      assert.ok(b.checkProofOfWork());
      assert.ok(meetsTarget(sb.hash, 0x207fffff));
      assert.equal(b.bits, 0x207fffff);
      assert.equal(b.version, 0x20000000);
      assert.ok(b.prevHash!.equals(node.blockHash(h - 1)!));
      assert.ok(b.timestamp > node.medianTimePast(node.blockHash(h - 1)!), 'time above the previous MTP');
      assert.equal(sb.chainwork, BigInt(2 * (h + 1)));
      const cb = b.transactions![0]!;
      const pushed = bitcoin.script.decompile(cb.ins[0]!.script)!;
      if (h > 16) assert.equal(bitcoin.script.number.decode(pushed[0] as Buffer), h);
      else assert.equal(cb.ins[0]!.script[0], 0x50 + h, 'OP_h for heights 1..16');
      assert.equal(cb.ins[0]!.witness.length, 1);
      assert.ok(cb.ins[0]!.witness[0]!.equals(Buffer.alloc(32)), 'witness reserved value');
      assert.equal(cb.outs[0]!.value, 50_00000000);
      assert.ok(cb.outs[0]!.script.equals(node.addressScript(address)));
      assert.ok(findWitnessCommitment(sb.block.txs[0]!.outputs), 'commitment output present');
      assert.equal(node.confirmations(sb.hash), 21 - h);
      // The parsed view agrees with bitcoinjs.
      assert.equal(sb.block.txs[0]!.txid.toString('hex'), cb.getHash().toString('hex'));
      const utxo = node.utxo(sb.block.txs[0]!.txid, 0)!;
      assert.deepEqual({ value: utxo.value, height: utxo.height, coinbase: utxo.coinbase }, { value: 50_00000000, height: h, coinbase: true });
      assert.equal(node.findTx(sb.block.txs[0]!.txid)!.block!.height, h);
    }
  });

  test('halving follows the coin file (150 blocks on regtest)', async () => {
    const node = await DevnetNode.create({ seed: 'halving' });
    node.generateToAddress(151, node.wallet.address('p2tr'));
    const cb = (h: number) => node.block(node.blockHash(h)!)!.block.txs[0]!.outputs[0]!.value;
    assert.equal(cb(149), 50_00000000);
    assert.equal(cb(150), 25_00000000);
  });

  test('generateBlock mines exactly the given txs, with fees to the coinbase', async () => {
    const node = await DevnetNode.create({ seed: 'genblock' });
    node.wallet.fund();
    const raw = node.wallet.createPayment([{ address: node.wallet.address('p2pkh', 3), value: 1_000_000 }]);
    const txid = node.acceptTx(raw);
    const other = node.wallet.pay([{ address: node.wallet.address('p2tr', 3), value: 2_000_000 }]);
    const fee = node.mempoolEntry(txid)!.fee;
    const hash = node.generateBlock(node.wallet.address('p2wpkh'), [raw]);
    const sb = node.block(hash)!;
    assert.equal(sb.txCount, 2);
    assert.ok(sb.block.txs[1]!.txid.equals(txid));
    assert.deepEqual(sb.fees, [0, fee]);
    assert.equal(sb.block.txs[0]!.outputs[0]!.value, 50_00000000 + fee);
    assert.ok(bitcoin.Block.fromBuffer(sb.raw).checkTxRoots());
    assert.equal(node.mempoolEntry(txid), undefined, 'mined tx left the mempool');
    assert.ok(node.mempoolEntry(other), 'the other tx stays');
    // An empty block and a block with an invalid tx (spent input).
    const empty = node.block(node.generateBlock(node.wallet.address('p2wpkh'), []))!;
    assert.equal(empty.txCount, 1);
    assert.throws(() => node.generateBlock(node.wallet.address('p2wpkh'), [raw]), (e: Error & { code?: number }) => e.code === -25 && /bad-txns-inputs-missingorspent/.test(e.message));
  });

  test('events: txAdded, block connects with removals, in order', async () => {
    const node = await DevnetNode.create({ seed: 'events' });
    node.wallet.fund();
    const events: DevnetEvent[] = [];
    const off = node.on((e) => events.push(e));
    const seq0 = node.mempoolSequence();
    const txid = node.wallet.pay([{ address: node.wallet.address('p2wsh', 1), value: 5_000_000 }]);
    const [hash] = node.generateToAddress(1, node.wallet.address('p2wpkh'));
    off();
    node.generateToAddress(1, node.wallet.address('p2wpkh'));
    assert.deepEqual(events.map((e) => e.type), ['txAdded', 'txRemoved', 'blockConnected']);
    const [added, removed, connected] = events as [Extract<DevnetEvent, { type: 'txAdded' }>, Extract<DevnetEvent, { type: 'txRemoved' }>, Extract<DevnetEvent, { type: 'blockConnected' }>];
    assert.ok(added.entry.txid.equals(txid));
    assert.equal(added.mempoolSequence, seq0);
    assert.equal(removed.reason, 'block');
    assert.equal(removed.mempoolSequence, seq0 + 1);
    assert.ok(connected.block.hash.equals(hash!));
    assert.equal(node.mempoolSequence(), seq0 + 2);
  });

  test('merkle roots of multi-tx blocks match a recomputation from bitcoinjs txids', async () => {
    const node = await DevnetNode.create({ seed: 'merkle' });
    node.wallet.fund(105);
    for (let i = 0; i < 9; i++) node.wallet.pay([{ address: node.wallet.address('p2wpkh', 7), value: 100_000 + i }]);
    const [hash] = node.generateToAddress(1, node.wallet.address('p2wpkh'));
    const b = bitcoin.Block.fromBuffer(node.block(hash!)!.raw);
    assert.equal(b.transactions!.length, 10);
    const root = merkleRoot(b.transactions!.map((t) => t.getHash()));
    assert.ok(root.equals(b.merkleRoot!));
    for (const t of b.transactions!.slice(1)) assert.equal(node.findTx(t.getHash())!.raw.toString('hex'), t.toHex());
    assert.ok(sha256d(node.block(hash!)!.raw.subarray(0, 80)).equals(hash!));
  });
});
