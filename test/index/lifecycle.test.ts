// Undo/reorg, reopen, crash-consistency of flushes, mismatch refusal and writer error handling.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openIndex, indexDigest, dumpIndex, IndexMismatchError, NoUndoError } from '../../src/index/index.js';
import { findCoin } from '../../src/config/coins.js';
import type { Block } from '../../src/chain/block.js';
import { extendChain, regtestGenesis, serializeTx, coinbaseTx, makeBlock, script } from './chain-builder.js';
import { REGTEST, TempDirs, applyRange, cleanIndex } from './helpers.js';
import { prepareBlock } from '../../src/index/prepared-block.js';

describe('index lifecycle', () => {
  const dirs = new TempDirs();
  let chainA: Block[];
  before(() => {
    chainA = extendChain([regtestGenesis()], 40, 11);
  });
  after(() => dirs.cleanup());

  test('apply N, undo k, apply another branch == clean apply of that branch', async () => {
    const k = 6;
    const branch = extendChain(chainA.slice(0, chainA.length - k), k + 3, 99);
    const idx = await openIndex(dirs.make(), { coin: REGTEST });
    // The last blocks stay unflushed until undoBlock flushes them.
    await applyRange(idx, chainA, 0, 35, { flushEvery: 5 });
    for (let h = 35; h < chainA.length; h++) await idx.writer!.applyBlock(prepareBlock(chainA[h]!.raw), h, true);
    for (let i = 0; i < k; i++) await idx.writer!.undoBlock();
    assert.equal(idx.state.height, chainA.length - 1 - k);
    assert.deepEqual(idx.state.tipHash, chainA[chainA.length - 1 - k]!.header.hash);
    // After the undos the index equals a clean index of the common prefix.
    const prefix = await cleanIndex(dirs, chainA.slice(0, chainA.length - k));
    assert.equal(await indexDigest(idx), await indexDigest(prefix));
    await prefix.close();
    await applyRange(idx, branch, chainA.length - k, branch.length, { flushEvery: 2 });
    const clean = await cleanIndex(dirs, branch);
    const [a, b] = [await dumpIndex(idx), await dumpIndex(clean)];
    assert.deepEqual(a, b);
    assert.equal(await indexDigest(idx), await indexDigest(clean));
    // And it differs from the abandoned chain's index.
    const old = await cleanIndex(dirs, chainA);
    assert.notEqual(await indexDigest(idx), await indexDigest(old));
    await Promise.all([idx.close(), clean.close(), old.close()]);
  });

  test('blocks applied while a flush is in flight (spending its outputs) == clean apply', async () => {
    const chain = extendChain([regtestGenesis()], 60, 21, { maxTxs: 12 });
    const idx = await openIndex(dirs.make(), { coin: REGTEST });
    const w = idx.writer!;
    let inflight: Promise<void> = Promise.resolve();
    let flushes = 0;
    for (let h = 0; h < chain.length; h++) {
      await w.applyBlock(prepareBlock(chain[h]!.raw), h, h > 40);
      if (h % 3 === 2) {
        inflight = w.flush(); // not awaited: the next blocks are applied while it writes
        flushes++;
      }
      if (h === 45) {
        await inflight;
        await w.undoBlock(); // waits for the in-flight write, flushes, undoes
        await w.applyBlock(prepareBlock(chain[h]!.raw), h, true);
      }
    }
    await inflight;
    await w.flush();
    assert.ok(flushes > 10);
    assert.equal(idx.state.height, chain.length - 1);
    const clean = await cleanIndex(dirs, chain);
    assert.equal(await indexDigest(idx), await indexDigest(clean));
    await Promise.all([idx.close(), clean.close()]);
  });

  test('undo all the way to empty, then resync', async () => {
    const chain = chainA.slice(0, 8);
    const idx = await openIndex(dirs.make(), { coin: REGTEST });
    await applyRange(idx, chain, 0, chain.length);
    for (let i = 0; i < chain.length; i++) await idx.writer!.undoBlock();
    assert.equal(idx.state.height, -1);
    assert.equal(await idx.reader.tip(), null);
    await assert.rejects(idx.writer!.undoBlock(), NoUndoError);
    await applyRange(idx, chain, 0, chain.length);
    const clean = await cleanIndex(dirs, chain);
    assert.equal(await indexDigest(idx), await indexDigest(clean));
    await Promise.all([idx.close(), clean.close()]);
  });

  test('undo without undo data is refused and leaves the index usable', async () => {
    const idx = await openIndex(dirs.make(), { coin: REGTEST });
    await applyRange(idx, chainA, 0, 5, { keepUndo: false });
    await assert.rejects(idx.writer!.undoBlock(), /no undo data stored for height 4/);
    assert.equal(await idx.writer!.undoFloor(), null);
    await idx.writer!.applyBlock(prepareBlock(chainA[5]!.raw), 5, true);
    assert.equal(await idx.writer!.undoFloor(), 5);
    await idx.writer!.undoBlock();
    assert.equal(idx.state.height, 4);
    await idx.close();
  });

  test('undo data is pruned beyond the reorg window', async () => {
    const coin = { ...REGTEST, reorgLimit: 4 };
    const idx = await openIndex(dirs.make(), { coin });
    await applyRange(idx, chainA, 0, 20, { flushEvery: 3 });
    assert.equal(await idx.writer!.undoFloor(), 16);
    const rows = (await dumpUndoRows(idx.db));
    assert.deepEqual(rows, [16, 17, 18, 19]);
    for (let i = 0; i < 4; i++) await idx.writer!.undoBlock();
    await assert.rejects(idx.writer!.undoBlock(), NoUndoError);
    await idx.close();
  });

  test('unflushed blocks are lost on reopen; flushed ones resume', async () => {
    const dir = dirs.make();
    let idx = await openIndex(dir, { coin: REGTEST });
    await applyRange(idx, chainA, 0, 12);
    assert.equal(idx.writer!.pendingBytes, 0); // all flushed; spare arena capacity is not pending work
    await idx.writer!.applyBlock(prepareBlock(chainA[12]!.raw), 12, true);
    await idx.writer!.applyBlock(prepareBlock(chainA[13]!.raw), 13, true);
    assert.equal(idx.writer!.state.height, 13);
    assert.equal(idx.state.height, 11); // durable state lags until flush
    assert.ok(idx.writer!.pendingBytes > 0);
    await idx.close();
    idx = await openIndex(dir, { coin: REGTEST });
    assert.equal(idx.state.height, 11);
    const at11 = await cleanIndex(dirs, chainA.slice(0, 12));
    assert.equal(await indexDigest(idx), await indexDigest(at11));
    await applyRange(idx, chainA, 12, 30, { flushEvery: 7 });
    const clean = await cleanIndex(dirs, chainA.slice(0, 30));
    assert.equal(await indexDigest(idx), await indexDigest(clean));
    await Promise.all([idx.close(), at11.close(), clean.close()]);
  });

  test('a different coin, network or chain is refused with a clear error', async () => {
    const dir = dirs.make();
    const idx = await openIndex(dir, { coin: REGTEST });
    await applyRange(idx, chainA, 0, 3);
    await idx.close();
    const testnet = findCoin('Bitcoin', 'testnet');
    await assert.rejects(openIndex(dir, { coin: testnet }), (e: Error) => e instanceof IndexMismatchError && /is for Bitcoin regtest, not Bitcoin testnet/.test(e.message));
    const otherGenesis = { ...REGTEST, genesisHash: '00'.repeat(32) };
    await assert.rejects(openIndex(dir, { coin: otherGenesis }), /genesis/);
    await assert.rejects(openIndex(dir, { coin: testnet, readOnly: true }), IndexMismatchError);
    const again = await openIndex(dir, { coin: REGTEST });
    assert.equal(again.state.height, 2);
    await again.close();
  });

  test('wrong parent or height is refused without harm; a missing prevout poisons the writer', async () => {
    const idx = await openIndex(dirs.make(), { coin: REGTEST });
    await assert.rejects(idx.writer!.applyBlock(prepareBlock(chainA[1]!.raw), 0, true), /not the genesis block/);
    await applyRange(idx, chainA, 0, 5);
    await assert.rejects(idx.writer!.applyBlock(prepareBlock(chainA[6]!.raw), 5, true), /does not build on the index tip/);
    await assert.rejects(idx.writer!.applyBlock(prepareBlock(chainA[5]!.raw), 6, true), /does not follow/);
    await idx.writer!.applyBlock(prepareBlock(chainA[5]!.raw), 5, true);
    const bogus = makeBlock(chainA[5]!.header.hash, [coinbaseTx(6, [{ script: script(1), value: 1 }]), serializeTx([{ txid: Buffer.alloc(32, 9), vout: 3 }], [{ script: script(2), value: 1 }])], 1);
    await assert.rejects(idx.writer!.applyBlock(prepareBlock(bogus.raw), 6, true), /spends an output the index does not hold/);
    await assert.rejects(idx.writer!.flush(), /unusable/);
    await idx.close();
  });

  test('readOnly open beside a writer sees the state as of its open', async () => {
    const dir = dirs.make();
    await assert.rejects(openIndex(dir, { coin: REGTEST, readOnly: true }), /no index/);
    const idx = await openIndex(dir, { coin: REGTEST });
    await applyRange(idx, chainA, 0, 10);
    await assert.rejects(openIndex(dir, { coin: REGTEST }), /in use by another process/);
    const ro = await openIndex(dir, { coin: REGTEST, readOnly: true });
    assert.equal(ro.writer, undefined);
    assert.equal(ro.state.height, 9);
    assert.equal(await indexDigest(ro), await indexDigest(idx));
    await applyRange(idx, chainA, 10, 15);
    assert.equal((await ro.reader.tip())!.height, 9); // a fixed view
    assert.deepEqual(await ro.reader.getBlockTxids(9), chainA[9]!.txs.map((t) => t.txid));
    await ro.close();
    const ro2 = await openIndex(dir, { coin: REGTEST, readOnly: true });
    assert.equal(ro2.state.height, 14); // reopening refreshes
    assert.equal(await indexDigest(ro2), await indexDigest(idx));
    await Promise.all([ro2.close(), idx.close()]);
  });
});

async function dumpUndoRows(db: import('rocksdb-native').default): Promise<number[]> {
  const out: number[] = [];
  for await (const e of db.iterator({ gte: Buffer.from('d'), lt: Buffer.from('e') })) out.push(e.key.readUInt32BE(1));
  return out;
}
