// The status hash: the protocol's worked regtest example (electrum-protocol 1.6, protocol-basics
// "Status") as a test vector, and the incremental paths (extending a kept state) against a full
// recomputation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fromDisplayHex } from '../../src/chain/hash.js';
import { Mempool } from '../../src/mempool/mempool.js';
import { MempoolTx, outpointKeyOf, txKeyOf } from '../../src/mempool/tx.js';
import { ConfirmedStatus, historyJsonFromPacked, mempoolPart } from '../../src/electrum/status.js';
import type { HistoryEntry, IndexReader } from '../../src/index/types.js';

const SCRIPT = 's'.repeat(11);

/** A reader holding one script's history (paged as the real one: limit and fromTxNum). */
function readerOf(entries: HistoryEntry[]): IndexReader {
  const select = (opts: { limit?: number; fromTxNum?: number }) => entries.filter((e) => e.txNum >= (opts.fromTxNum ?? 0)).slice(0, opts.limit ?? Infinity);
  return {
    async getHistory(_sh: Buffer, opts: { limit?: number; fromTxNum?: number } = {}) {
      return select(opts);
    },
    async getHistoryRun(_sh: Buffer, opts: { limit: number; fromTxNum?: number }) {
      const list = select(opts);
      return {
        count: list.length,
        txids: Buffer.concat(list.map((e) => e.txid)),
        heights: Int32Array.from(list.map((e) => e.height)),
        txNums: Float64Array.from(list.map((e) => e.txNum)),
        lastTxNum: list.length > 0 ? list[list.length - 1]!.txNum : -1,
      };
    },
  } as unknown as IndexReader;
}

function mempoolTx(txidHex: string, prevouts: string[]): MempoolTx {
  return new MempoolTx(txKeyOf(fromDisplayHex(txidHex)), Buffer.alloc(60), 100, 200, prevouts, prevouts.map(() => SCRIPT), prevouts.map(() => 1000), [SCRIPT], [500]);
}

test('the protocol\'s worked example: status 78e96c65…b0590d', async () => {
  const confirmed: HistoryEntry[] = [
    { txid: fromDisplayHex('a6c9c361bd0bc536d6a22648efbf8f9b200e425ef6c3a7a9669dc444c532a347'), height: 2472, txNum: 10 },
    { txid: fromDisplayHex('9c42f84b2fcdaff676ba25d9d4941741cc0d1a01cce0c23fdc4c0b2afa38431c'), height: 2473, txNum: 21 },
    { txid: fromDisplayHex('770f2d4371b3fabb902dd9a103e2dd005fcd3971181078fca4a2a1d6ff127b30'), height: 2473, txNum: 22 },
  ];
  const mempool = new Mempool();
  const parent = mempoolTx('80b19848aed792565ab7c5a79b7c2a00fbf985741579396ebe0ab6098e607311', [outpointKeyOf('x'.repeat(32), 0)]);
  // Added in an order other than the status order, which must not matter.
  mempool.add(mempoolTx('e02a1dadfa83b996b24175df807b271ea5d02937ef5b35c195fac1e1bdc3198f', [outpointKeyOf('y'.repeat(32), 1)]));
  mempool.add(parent);
  mempool.add(mempoolTx('bb4c8ab438c13b89ca80d1d5bee25b0b6b7f55673f4d801998ba97db161d9e85', [outpointKeyOf(parent.key, 0)]));
  const part = mempoolPart(mempool, SCRIPT);
  assert.deepEqual(part.map((t) => t.height), [0, 0, -1]);
  const c = await ConfirmedStatus.read(readerOf(confirmed), Buffer.alloc(32), 100, 0, 1000);
  assert.equal(c.status(part), '78e96c6562cafa71c115503b9411fdfdc595a45031e2ab76ff75162fe1b0590d');
  // The spec example's status string, hashed plainly.
  const text =
    'a6c9c361bd0bc536d6a22648efbf8f9b200e425ef6c3a7a9669dc444c532a347:2472:9c42f84b2fcdaff676ba25d9d4941741cc0d1a01cce0c23fdc4c0b2afa38431c:2473:' +
    '770f2d4371b3fabb902dd9a103e2dd005fcd3971181078fca4a2a1d6ff127b30:2473:80b19848aed792565ab7c5a79b7c2a00fbf985741579396ebe0ab6098e607311:0:' +
    'e02a1dadfa83b996b24175df807b271ea5d02937ef5b35c195fac1e1bdc3198f:0:bb4c8ab438c13b89ca80d1d5bee25b0b6b7f55673f4d801998ba97db161d9e85:-1:';
  assert.equal(createHash('sha256').update(text).digest('hex'), '78e96c6562cafa71c115503b9411fdfdc595a45031e2ab76ff75162fe1b0590d');
  // The parent confirms: the child's height goes from -1 to 0 and the status changes.
  mempool.remove(parent.key);
  assert.deepEqual(mempoolPart(mempool, SCRIPT).map((t) => t.height), [0, 0]);
});

