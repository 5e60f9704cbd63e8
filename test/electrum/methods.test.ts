// Every scripthash, header, proof and transaction method against a chain with every kind of
// history, each answer checked independently: histories, statuses, balances and UTXOs from a walk
// of the daemon's own RPC (test/helpers/chain-walk.ts), merkle branches folded back to the
// daemon's merkle roots, header proofs to roots computed from the daemon's block hashes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fromDisplayHex, toDisplayHex } from '../../src/chain/hash.js';
import { merkleRoot, rootFromBranch } from '../../src/chain/merkle.js';
import { headerHash } from '../../src/chain/header.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { TestClient } from '../helpers/electrum-client.js';
import { walkChain, type ChainWalk } from '../helpers/chain-walk.js';
import { spendUnconfirmed, unsentPayment } from '../helpers/chain-ops.js';
import type { AddressType } from '../helpers/regtest.js';

const TYPES: AddressType[] = ['legacy', 'p2sh-segwit', 'bech32', 'bech32m'];

/** Sends many requests at once and collects their answers (the session pipelines them). */
async function all<T>(c: TestClient, calls: Array<[string, unknown[]]>): Promise<T[]> {
  return Promise.all(calls.map(([m, p]) => c.request<T>(m, p)));
}

describe('Electrum methods against an independent walk of the chain', () => {
  let stack: Stack;
  let c14: TestClient;
  let c16: TestClient;
  let walk: ChainWalk;
  const addresses: string[] = [];

  before(async () => {
    stack = await startStack();
    const r = stack.regtest;
    for (let i = 0; i < 12; i++) addresses.push(await r.newAddress(TYPES[i % 4]));
    // Several payments per address over several blocks, some addresses reused across blocks.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < addresses.length; i++) if ((i + round) % 3 !== 0) await r.pay(addresses[i]!, 100_000 + i * 1000 + round);
      await r.mine(1);
    }
    // 30 more blocks: cp_height proofs cross the 32-, 64-, 96- and 128-block boundaries.
    await r.mine(30);
    // The mempool: plain payments, and a child of an unconfirmed parent (height -1).
    await r.pay(addresses[0]!, 77_000);
    const parent = await r.pay(addresses[1]!, 500_000);
    await spendUnconfirmed(r, parent, addresses[1]!, addresses[2]!);
    await stack.settle();
    c14 = await TestClient.open(stack.port(), '1.4');
    c16 = await TestClient.open(stack.port(), ['1.4', '1.6']);
    walk = await walkChain(r);
  });

  after(async () => {
    c14?.close();
    c16?.close();
    await stack?.stop();
  });

  test('the chain has what the checks need', () => {
    const mempool = [...walk.txs.values()].filter((t) => !t.confirmed);
    assert.ok(mempool.some((t) => t.height === -1), 'a mempool tx with an unconfirmed parent');
    assert.ok(mempool.some((t) => t.height === 0));
    assert.ok(walk.height >= 130);
    assert.ok(walk.scripts.size > 20);
  });

  test('get_history, get_mempool, get_balance, listunspent and subscribe for every script in the chain', async () => {
    const shs = [...walk.scripts.keys()];
    const [histories, mempools, balances, utxos, statuses] = await Promise.all([
      all(c14, shs.map((s) => ['blockchain.scripthash.get_history', [s]])),
      all(c14, shs.map((s) => ['blockchain.scripthash.get_mempool', [s]])),
      all(c14, shs.map((s) => ['blockchain.scripthash.get_balance', [s]])),
      all(c14, shs.map((s) => ['blockchain.scripthash.listunspent', [s]])),
      all(c14, shs.map((s) => ['blockchain.scripthash.subscribe', [s]])),
    ]);
    shs.forEach((sh, i) => {
      assert.deepEqual(histories[i], walk.history(sh), `history of ${sh}`);
      assert.deepEqual(mempools[i], walk.mempool(sh), `mempool of ${sh}`);
      assert.deepEqual(balances[i], walk.balance(sh), `balance of ${sh}`);
      assert.deepEqual(utxos[i], walk.listunspent(sh), `utxos of ${sh}`);
      assert.equal(statuses[i], walk.status(sh), `status of ${sh}`);
    });
    // Asked again now that the scripts are subscribed (answered from the subscriptions).
    const again = await all(c14, shs.map((sh) => ['blockchain.scripthash.get_history', [sh]]));
    shs.forEach((sh, i) => assert.deepEqual(again[i], walk.history(sh), `history of subscribed ${sh}`));
    // A script nobody used: empty answers and a null status.
    const unused = '00'.repeat(32);
    assert.deepEqual(await c14.request('blockchain.scripthash.get_history', [unused]), []);
    assert.equal(await c14.request('blockchain.scripthash.subscribe', [unused]), null);
    assert.deepEqual(await c14.request('blockchain.scripthash.get_balance', [unused]), { confirmed: 0, unconfirmed: 0 });
    // Unsubscribe (1.4.2+): true once, then false.
    const c142 = await TestClient.open(stack.port(), '1.4.2');
    await c142.request('blockchain.scripthash.subscribe', [shs[0]]);
    assert.equal(await c142.request('blockchain.scripthash.unsubscribe', [shs[0]]), true);
    assert.equal(await c142.request('blockchain.scripthash.unsubscribe', [shs[0]]), false);
    assert.equal((await c14.call('blockchain.scripthash.unsubscribe', [shs[0]])).error?.code, -32601, '1.4 has no unsubscribe');
    c142.close();
  });

  test('block.header and block.headers match the daemon, as a hex blob before 1.6 and a list from 1.6', async () => {
    const headers = await Promise.all(walk.blockHashes.map((h) => stack.regtest.rpc<string>('getblockheader', [h, false])));
    const got = await all<string>(c14, walk.blockHashes.map((_, h) => ['blockchain.block.header', [h]]));
    assert.deepEqual(got, headers);
    const blob = await c14.request<{ hex: string; count: number; max: number }>('blockchain.block.headers', [5, 20]);
    assert.deepEqual(blob, { hex: headers.slice(5, 25).join(''), count: 20, max: 2016 });
    const list = await c16.request<{ headers: string[]; count: number; max: number }>('blockchain.block.headers', [walk.height - 3, 10]);
    assert.deepEqual(list, { count: 4, max: 2016, headers: headers.slice(walk.height - 3) });
    assert.deepEqual(await c16.request('blockchain.block.headers', [walk.height + 1, 5]), { count: 0, max: 2016, headers: [] });
    const tip = await c14.request<{ hex: string; height: number }>('blockchain.headers.subscribe');
    assert.deepEqual(tip, { hex: headers[walk.height], height: walk.height });
  });

  test('cp_height proofs for every (height, cp_height) pair verify against roots of the daemon\'s block hashes', async () => {
    const leaves = walk.blockHashes.map((h) => fromDisplayHex(h));
    const roots = leaves.map((_, cp) => toDisplayHex(merkleRoot(leaves.slice(0, cp + 1))));
    const pairs: Array<[number, number]> = [];
    for (let cp = 1; cp <= walk.height; cp++) for (let h = 0; h <= cp; h++) pairs.push([h, cp]);
    for (let at = 0; at < pairs.length; at += 2000) {
      const chunk = pairs.slice(at, at + 2000);
      const proofs = await all<{ header: string; branch: string[]; root: string }>(c14, chunk.map(([h, cp]) => ['blockchain.block.header', [h, cp]]));
      chunk.forEach(([h, cp], i) => {
        const p = proofs[i]!;
        assert.equal(p.root, roots[cp], `root for cp ${cp}`);
        const leaf = headerHash(Buffer.from(p.header, 'hex'));
        assert.equal(toDisplayHex(rootFromBranch(leaf, p.branch.map(fromDisplayHex), h)), p.root, `branch of ${h} at cp ${cp}`);
      });
    }
    // block.headers proves its last header.
    const withProof = await c16.request<{ headers: string[]; branch: string[]; root: string }>('blockchain.block.headers', [60, 5, 100]);
    assert.equal(withProof.root, roots[100]);
    assert.equal(toDisplayHex(rootFromBranch(headerHash(Buffer.from(withProof.headers[4]!, 'hex')), withProof.branch.map(fromDisplayHex), 64)), roots[100]);
  });

  test('get_merkle and id_from_pos for every confirmed transaction fold back to the block\'s merkle root', async () => {
    const confirmed = [...walk.txs.values()].filter((t) => t.confirmed);
    const blocks = new Map<number, { merkleroot: string; tx: string[] }>();
    for (let h = 0; h <= walk.height; h++) blocks.set(h, await stack.regtest.rpc('getblock', [walk.blockHashes[h], 1]));
    const proofs = await all<{ block_height: number; merkle: string[]; pos: number }>(c14, confirmed.map((t) => ['blockchain.transaction.get_merkle', [t.txid, t.height]]));
    confirmed.forEach((t, i) => {
      const p = proofs[i]!;
      assert.equal(p.block_height, t.height);
      assert.equal(p.pos, t.position);
      assert.equal(toDisplayHex(rootFromBranch(fromDisplayHex(t.txid), p.merkle.map(fromDisplayHex), p.pos)), blocks.get(t.height)!.merkleroot);
    });
    const ids = await all<string>(c14, confirmed.map((t) => ['blockchain.transaction.id_from_pos', [t.height, t.position]]));
    assert.deepEqual(ids, confirmed.map((t) => t.txid));
    const withMerkle = await all<{ tx_hash: string; merkle: string[] }>(c14, confirmed.map((t) => ['blockchain.transaction.id_from_pos', [t.height, t.position, true]]));
    withMerkle.forEach((m, i) => assert.deepEqual(m, { tx_hash: confirmed[i]!.txid, merkle: proofs[i]!.merkle }));
  });

  test('transaction.get: raw from memory or the daemon, verbose passed through', async () => {
    const txs = [...walk.txs.values()].filter((t) => t.height !== 0 || !t.confirmed);
    const raws = await all<string>(c14, txs.map((t) => ['blockchain.transaction.get', [t.txid]]));
    assert.deepEqual(raws, txs.map((t) => t.hex));
    const t = txs.find((x) => x.confirmed)!;
    const verbose = await c14.request<{ txid: string; hex: string; blockhash: string }>('blockchain.transaction.get', [t.txid, true]);
    assert.equal(verbose.txid, t.txid);
    assert.equal(verbose.hex, t.hex);
    assert.equal(verbose.blockhash, walk.blockHashes[t.height]);
    const unknown = await c14.call('blockchain.transaction.get', ['11'.repeat(32)]);
    assert.equal(unknown.error?.code, 2);
    assert.match(unknown.error!.message, /^daemon error: DaemonError\(\{'code': -5, 'message': 'No such mempool or blockchain transaction/);
  });

  test('fees: estimatefee, relayfee (1.4), mempool.get_info (1.6), the fee histogram from the mempool', async () => {
    const est = await stack.regtest.rpc<{ feerate?: number }>('estimatesmartfee', [6]);
    assert.equal(await c14.request('blockchain.estimatefee', [6]), est.feerate ?? -1);
    const net = await stack.regtest.rpc<{ relayfee: number }>('getnetworkinfo');
    assert.equal(await c14.request('blockchain.relayfee'), net.relayfee);
    assert.equal((await c16.call('blockchain.relayfee')).error?.code, -32601);
    const info = await stack.regtest.rpc<{ mempoolminfee: number; minrelaytxfee: number; incrementalrelayfee: number }>('getmempoolinfo');
    assert.deepEqual(await c16.request('mempool.get_info'), { mempoolminfee: info.mempoolminfee, minrelaytxfee: info.minrelaytxfee, incrementalrelayfee: info.incrementalrelayfee });
    // The histogram, recomputed with ElectrumX's algorithm from the daemon's own fee figures.
    const byRate = new Map<number, number>();
    for (const { rate, vsize } of walk.mempoolFees()) byRate.set(rate, (byRate.get(rate) ?? 0) + vsize);
    const expected: Array<[number, number]> = [];
    let bin = 30_000;
    let cum = 0;
    let prev: number | null = null;
    for (const rate of [...byRate.keys()].sort((a, b) => b - a)) {
      const size = byRate.get(rate)!;
      if (size > 2 * bin && prev !== null && cum > 0) {
        expected.push([prev, cum]);
        cum = 0;
        bin *= 1.1;
      }
      cum += size;
      if (cum > bin) {
        expected.push([rate, cum]);
        cum = 0;
        bin *= 1.1;
      }
      prev = rate;
    }
    assert.deepEqual(await c14.request('mempool.get_fee_histogram'), expected);
  });

  test('server methods: version, features, banner, ping, peers, add_peer', async () => {
    const features = await c14.request<Record<string, unknown>>('server.features');
    assert.equal(features.genesis_hash, stack.regtest.coin.genesisHash);
    assert.equal(features.protocol_min, '1.4');
    assert.equal(features.protocol_max, '1.6.0');
    assert.equal(features.hash_function, 'sha256');
    assert.equal(features.pruning, null);
    assert.match(await c14.request<string>('server.banner'), /Anode/);
    assert.equal(await c14.request('server.donation_address'), '');
    assert.equal(await c14.request('server.ping'), null);
    assert.deepEqual(await c14.request('server.peers.subscribe'), []);
    assert.equal(await c14.request('server.add_peer', [{ hosts: {} }]), false);
  });

  test('broadcast: the txid, then the transaction in the mempool answers; a rejection carries the daemon\'s message', async () => {
    const to = await stack.regtest.newAddress('bech32');
    const raw = await unsentPayment(stack.regtest, to, 123_456);
    const txid = await c14.request<string>('blockchain.transaction.broadcast', [raw]);
    assert.ok((await stack.regtest.rpc<string[]>('getrawmempool')).includes(txid));
    await stack.settle();
    const w = await walkChain(stack.regtest);
    const touched = [...w.scripts.keys()].filter((sh) => w.mempool(sh).some((e) => e.tx_hash === txid));
    assert.ok(touched.length >= 1);
    for (const sh of touched) assert.deepEqual(await c14.request('blockchain.scripthash.get_mempool', [sh]), w.mempool(sh));
    assert.equal(await c14.request('blockchain.transaction.get', [txid]), raw);
    const again = await c14.call('blockchain.transaction.broadcast', [raw.slice(0, 40)]);
    assert.equal(again.error?.code, 1);
    assert.match(again.error!.message, /^the transaction was rejected by network rules\.\n\n.+\n\[[0-9a-f]{40}\]$/s);
    // 1.6's broadcast_package: one transaction, accepted.
    const raw2 = await unsentPayment(stack.regtest, to, 54_321);
    assert.deepEqual(await c16.request('blockchain.transaction.broadcast_package', [[raw2]]), { success: true });
    assert.equal((await c14.call('blockchain.transaction.broadcast_package', [[raw2]])).error?.code, -32601, 'not before 1.6');
  });
});
