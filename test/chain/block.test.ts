import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import { parseBlock } from '../../src/chain/block.js';
import { parseTx, isCoinbase, txVsize, txWeight } from '../../src/chain/tx.js';
import { parseHeader, meetsTarget, bitsToTarget, blockWork } from '../../src/chain/header.js';
import { toDisplayHex, fromDisplayHex, sha256d } from '../../src/chain/hash.js';
import { ByteWriter, ByteReader } from '../../src/chain/bytes.js';
import { GENESIS_COINBASE_HEX, GENESIS_HASH, GENESIS_HEADER_HEX, GENESIS_TXID } from './vectors.js';

test('the mainnet genesis block parses to its known hashes', () => {
  const raw = Buffer.concat([Buffer.from(GENESIS_HEADER_HEX, 'hex'), Buffer.from([1]), Buffer.from(GENESIS_COINBASE_HEX, 'hex')]);
  const block = parseBlock(raw);
  assert.equal(toDisplayHex(block.header.hash), GENESIS_HASH);
  assert.equal(block.txs.length, 1);
  assert.equal(toDisplayHex(block.txs[0]!.txid), GENESIS_TXID);
  assert.ok(isCoinbase(block.txs[0]!));
  assert.equal(block.txs[0]!.outputs[0]!.value, 50e8);
  assert.ok(meetsTarget(block.header.hash, block.header.bits));
  assert.equal(block.header.time, 1231006505);
  assert.equal(blockWork(0x1d00ffff), 0x100010001n);
});

function segwitTx(): bitcoin.Transaction {
  const tx = new bitcoin.Transaction();
  tx.version = 2;
  tx.addInput(Buffer.alloc(32, 7), 3, 0xfffffffd, Buffer.alloc(0));
  tx.addInput(Buffer.alloc(32, 9), 0, 0xffffffff, Buffer.from('51', 'hex'));
  tx.addOutput(Buffer.from('0014' + '11'.repeat(20), 'hex'), 12_345);
  tx.addOutput(Buffer.from('6a0568656c6c6f', 'hex'), 0);
  tx.addOutput(Buffer.from('76a914' + '22'.repeat(20) + '88ac', 'hex'), 2_099_999_997_690_000);
  tx.setWitness(0, [Buffer.alloc(71, 1), Buffer.alloc(33, 2)]);
  tx.setWitness(1, []);
  tx.locktime = 800_000;
  return tx;
}

test('segwit and legacy transactions match bitcoinjs-lib byte for byte', () => {
  const sw = segwitTx();
  const parsed = parseTx(sw.toBuffer());
  assert.equal(toDisplayHex(parsed.txid), sw.getId());
  assert.ok(parsed.hasWitness);
  assert.equal(parsed.inputs[0]!.witness.length, 2);
  assert.equal(parsed.inputs[1]!.witness.length, 0);
  assert.equal(parsed.outputs[2]!.value, 2_099_999_997_690_000);
  assert.equal(parsed.locktime, 800_000);
  assert.equal(txWeight(parsed), sw.weight());
  assert.equal(txVsize(parsed), sw.virtualSize());

  const legacy = bitcoin.Transaction.fromBuffer(sw.toBuffer());
  legacy.setWitness(0, []);
  legacy.setWitness(1, []);
  const p2 = parseTx(legacy.toBuffer());
  assert.equal(p2.hasWitness, false);
  assert.equal(toDisplayHex(p2.txid), sw.getId(), 'txid does not depend on the witness');
});

test('a block with several transactions round-trips through bitcoinjs-lib', () => {
  const coinbase = bitcoin.Transaction.fromHex(GENESIS_COINBASE_HEX);
  const block = new bitcoin.Block();
  block.version = 0x20000000;
  block.prevHash = Buffer.alloc(32, 5);
  block.timestamp = 1_700_000_000;
  block.bits = 0x207fffff;
  block.nonce = 0;
  block.transactions = [coinbase, segwitTx()];
  block.merkleRoot = bitcoin.Block.calculateMerkleRoot(block.transactions);
  const raw = block.toBuffer();
  const parsed = parseBlock(raw);
  assert.equal(toDisplayHex(parsed.header.hash), block.getId());
  assert.deepEqual(parsed.txs.map((t) => toDisplayHex(t.txid)), block.transactions.map((t) => t.getId()));
  assert.deepEqual(parsed.txs[1]!.raw, block.transactions[1]!.toBuffer());
  assert.equal(parsed.size, raw.length);
});

test('truncated or padded data is rejected, never misread', () => {
  const raw = segwitTx().toBuffer();
  assert.throws(() => parseTx(raw.subarray(0, raw.length - 1)), RangeError);
  assert.throws(() => parseTx(Buffer.concat([raw, Buffer.from([0])])), /trailing bytes/);
  assert.throws(() => parseBlock(Buffer.from(GENESIS_HEADER_HEX, 'hex')), RangeError);
});

test('header fields, targets and hex helpers', () => {
  const h = parseHeader(Buffer.from(GENESIS_HEADER_HEX, 'hex'));
  assert.equal(h.version, 1);
  assert.equal(toDisplayHex(h.merkleRoot), GENESIS_TXID);
  assert.equal(bitsToTarget(0x1d00ffff), 0xffffn << 208n);
  assert.equal(bitsToTarget(0x207fffff), 0x7fffffn << 232n);
  assert.deepEqual(fromDisplayHex(GENESIS_HASH), h.hash);
  assert.throws(() => fromDisplayHex('zz'), /not a 32-byte hex hash/);
  assert.deepEqual(sha256d(h.raw), h.hash);
});

test('varints round-trip at every size boundary', () => {
  const values = [0, 0xfc, 0xfd, 0xffff, 0x10000, 0xffffffff, 0x100000000, 2 ** 53 - 1];
  const w = new ByteWriter(4);
  for (const v of values) w.varint(v);
  const r = new ByteReader(w.toBuffer());
  for (const v of values) assert.equal(r.varint(), v);
  assert.equal(r.remaining, 0);
});
