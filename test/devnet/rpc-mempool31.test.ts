// Core 31's mempool RPCs over real sockets: testmempoolaccept, submitpackage, getmempoolinfo's
// cluster-mempool fields, entries with chunk data, unbroadcast, and -txindex-less lookups.
// Shapes follow src/rpc/mempool.cpp and src/rpc/rawtransaction.cpp of Bitcoin Core 31.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import { DevnetNode } from '../../src/devnet/node.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { RpcClient } from '../../src/devnet/rpc/client.js';
import { silentLogger } from '../../src/log.js';
import { sha256d, toDisplayHex } from '../../src/chain/hash.js';
import type { WalletCoin } from '../../src/devnet/wallet/wallet.js';

type Obj = Record<string, any>;

const hex = (b: Buffer): string => b.toString('hex');
const txidOf = (raw: Buffer): string => bitcoin.Transaction.fromBuffer(raw).getId();
const wtxidOf = (raw: Buffer): string => toDisplayHex(sha256d(raw));
const vsizeOf = (raw: Buffer): number => bitcoin.Transaction.fromBuffer(raw).virtualSize();
const feeOf = (raw: Buffer, inputValues: number): number =>
  inputValues - bitcoin.Transaction.fromBuffer(raw).outs.reduce((s, o) => s + o.value, 0);

