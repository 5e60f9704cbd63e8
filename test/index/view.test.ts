// Snapshot views and commit events: a view answers for the tip it was opened at however many
// flushes and undos land meanwhile; commit listeners see each block's txids and touched scripts.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { openIndex, scriptKeyOf } from '../../src/index/index.js';
import type { IndexCommit } from '../../src/index/types.js';
import { prepareBlock } from '../../src/index/prepared-block.js';
import { ChainModel, extendChain, regtestGenesis } from './chain-builder.js';
import { REGTEST, TempDirs, applyRange } from './helpers.js';

/** The scripts the model's block at `height` touches, with the tx numbers touching each. */
function touchedAt(model: ChainModel, height: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [sh, list] of model.history) {
    const nums = list.filter((e) => e.height === height).map((e) => model.txs.get(e.txid.toString('hex'))!.txNum);
    if (nums.length > 0) out.set(scriptKeyOf(Buffer.from(sh, 'hex')), nums);
  }
  return out;
}

describe('index views and commits', () => {
  const dirs = new TempDirs();
  after(() => dirs.cleanup());

  test('a view keeps answering for its tip across flushes and undos', async () => {
    const blocks = extendChain([regtestGenesis()], 40, 11);
    const idx = await openIndex(dirs.make(), { coin: REGTEST });
    await applyRange(idx, blocks, 0, 30);
    const at30 = new ChainModel(blocks.slice(0, 30));
    const view = idx.openView();
    assert.equal(view.state.height, 29);
    // Scripts with history at height 29, as the model sees them.
    const scripts = [...at30.history.keys()].slice(0, 25);
    const before = await Promise.all(scripts.map((k) => view.reader.getHistory(Buffer.from(k, 'hex'))));
    // Move on: ten more blocks, then undo three of them.
    await applyRange(idx, blocks, 30, 40);
    for (let i = 0; i < 3; i++) await idx.writer!.undoBlock();
    assert.equal(idx.state.height, 36);
    const afterwards = await Promise.all(scripts.map((k) => view.reader.getHistory(Buffer.from(k, 'hex'))));
    assert.deepEqual(afterwards, before);
    assert.equal((await view.reader.getBlockTxids(29))!.length, blocks[29]!.txs.length);
    assert.equal(await view.reader.getBlockTxids(30), null, 'beyond the view tip');
    const live = idx.openView();
    assert.equal(live.state.height, 36);
    assert.equal((await live.reader.getBlockTxids(36))!.length, blocks[36]!.txs.length);
    view.release();
    live.release();
    await idx.close();
  });

  test('commit listeners get each block with its txids and touched scripts; undo reports the block removed', async () => {
    const blocks = extendChain([regtestGenesis()], 20, 5);
    const idx = await openIndex(dirs.make(), { coin: REGTEST });
    await applyRange(idx, blocks, 0, 15);
    const seen: IndexCommit[] = [];
    const heights: number[] = [];
    idx.onCommit((c) => {
      seen.push(c);
      // A view opened inside the listener shows exactly this commit.
      const v = idx.openView();
      heights.push(v.state.height);
      v.release();
    });
    for (let h = 15; h < 18; h++) {
      await idx.writer!.applyBlock(prepareBlock(blocks[h]!.raw), h, true);
      await idx.writer!.flush();
    }
    await idx.writer!.undoBlock();
    assert.deepEqual(heights, [15, 16, 17, 16]);
    const model = new ChainModel(blocks.slice(0, 18));
    for (let i = 0; i < 3; i++) {
      const c = seen[i]!;
      const b = blocks[15 + i]!;
      assert.equal(c.connected.length, 1);
      assert.equal(c.disconnected, null);
      assert.deepEqual(c.connected[0]!.txids, b.txs.map((t) => t.txid));
      assert.ok(c.connected[0]!.hash.equals(b.header.hash));
      assert.deepEqual(c.connected[0]!.touched, touchedAt(model, 15 + i));
      assert.equal(c.connected[0]!.firstTxNum, model.txs.get(b.txs[0]!.txid.toString('hex'))!.txNum);
    }
    const undo = seen[3]!;
    assert.equal(undo.connected.length, 0);
    assert.equal(undo.disconnected!.height, 17);
    assert.deepEqual(undo.disconnected!.txids, blocks[17]!.txs.map((t) => t.txid));
    assert.deepEqual(undo.disconnected!.touched, touchedAt(model, 17));
    await idx.close();
  });
});
