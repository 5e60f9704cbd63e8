// The mempool model: heights -1/0 from parent links, which scripts each change dirties, balance
// deltas and unspent outputs; and the fee histogram against ElectrumX's binning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Mempool } from '../../src/mempool/mempool.js';
import { MempoolTx, outpointKeyOf, txKeyOf } from '../../src/mempool/tx.js';
import { compressHistogram, feeHistogram } from '../../src/mempool/histogram.js';

const key = (s: string) => txKeyOf(createHash('sha256').update(s).digest());
const A = 'a'.repeat(11);
const B = 'b'.repeat(11);
const C = 'c'.repeat(11);

/** A tx spending `ins` ([outpoint, script, value]) and paying `outs` ([script, value]). */
function tx(name: string, ins: Array<[string, string, number]>, outs: Array<[string, number]>, vsize = 100): MempoolTx {
  const inSum = ins.reduce((s, i) => s + i[2], 0);
  const outSum = outs.reduce((s, o) => s + o[1], 0);
  return new MempoolTx(key(name), Buffer.alloc(vsize), vsize, inSum - outSum, ins.map((i) => i[0]), ins.map((i) => i[1]), ins.map((i) => i[2]), outs.map((o) => o[0]), outs.map((o) => o[1]));
}

test('parents, heights and the scripts each change touches', () => {
  const m = new Mempool();
  const confirmedCoin = outpointKeyOf(key('old'), 0);
  const parent = tx('p', [[confirmedCoin, A, 10_000]], [[B, 6000], [A, 3000]]);
  m.add(parent);
  assert.deepEqual([...m.takeDirty()].sort(), [A, B]);
  assert.equal(parent.height, 0);
  const child = tx('c', [[outpointKeyOf(parent.key, 0), B, 6000]], [[C, 5500]]);
  m.add(child);
  assert.equal(child.height, -1);
  assert.deepEqual([...m.takeDirty()].sort(), [B, C]);
  // Balances: what the mempool adds to and takes from each script.
  assert.equal(m.balanceDelta(A), 3000 - 10_000);
  assert.equal(m.balanceDelta(B), 6000 - 6000);
  assert.equal(m.balanceDelta(C), 5500);
  // Unspent: B's output is spent by the child, A's change output is not.
  assert.deepEqual(m.utxosOf(B), []);
  assert.deepEqual(m.utxosOf(A).map((u) => [u.tx.key, u.vout, u.value]), [[parent.key, 1, 3000]]);
  assert.equal(m.spenderOf(confirmedCoin), parent);
  // The parent confirms: the child keeps its place, its height becomes 0, C (untouched by the parent) is dirty.
  m.remove(parent.key);
  assert.equal(child.height, 0);
  assert.deepEqual([...m.takeDirty()].sort(), [A, B, C]);
  assert.equal(m.hasScript(A), false);
  assert.equal(m.spenderOf(confirmedCoin), undefined);
  // The parent comes back (its block was disconnected): the child is -1 again.
  m.add(parent);
  assert.equal(child.height, -1);
  assert.ok(m.takeDirty().has(C));
  m.remove(child.key);
  m.remove(parent.key);
  assert.equal(m.size, 0);
  assert.equal([...m.scripts()].length, 0);
  assert.equal(m.bytes, 0);
});

test('fee histogram: ElectrumX\'s tranches (bin 30,000 vB growing 10%, lumps, the last partial one dropped)', () => {
  // Rates in tenths of sat/vB -> vsize.
  assert.deepEqual(compressHistogram(new Map([[1000, 20_000], [500, 40_000], [200, 70_000], [100, 10_000], [50, 5000]]), 30_000), [[50, 60_000], [20, 70_000]]);
  assert.deepEqual(compressHistogram(new Map([[1000, 10_000], [900, 80_000]]), 30_000), [[100, 10_000], [90, 80_000]]);
  // From transactions: 10.55 sat/vB rounds down to 10.5.
  const txs = [tx('x', [['o1', A, 100_000]], [[A, 100_000 - 1055]], 100), tx('y', [['o2', A, 10_000_000]], [[A, 10_000_000 - 40_000 * 2]], 40_000)];
  assert.deepEqual(feeHistogram(txs), [[2, 40_100]]);
  assert.deepEqual(feeHistogram(txs, 50), [[10.5, 100], [2, 40_000]]);
});
