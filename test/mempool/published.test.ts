// The ZMQ rawtx store: raws kept unparsed, found newest first for the announcements that ask,
// a block's burst of unasked raws never parsed, and bounded by count and bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import { PublishedTxs } from '../../src/mempool/published.js';
import { txKeyOf, type TxKey } from '../../src/mempool/tx.js';

/** A distinct, parseable transaction number n, with `pad` extra bytes of output script. */
function rawTx(n: number, pad = 0): { raw: Buffer; key: TxKey } {
  const t = new bitcoin.Transaction();
  const prev = Buffer.alloc(32);
  prev.writeUInt32LE(n + 1);
  t.addInput(prev, n % 7);
  t.addOutput(Buffer.concat([Buffer.from([0x6a]), Buffer.alloc(pad, 1)]), 0);
  t.addOutput(bitcoin.payments.p2wpkh({ hash: Buffer.alloc(20, n % 251) }).output!, 1000 + n);
  return { raw: t.toBuffer(), key: txKeyOf(t.getHash()) };
}

test('announced transactions are found among the newest raws; a burst before them is left unparsed', () => {
  const store = new PublishedTxs();
  // A block's burst of 3,000, then five mempool transactions, each published before its 'A'.
  for (let i = 0; i < 3000; i++) store.add(rawTx(i).raw);
  const fresh = [3000, 3001, 3002, 3003, 3004].map((n) => rawTx(n));
  for (const f of fresh) store.add(f.raw);
  const wanted = new Set(fresh.map((f) => f.key));
  const found = store.take(wanted);
  assert.deepEqual(found.map((p) => p.key).sort(), fresh.map((f) => f.key).sort());
  assert.equal(wanted.size, 0);
  // The found ones carry what the mempool needs: their raw bytes, outputs and prevouts.
  const p = found.find((x) => x.key === fresh[0]!.key)!;
  assert.deepEqual(p.raw, fresh[0]!.raw);
  assert.equal(p.outValues[1], 4000);
  assert.equal(p.prevouts.length, 1);
  // The burst was not looked at: all 3,000 still wait unparsed.
  assert.equal(store.size, 3000);
});

test('a raw newer than the asked ones is parsed once and kept for its own announcement', () => {
  const store = new PublishedTxs();
  const a = rawTx(1);
  const b = rawTx(2);
  store.add(a.raw);
  store.add(b.raw);
  assert.equal(store.take(new Set([a.key])).length, 1);
  const wantB = new Set([b.key]);
  assert.equal(store.take(wantB).length, 1);
  assert.equal(wantB.size, 0);
  assert.equal(store.size, 0);
});

test('a lost raw: the lookup gives up after a bounded search and leaves the key for the RPC', () => {
  const store = new PublishedTxs();
  for (let i = 0; i < 500; i++) store.add(rawTx(i).raw);
  const lost = rawTx(9999).key;
  const wanted = new Set([lost]);
  assert.deepEqual(store.take(wanted), []);
  assert.ok(wanted.has(lost), 'still wanted: fetched over RPC');
  assert.equal(store.size, 500);
  // The search stopped after a few dozen of the newest: the oldest was never parsed, and a lookup
  // for it gives up the same way (an unbounded search would have parsed and kept it).
  assert.deepEqual(store.take(new Set([rawTx(0).key])), []);
  // The newest ones it parsed are kept for their announcements.
  assert.equal(store.take(new Set([rawTx(499).key])).length, 1);
});

test('bounded by bytes: big raws push the oldest out', () => {
  const store = new PublishedTxs();
  const big = Array.from({ length: 400 }, (_, i) => rawTx(i, 100_000));
  for (const b of big) store.add(b.raw);
  // 400 x ~100 KB = 40 MB against a 32 MB bound.
  assert.ok(store.size < 400 && store.size >= 300, `kept ${store.size}`);
  // The newest are still there; the oldest are gone.
  assert.equal(store.take(new Set([big[399]!.key])).length, 1);
  const oldest = new Set([big[0]!.key]);
  assert.equal(store.take(oldest).length, 0);
});

test('garbage published as rawtx is skipped', () => {
  const store = new PublishedTxs();
  const good = rawTx(5);
  store.add(good.raw);
  store.add(Buffer.from('not a transaction'));
  assert.equal(store.take(new Set([good.key])).length, 1);
});