test('no transactions: null; extending a kept state equals reading everything again', async () => {
  const empty = await ConfirmedStatus.read(readerOf([]), Buffer.alloc(32), 5, 0, 1000);
  assert.equal(empty.status([]), null);
  const all: HistoryEntry[] = [];
  for (let i = 0; i < 300; i++) all.push({ txid: createHash('sha256').update(`t${i}`).digest(), height: 100 + Math.floor(i / 3), txNum: i * 7 });
  for (const cut of [0, 10, 63, 64, 65, 200, 299]) {
    // Read the first `cut` entries (a view whose tx count ends there), then extend block by block.
    const before = all.slice(0, cut);
    const c = await ConfirmedStatus.read(readerOf(before), Buffer.alloc(32), cut === 0 ? 0 : before[cut - 1]!.txNum + 1, 0, 1000);
    const rest = all.slice(cut);
    for (let i = 0; i < rest.length; i += 5) {
      const chunk = rest.slice(i, i + 5);
      c.extend(chunk, chunk[0]!.txNum, chunk[chunk.length - 1]!.txNum + 1, 1000);
    }
    const full = await ConfirmedStatus.read(readerOf(all), Buffer.alloc(32), 10_000, 0, 1000);
    assert.equal(c.status([]), full.status([]), `cut at ${cut}`);
    assert.equal(c.entries, 300);
  }
  // catchUp reads only what a later view added.
  const c = await ConfirmedStatus.read(readerOf(all.slice(0, 100)), Buffer.alloc(32), all[99]!.txNum + 1, 0, 1000);
  await c.catchUp(readerOf(all), Buffer.alloc(32), 10_000, 1000);
  assert.equal(c.status([]), (await ConfirmedStatus.read(readerOf(all), Buffer.alloc(32), 10_000, 0, 1000)).status([]));
  await assert.rejects(ConfirmedStatus.read(readerOf(all), Buffer.alloc(32), 10_000, 0, 299), /history too large/);
});

test('get_history entries from the packed confirmed part equal the history read', async () => {
  const entries: HistoryEntry[] = [
    { txid: fromDisplayHex('a6c9c361bd0bc536d6a22648efbf8f9b200e425ef6c3a7a9669dc444c532a347'), height: 2472, txNum: 10 },
    { txid: fromDisplayHex('9c42f84b2fcdaff676ba25d9d4941741cc0d1a01cce0c23fdc4c0b2afa38431c'), height: 16_777_300, txNum: 21 },
  ];
  const c = await ConfirmedStatus.read(readerOf(entries), Buffer.alloc(32), 100, 0, 1000);
  assert.equal(historyJsonFromPacked(''), '');
  assert.equal(
    historyJsonFromPacked(c.packed!),
    '{"tx_hash":"a6c9c361bd0bc536d6a22648efbf8f9b200e425ef6c3a7a9669dc444c532a347","height":2472},{"tx_hash":"9c42f84b2fcdaff676ba25d9d4941741cc0d1a01cce0c23fdc4c0b2afa38431c","height":16777300},',
  );
});