describe('Core 31 mempool RPCs', () => {
  let node: DevnetNode;
  let server: DevnetServer;
  let rpc: RpcClient;
  let coins: WalletCoin[];
  const call = <T = any>(method: string, params: unknown[] = []) => rpc.call<T>(method, params);
  const coin = (): WalletCoin => coins.pop()!;
  const to = (i: number) => node.wallet.address('p2wpkh', 40 + i);

  /** Builds txs on staged mempool state (parents accepted then rolled back), returns their raws. */
  function staged(build: () => Buffer[]): Buffer[] {
    let raws: Buffer[] = [];
    node.engine.staged(() => {
      raws = build();
      return false;
    });
    return raws;
  }

  /** A parent (not in the mempool) and a child spending its first output. */
  function parentAndChild(opts: { parentFee?: number; version?: number; childRate?: number } = {}): { parent: Buffer; child: Buffer; parentCoin: WalletCoin } {
    const c = coin();
    const [parent, child] = staged(() => {
      const p = node.wallet.createPayment([{ address: to(1), value: 1_000_000 }], { coins: [c], fee: opts.parentFee, feeRate: 2, version: opts.version });
      node.engine.accept(p, { bypassLimits: true });
      const ch = node.wallet.createPayment([{ address: to(2), value: 500_000 }], {
        coins: [{ txid: Buffer.from(txidOf(p), 'hex').reverse(), vout: 0 }], feeRate: opts.childRate ?? 2, version: opts.version,
      });
      return [p, ch];
    });
    return { parent: parent!, child: child!, parentCoin: c };
  }

  before(async () => {
    node = await DevnetNode.create({ seed: 'rpc-mempool31' });
    node.wallet.fund();
    // Plenty of separate confirmed p2wpkh coins.
    node.wallet.pay(Array.from({ length: 40 }, (_, i) => ({ address: node.wallet.address('p2wpkh', 100 + i), value: 5_000_000 })));
    node.generateToAddress(1, node.wallet.address('p2wpkh'));
    coins = node.wallet.coins({ from: ['p2wpkh'], confirmedOnly: true }).filter((c) => c.value === 5_000_000);
    server = await DevnetServer.start({ node, log: silentLogger() });
    rpc = new RpcClient(server.rpcUrl, { cookieFile: server.cookieFile });
  });

  after(async () => {
    rpc.close();
    await server.stop();
  });

  describe('getmempoolinfo, getrawmempool, getmempoolentry', () => {
    test('getmempoolinfo has Core 31 fields, relay fees of Core 30+, an unbroadcast count', async () => {
      const before = await call<Obj>('getmempoolinfo');
      const txid = await call<string>('sendrawtransaction', [hex(node.wallet.createPayment([{ address: to(3), value: 100_000 }], { coins: [coin()] }))]);
      const info = await call<Obj>('getmempoolinfo');
      assert.deepEqual(Object.keys(info), [
        'loaded', 'size', 'bytes', 'usage', 'total_fee', 'maxmempool', 'mempoolminfee', 'minrelaytxfee', 'incrementalrelayfee', 'unbroadcastcount',
        'fullrbf', 'permitbaremultisig', 'maxdatacarriersize', 'limitclustercount', 'limitclustersize', 'optimal',
      ]);
      const entry = node.mempoolEntry(Buffer.from(txid, 'hex').reverse())!;
      assert.equal(info.size, before.size + 1);
      assert.equal(info.bytes, before.bytes + entry.vsize);
      assert.equal(Math.round(info.total_fee * 1e8), Math.round(before.total_fee * 1e8) + entry.fee);
      assert.equal(info.loaded, true);
      assert.equal(info.maxmempool, 300_000_000);
      assert.equal(info.mempoolminfee, 0.000001);
      assert.equal(info.minrelaytxfee, 0.000001);
      assert.equal(info.incrementalrelayfee, 0.000001);
      // No peers: what was submitted over RPC stays unbroadcast, as on an isolated bitcoind.
      assert.equal(info.unbroadcastcount, before.unbroadcastcount + 1);
      assert.equal(info.fullrbf, true);
      assert.equal(info.permitbaremultisig, true);
      assert.equal(info.maxdatacarriersize, 100_000);
      assert.equal(info.limitclustercount, 64);
      assert.equal(info.limitclustersize, 101_000);
      assert.equal(info.optimal, true);
      assert.equal((await call<Obj>('getmempoolentry', [txid])).unbroadcast, true);
    });

    test('entries carry chunk data: a child paying for its parent shares its chunk', async () => {
      const { parent, child } = parentAndChild({ childRate: 30 });
      await call('sendrawtransaction', [hex(parent)]);
      await call('sendrawtransaction', [hex(child)]);
      const p = await call<Obj>('getmempoolentry', [txidOf(parent)]);
      const c = await call<Obj>('getmempoolentry', [txidOf(child)]);
      assert.deepEqual(Object.keys(p), [
        'vsize', 'weight', 'time', 'height', 'descendantcount', 'descendantsize', 'ancestorcount', 'ancestorsize', 'chunkweight', 'wtxid',
        'fees', 'depends', 'spentby', 'bip125-replaceable', 'unbroadcast',
      ]);
      assert.deepEqual(Object.keys(p.fees), ['base', 'modified', 'ancestor', 'descendant', 'chunk']);
      assert.equal(p.chunkweight, p.weight + c.weight);
      assert.equal(c.chunkweight, p.chunkweight);
      assert.equal(Math.round(p.fees.chunk * 1e8), Math.round((p.fees.base + c.fees.base) * 1e8));
      assert.equal(c.fees.chunk, p.fees.chunk);
      assert.equal(p.descendantcount, 2);
      assert.equal(c.ancestorcount, 2);
      assert.deepEqual(c.depends, [txidOf(parent)]);
      assert.deepEqual(p.spentby, [txidOf(child)]);
      assert.equal(p['bip125-replaceable'], true);
      // A parent paying more than its child is a chunk of its own.
      const rich = parentAndChild({ childRate: 1 });
      await call('sendrawtransaction', [hex(rich.parent)]);
      await call('sendrawtransaction', [hex(rich.child)]);
      const rp = await call<Obj>('getmempoolentry', [txidOf(rich.parent)]);
      assert.equal(rp.chunkweight, rp.weight);
      assert.equal(rp.fees.chunk, rp.fees.base);
      const verbose = await call<Record<string, Obj>>('getrawmempool', [true]);
      assert.deepEqual(verbose[txidOf(parent)], p);
      const seq = await call<Obj>('getrawmempool', [false, true]);
      assert.deepEqual(Object.keys(seq), ['txids', 'mempool_sequence']);
      assert.equal(typeof seq.mempool_sequence, 'number');
      assert.deepEqual([...seq.txids].sort(), Object.keys(verbose).sort());
      await assert.rejects(call('getmempoolentry', ['33'.repeat(32)]), { code: -5, message: 'Transaction not in mempool' });
    });
  });

  describe('testmempoolaccept', () => {
    test('one tx: allowed with fees and effective feerate, nothing added', async () => {
      const c = coin();
      const raw = node.wallet.createPayment([{ address: to(4), value: 200_000 }], { coins: [c], feeRate: 3 });
      const sizeBefore = node.mempool().length;
      const seqBefore = node.mempoolSequence();
      const [r] = await call<Obj[]>('testmempoolaccept', [[hex(raw)]]);
      assert.deepEqual(Object.keys(r!), ['txid', 'wtxid', 'allowed', 'vsize', 'fees']);
      assert.deepEqual(Object.keys(r!.fees), ['base', 'effective-feerate', 'effective-includes']);
      const fee = feeOf(raw, c.value);
      const vsize = vsizeOf(raw);
      assert.deepEqual(r, {
        txid: txidOf(raw), wtxid: wtxidOf(raw), allowed: true, vsize,
        fees: { base: fee / 1e8, 'effective-feerate': Math.floor((fee * 1000) / vsize) / 1e8, 'effective-includes': [wtxidOf(raw)] },
      });
      assert.equal(node.mempool().length, sizeBefore);
      assert.equal(node.mempoolSequence(), seqBefore);
    });

    test('rejections: reason and details, missing-inputs, already in the mempool, max-fee-exceeded', async () => {
      const low = node.wallet.createPayment([{ address: to(5), value: 200_000 }], { coins: [coin()], feeRate: 0.05 });
      const [r1] = await call<Obj[]>('testmempoolaccept', [[hex(low)]]);
      assert.deepEqual(Object.keys(r1!), ['txid', 'wtxid', 'allowed', 'reject-reason', 'reject-details']);
      assert.equal(r1!.allowed, false);
      assert.equal(r1!['reject-reason'], 'min relay fee not met');
      assert.match(r1!['reject-details'], /^min relay fee not met, \d+ < \d+$/);

      const orphan = bitcoin.Transaction.fromBuffer(low);
      orphan.ins[0]!.hash = Buffer.alloc(32, 9);
      const [r2] = await call<Obj[]>('testmempoolaccept', [[orphan.toHex()]]);
      assert.deepEqual(r2, { txid: orphan.getId(), wtxid: wtxidOf(orphan.toBuffer()), allowed: false, 'reject-reason': 'missing-inputs' });

      const sent = node.wallet.createPayment([{ address: to(6), value: 200_000 }], { coins: [coin()] });
      await call('sendrawtransaction', [hex(sent)]);
      const [r3] = await call<Obj[]>('testmempoolaccept', [[hex(sent)]]);
      assert.equal(r3!['reject-reason'], 'txn-already-in-mempool');
      assert.equal(r3!['reject-details'], 'txn-already-in-mempool');

      const rich = node.wallet.createPayment([{ address: to(7), value: 200_000 }], { coins: [coin()], feeRate: 5 });
      const [r4] = await call<Obj[]>('testmempoolaccept', [[hex(rich)], 0.00001]);
      assert.deepEqual(r4, { txid: txidOf(rich), wtxid: wtxidOf(rich), allowed: false, 'reject-reason': 'max-fee-exceeded' });
      assert.equal((await call<Obj[]>('testmempoolaccept', [[hex(rich)], 0]))[0]!.allowed, true, 'maxfeerate 0: no limit');
    });

    test('several txs: package mode, each judged on its own fee, no conflicts with the mempool', async () => {
      const { parent, child, parentCoin } = parentAndChild();
      const both = await call<Obj[]>('testmempoolaccept', [[hex(parent), hex(child)]]);
      assert.deepEqual(both.map((r) => r.allowed), [true, true]);
      assert.deepEqual(both[1]!.fees['effective-includes'], [wtxidOf(child)]);
      assert.equal(node.mempoolEntry(Buffer.from(txidOf(parent), 'hex').reverse()), undefined, 'nothing added');

      const unsorted = await call<Obj[]>('testmempoolaccept', [[hex(child), hex(parent)]]);
      assert.deepEqual(unsorted, [
        { txid: txidOf(child), wtxid: wtxidOf(child), 'package-error': 'package-not-sorted' },
        { txid: txidOf(parent), wtxid: wtxidOf(parent), 'package-error': 'package-not-sorted' },
      ]);
      const dup = await call<Obj[]>('testmempoolaccept', [[hex(parent), hex(parent)]]);
      assert.equal(dup[0]!['package-error'], 'package-contains-duplicates');

      // A failing parent leaves the child unvalidated: txid and wtxid only.
      const free = parentAndChild({ parentFee: 0 });
      const failed = await call<Obj[]>('testmempoolaccept', [[hex(free.parent), hex(free.child)]]);
      assert.equal(failed[0]!.allowed, false);
      assert.equal(failed[0]!['reject-reason'], 'min relay fee not met');
      assert.equal(failed[0]!['reject-details'], `min relay fee not met, 0 < ${Math.ceil(vsizeOf(free.parent) / 10)}`);
      assert.deepEqual(failed[1], { txid: txidOf(free.child), wtxid: wtxidOf(free.child) });

      // In package mode a conflict with the mempool is refused outright.
      await call('sendrawtransaction', [hex(parent)]);
      const rival = node.wallet.createPayment([{ address: to(8), value: 300_000 }], { coins: [parentCoin], feeRate: 50 });
      const other = node.wallet.createPayment([{ address: to(9), value: 300_000 }], { coins: [coin()] });
      const conflict = await call<Obj[]>('testmempoolaccept', [[hex(other), hex(rival)]]);
      assert.equal(conflict[1]!['reject-reason'], 'bip125-replacement-disallowed');
      assert.deepEqual(Object.keys(conflict[0]!), ['txid', 'wtxid']);
      // Alone, the same replacement is fine (full RBF).
      assert.equal((await call<Obj[]>('testmempoolaccept', [[hex(rival)]]))[0]!.allowed, true);
    });

    test('argument errors', async () => {
      await assert.rejects(call('testmempoolaccept', [[]]), { code: -8, message: 'Array must contain between 1 and 25 transactions.' });
      await assert.rejects(call('testmempoolaccept', [Array(26).fill('00')]), { code: -8, message: 'Array must contain between 1 and 25 transactions.' });
      await assert.rejects(call('testmempoolaccept', [['zz']]), { code: -22, message: 'TX decode failed: zz Make sure the tx has at least one input.' });
      await assert.rejects(call('testmempoolaccept', [['00'], 1]), { code: -8, message: 'Fee rates larger than or equal to 1BTC/kvB are not accepted' });
      await assert.rejects(call('testmempoolaccept', ['00']), { code: -3 });
    });
  });

  describe('submitpackage', () => {
    test('a zero-fee TRUC parent goes in with the child paying for both (package feerate)', async () => {
      const { parent, child } = parentAndChild({ parentFee: 0, version: 3, childRate: 20 });
      // Alone, the parent is below the relay minimum.
      await assert.rejects(call('sendrawtransaction', [hex(parent)]), { code: -26, message: /^min relay fee not met, 0 < \d+$/ });
      const r = await call<Obj>('submitpackage', [[hex(parent), hex(child)]]);
      assert.deepEqual(Object.keys(r), ['package_msg', 'tx-results', 'replaced-transactions']);
      assert.equal(r.package_msg, 'success');
      assert.deepEqual(Object.keys(r['tx-results']), [wtxidOf(parent), wtxidOf(child)]);
      const p = r['tx-results'][wtxidOf(parent)];
      const c = r['tx-results'][wtxidOf(child)];
      assert.deepEqual(Object.keys(p), ['txid', 'vsize', 'fees']);
      assert.deepEqual(Object.keys(p.fees), ['base', 'effective-feerate', 'effective-includes']);
      assert.equal(p.txid, txidOf(parent));
      assert.equal(p.fees.base, 0);
      const total = Math.round(c.fees.base * 1e8);
      const rate = Math.floor((total * 1000) / (p.vsize + c.vsize)) / 1e8;
      assert.equal(p.fees['effective-feerate'], rate);
      assert.equal(c.fees['effective-feerate'], rate);
      assert.deepEqual(p.fees['effective-includes'], [wtxidOf(parent), wtxidOf(child)]);
      assert.deepEqual(r['replaced-transactions'], []);
      const entry = await call<Obj>('getmempoolentry', [txidOf(parent)]);
      assert.equal(entry.fees.chunk, c.fees.base);

      // Submitting it again: both are already there, fees without an effective feerate.
      const again = await call<Obj>('submitpackage', [[hex(parent), hex(child)]]);
      assert.equal(again.package_msg, 'success');
      assert.deepEqual(again['tx-results'][wtxidOf(parent)], { txid: txidOf(parent), vsize: p.vsize, fees: { base: 0 } });
    });

    test('a non-TRUC parent below the relay minimum cannot be paid for; the child misses its input', async () => {
      const { parent, child } = parentAndChild({ parentFee: 0, childRate: 50 });
      const r = await call<Obj>('submitpackage', [[hex(parent), hex(child)]]);
      assert.equal(r.package_msg, 'transaction failed');
      assert.deepEqual(r['tx-results'][wtxidOf(parent)], { txid: txidOf(parent), error: `min relay fee not met, 0 < ${Math.ceil(vsizeOf(parent) / 10)}` });
      assert.deepEqual(r['tx-results'][wtxidOf(child)], { txid: txidOf(child), error: 'bad-txns-inputs-missingorspent' });
      assert.equal(node.mempoolEntry(Buffer.from(txidOf(child), 'hex').reverse()), undefined);
    });

    test('a TRUC package whose feerate is still too low fails as a whole', async () => {
      const { parent, child } = parentAndChild({ parentFee: 0, version: 3, childRate: 0.1 });
      const r = await call<Obj>('submitpackage', [[hex(parent), hex(child)]]);
      assert.equal(r.package_msg, 'transaction failed');
      assert.match(r['tx-results'][wtxidOf(child)].error, /^min relay fee not met, \d+ < \d+$/);
      assert.match(r['tx-results'][wtxidOf(parent)].error, /^min relay fee not met, 0 < \d+$/);
      assert.equal(node.mempoolEntry(Buffer.from(txidOf(parent), 'hex').reverse()), undefined);
    });

    test('one tx, a replacement: replaced-transactions lists what it evicted', async () => {
      const c = coin();
      const first = node.wallet.createPayment([{ address: to(10), value: 400_000 }], { coins: [c], feeRate: 2 });
      const one = await call<Obj>('submitpackage', [[hex(first)]]);
      assert.equal(one.package_msg, 'success');
      assert.deepEqual(one['tx-results'][wtxidOf(first)].fees['effective-includes'], [wtxidOf(first)]);
      const second = node.wallet.createPayment([{ address: to(11), value: 400_000 }], { coins: [c], feeRate: 20 });
      const r = await call<Obj>('submitpackage', [[hex(second)]]);
      assert.equal(r.package_msg, 'success');
      assert.deepEqual(r['replaced-transactions'], [txidOf(first)]);
      const bad = await call<Obj>('submitpackage', [[hex(first)]]);
      assert.equal(bad.package_msg, 'transaction failed');
      assert.match(bad['tx-results'][wtxidOf(first)].error, /^insufficient fee, rejecting replacement [0-9a-f]{64}, less fees than conflicting txs; /);
    });

    test('package policy failures and argument errors', async () => {
      const { parent, child } = parentAndChild();
      await assert.rejects(call('submitpackage', [[hex(child), hex(parent)]]), {
        code: -25, message: 'package topology disallowed. not child-with-parents or parents depend on each other.',
      });
      const dup = await call<Obj>('submitpackage', [[hex(parent), hex(parent), hex(child)]]);
      assert.equal(dup.package_msg, 'package-contains-duplicates');
      assert.deepEqual(dup['tx-results'][wtxidOf(child)], { txid: txidOf(child), error: 'package-not-validated' });
      assert.deepEqual(dup['tx-results'][wtxidOf(parent)], { txid: txidOf(parent), error: 'package-not-validated' });
      await assert.rejects(call('submitpackage', [[]]), { code: -8, message: 'Array must contain between 1 and 25 transactions.' });
      await assert.rejects(call('submitpackage', [['zz']]), { code: -22, message: 'TX decode failed: zz Make sure the tx has at least one input.' });
      const burn = node.wallet.createPayment([{ script: bitcoin.payments.embed({ data: [Buffer.from('x')] }).output!, value: 1000 }], { coins: [coin()] });
      await assert.rejects(call('submitpackage', [[hex(burn)]]), { code: -25, message: 'Unspendable output exceeds maximum configured by user (maxburnamount)' });
      assert.equal((await call<Obj>('submitpackage', [[hex(burn)], 0.1, 0.00001])).package_msg, 'success');
      // maxfeerate: a tx paying more is refused on its own.
      const rich = node.wallet.createPayment([{ address: to(12), value: 200_000 }], { coins: [coin()], feeRate: 5 });
      const capped = await call<Obj>('submitpackage', [[hex(rich)], 0.00001]);
      assert.equal(capped.package_msg, 'transaction failed');
      assert.deepEqual(capped['tx-results'][wtxidOf(rich)], { txid: txidOf(rich), error: 'max feerate exceeded' });
    });
  });

  describe('sendrawtransaction errors as Core 31 words them', () => {
    test('-22, -25, -26, -27 and the fee cap', async () => {
      await assert.rejects(call('sendrawtransaction', ['']), { code: -22, message: 'TX decode failed. Make sure the tx has at least one input.' });
      const raw = node.wallet.createPayment([{ address: to(13), value: 200_000 }], { coins: [coin()], feeRate: 5 });
      const orphan = bitcoin.Transaction.fromBuffer(raw);
      orphan.ins[0]!.hash = Buffer.alloc(32, 3);
      await assert.rejects(call('sendrawtransaction', [orphan.toHex()]), { code: -25, message: 'bad-txns-inputs-missingorspent' });
      await assert.rejects(call('sendrawtransaction', [hex(raw), 0.00001]), { code: -25, message: 'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)' });
      await assert.rejects(call('sendrawtransaction', [hex(raw), 1]), { code: -8, message: 'Fee rates larger than or equal to 1BTC/kvB are not accepted' });
      const txid = await call<string>('sendrawtransaction', [hex(raw)]);
      assert.equal(await call('sendrawtransaction', [hex(raw)]), txid);
      await call('generatetoaddress', [1, node.wallet.address('p2wpkh')]);
      await assert.rejects(call('sendrawtransaction', [hex(raw)]), { code: -27, message: 'Transaction outputs already in utxo set' });
      const [known] = await call<Obj[]>('testmempoolaccept', [[hex(raw)]]);
      assert.equal(known!['reject-reason'], 'txn-already-known');
    });
  });
});

