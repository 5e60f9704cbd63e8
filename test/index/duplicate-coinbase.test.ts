// BIP30's exceptions: a coinbase repeating an earlier coinbase's txid (Bitcoin mainnet 91842 and
// 91880) replaces that coinbase's unspent outputs, as in bitcoind's UTXO set. Built here with
// real serialized blocks: block 4's coinbase is byte for byte block 1's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { findCoin } from '../../src/config/coins.js';
import { indexDigest, openIndex } from '../../src/index/index.js';
import { prepareBlock } from '../../src/index/prepared-block.js';
import type { Block } from '../../src/chain/block.js';
import { coinbaseTx, makeBlock, regtestGenesis, script } from './chain-builder.js';
import { REGTEST, TempDirs } from './helpers.js';

const dirs = new TempDirs();
after(() => dirs.cleanup());

const S = script(3);
const SH = createHash('sha256').update(S).digest();
const DUP_HEIGHT = 4;
const coin = { ...REGTEST, duplicateCoinbaseHeights: [DUP_HEIGHT] };

function chain(): Block[] {
  const blocks = [regtestGenesis()];
  const repeated = coinbaseTx(1, [{ script: S, value: 50_0000_0000 }], 7);
  for (let h = 1; h <= 5; h++) {
    const cb = h === 1 || h === DUP_HEIGHT ? repeated : coinbaseTx(h, [{ script: script(10 + h), value: 50_0000_0000 }], 7);
    blocks.push(makeBlock(blocks[h - 1]!.header.hash, [cb], 1_700_000_000 + h));
  }
  return blocks;
}

type Mode = 'old output flushed' | 'same window' | 'old output being written';

async function run(mode: Mode): Promise<void> {
  const blocks = chain();
  assert.deepEqual(blocks[1]!.txs[0]!.txid, blocks[DUP_HEIGHT]!.txs[0]!.txid, 'the two coinbases share a txid');
  const idx = await openIndex(dirs.make(), { coin });
  const w = idx.writer!;
  for (let h = 0; h < DUP_HEIGHT; h++) await w.applyBlock(prepareBlock(blocks[h]!.raw), h, true);
  const before = mode === 'same window' ? null : await (async () => {
    const f = w.flush();
    if (mode === 'old output flushed') await f;
    await w.applyBlock(prepareBlock(blocks[DUP_HEIGHT]!.raw), DUP_HEIGHT, true);
    await f;
    return true;
  })();
  if (before === null) await w.applyBlock(prepareBlock(blocks[DUP_HEIGHT]!.raw), DUP_HEIGHT, true);
  await w.applyBlock(prepareBlock(blocks[5]!.raw), 5, true);
  await w.flush();

  const utxos = await idx.reader.getUtxos(SH);
  assert.deepEqual(utxos.map((u) => u.height), [DUP_HEIGHT], `${mode}: only the newer coinbase output is unspent`);
  assert.equal(await idx.reader.getBalance(SH), 50_0000_0000);
  assert.deepEqual((await idx.reader.getHistory(SH)).map((e) => e.height), [1, DUP_HEIGHT], 'both coinbases stay in the history');

  // Undo puts the older output back: the same index as one that never saw block 4.
  await w.undoBlock();
  await w.undoBlock();
  assert.deepEqual((await idx.reader.getUtxos(SH)).map((u) => u.height), [1]);
  const undone = await indexDigest(idx);
  await idx.close();
  const ref = await openIndex(dirs.make(), { coin });
  for (let h = 0; h < DUP_HEIGHT; h++) await ref.writer!.applyBlock(prepareBlock(blocks[h]!.raw), h, true);
  await ref.writer!.flush();
  assert.equal(undone, await indexDigest(ref), `${mode}: undo restores the index before the duplicate`);
  await ref.close();
}

for (const mode of ['old output flushed', 'same window', 'old output being written'] as const) {
  test(`a repeated coinbase txid replaces the older outputs (${mode}), and undo restores them`, () => run(mode));
}

test('only Bitcoin mainnet lists duplicate coinbase heights, and they are the two BIP30 exceptions', () => {
  assert.deepEqual(findCoin('Bitcoin', 'mainnet').duplicateCoinbaseHeights, [91842, 91880]);
  assert.deepEqual(findCoin('Bitcoin', 'testnet').duplicateCoinbaseHeights, []);
  assert.deepEqual(REGTEST.duplicateCoinbaseHeights, []);
});
