import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseBlock, type Block } from '../../src/chain/block.js';
import { isCoinbase } from '../../src/chain/tx.js';
import { isUnspendable } from '../../src/chain/scripthash.js';
import { DevnetNode } from '../../src/devnet/node.js';
import { produceBlocks } from '../../src/devnet/scenario.js';
import { buildFastChain } from '../../src/devnet/fastchain.js';
import { OUTPUT_LEN, PREVOUT_LEN, prepareBlock, preparedPrevHash, viewPrepared, type PreparedBlock } from '../../src/index/prepared-block.js';

/** What a prepared block must hold, derived independently through the object parser. */
function expectMatches(p: PreparedBlock, b: Block): void {
  assert.equal(p.txCount, b.txs.length);
  assert.equal(p.size, b.raw.length);
  assert.deepEqual(p.header, b.header.raw);
  assert.deepEqual(p.hash, b.header.hash);
  assert.deepEqual(preparedPrevHash(p), b.header.prevHash);
  let nIn = 0;
  let nOut = 0;
  b.txs.forEach((tx, i) => {
    assert.deepEqual(p.txids.subarray(i * 32, i * 32 + 32), tx.txid, `txid of tx ${i}`);
    assert.equal(p.inStart[i], nIn);
    assert.equal(p.outStart[i], nOut);
    if (!(i === 0 && isCoinbase(tx))) {
      for (const input of tx.inputs) {
        const key = p.prevouts.subarray(nIn * PREVOUT_LEN, (nIn + 1) * PREVOUT_LEN);
        assert.equal(key[0], 0x6f);
        assert.deepEqual(key.subarray(1, 17), input.prevTxid.subarray(0, 16));
        assert.equal(key.readUInt32BE(17), input.prevVout);
        nIn++;
      }
    }
    tx.outputs.forEach((out, vout) => {
      if (isUnspendable(out.script)) return;
      const rec = p.outputs.subarray(nOut * OUTPUT_LEN, (nOut + 1) * OUTPUT_LEN);
      assert.equal(rec.readUInt32BE(0), vout);
      assert.deepEqual(rec.subarray(4, 15), createHash('sha256').update(out.script).digest().subarray(0, 11));
      assert.equal(Number(rec.readBigUInt64BE(15)), out.value);
      nOut++;
    });
  });
  assert.equal(p.inStart[p.txCount], nIn);
  assert.equal(p.outStart[p.txCount], nOut);
  assert.equal(p.inputCount, nIn);
  assert.equal(p.outputCount, nOut);
}

async function richChain(): Promise<Buffer[]> {
  // Signed wallet payments over every script type, OP_RETURNs, then fast-chain blocks with
  // multi-input, multi-output transactions.
  const node = await DevnetNode.create({ seed: 'prepared-block-test' });
  produceBlocks(node, 6, { txsPerBlock: 25, seed: 'prepared' });
  buildFastChain(node, { txCount: 6000, txsPerBlock: 1500, seed: 'prepared' });
  const raws: Buffer[] = [];
  for (let h = 0; h <= node.tipHeight(); h++) raws.push(node.block(node.blockHash(h)!)!.raw);
  return raws;
}

test('prepared blocks hold exactly what the object parser finds, for every block of a devnet chain', async () => {
  const raws = await richChain();
  let segwitTxs = 0;
  for (const raw of raws) {
    const b = parseBlock(raw);
    segwitTxs += b.txs.filter((t) => t.hasWitness).length;
    expectMatches(prepareBlock(raw), b);
  }
  assert.ok(segwitTxs > 100, 'the chain exercises segwit txids');
});

test('malformed blocks are a RangeError, never a wrong answer', () => {
  const good = (() => {
    const node = parseBlock(Buffer.from(
      '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f20020000000101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000',
      'hex',
    ));
    return node.raw;
  })();
  assert.equal(prepareBlock(good).txCount, 1);
  for (let cut = 0; cut < good.length; cut += 7) assert.throws(() => prepareBlock(good.subarray(0, cut)), RangeError, `cut at ${cut}`);
  assert.throws(() => prepareBlock(Buffer.concat([good, Buffer.from([0])])), /trailing/);
  const hugeCount = Buffer.from(good);
  hugeCount[80] = 0xfe; // a 4-byte count follows: far more txs than bytes
  assert.throws(() => prepareBlock(hugeCount), RangeError);
  assert.throws(() => viewPrepared(new ArrayBuffer(10), { txCount: 1, inputCount: 0, outputCount: 1, size: 100 }), RangeError);
});