describe('without -txindex (prune mode, as the harness runs bitcoind)', () => {
  test('getindexinfo is empty; confirmed txs need their block hash', async () => {
    const node = await DevnetNode.create({ seed: 'no-txindex' });
    node.wallet.fund();
    const server = await DevnetServer.start({ node, prune: true, log: silentLogger() });
    const rpc = new RpcClient(server.rpcUrl, { cookieFile: server.cookieFile });
    try {
      assert.deepEqual(await rpc.call('getindexinfo'), {});
      assert.deepEqual(await rpc.call('getindexinfo', ['txindex']), {});
      const confirmed = toDisplayHex(node.wallet.pay([{ address: node.wallet.address('p2tr', 1), value: 100_000 }]));
      const [hash] = node.generateToAddress(1, node.wallet.address('p2wpkh'));
      await assert.rejects(rpc.call('getrawtransaction', [confirmed]), {
        code: -5,
        message: 'No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction queries. Use gettransaction for wallet transactions.',
      });
      assert.equal((await rpc.call<Obj>('getrawtransaction', [confirmed, 1, toDisplayHex(hash!)])).txid, confirmed);
      const pending = toDisplayHex(node.wallet.pay([{ address: node.wallet.address('p2tr', 2), value: 100_000 }]));
      assert.equal((await rpc.call<Obj>('getrawtransaction', [pending, true])).txid, pending);
    } finally {
      rpc.close();
      await server.stop();
    }
  });

  test('with -txindex getindexinfo reports it synced at the tip', async () => {
    const node = await DevnetNode.create({ seed: 'txindex' });
    node.generateToAddress(3, node.wallet.address('p2wpkh'));
    const server = await DevnetServer.start({ node, log: silentLogger() });
    const rpc = new RpcClient(server.rpcUrl, { cookieFile: server.cookieFile });
    try {
      assert.deepEqual(await rpc.call('getindexinfo'), { txindex: { synced: true, best_block_height: 3 } });
      assert.deepEqual(await rpc.call('getindexinfo', ['coinstatsindex']), {});
    } finally {
      rpc.close();
      await server.stop();
    }
  });
});
