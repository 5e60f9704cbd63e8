// An Electrum client library from npm that nobody here wrote (electrum-cash: TCP and WebSocket)
// syncs a wallet of ten addresses of every type against Anode, once per transport and protocol
// version: server.version, headers and scripthash subscriptions, histories, every transaction,
// merkle proofs checked against the block headers, balances and UTXOs — all compared with what
// the daemon itself says (getblock verbosity 2, getrawtransaction verbose). Then a payment and a
// block must reach the library as notifications. Runs on devnet, or bitcoind with BITCOIND set.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import { startStack, type Stack } from '../helpers/stack.js';
import type { AddressType } from '../helpers/regtest.js';
import { SOFTWARE } from '../../src/version.js';
import {
  LibClient,
  OwnKey,
  electrumCashVersion,
  headerMerkleRoot,
  merkleRootFromBranch,
  modelFromDaemon,
  scripthashOf,
  statusOf,
  utxoKey,
  type DaemonModel,
  type LibNotification,
} from '../helpers/npm-client.js';

interface WalletAddress {
  /** 'own': a key of the test's own (bech32), which it spends from to chain mempool transactions. */
  readonly type: AddressType | 'own';
  readonly address: string;
  readonly script: string;
  readonly scripthash: string;
}

interface HistoryItem {
  tx_hash: string;
  height: number;
  fee?: number;
}

interface Utxo {
  tx_hash: string;
  tx_pos: number;
  height: number;
  value: number;
}

interface HeaderInfo {
  height: number;
  hex: string;
}

const TYPES: readonly AddressType[] = ['legacy', 'p2sh-segwit', 'bech32', 'bech32m', 'legacy', 'p2sh-segwit', 'bech32', 'bech32m', 'bech32', 'legacy'];
const SH_SUB = 'blockchain.scripthash.subscribe';
const HEADERS_SUB = 'blockchain.headers.subscribe';
const NOTIFY_TIMEOUT_MS = 15_000;

describe(`electrum-cash ${electrumCashVersion} (from npm) syncs a wallet over TCP and WebSocket`, () => {
  let stack: Stack;
  let fromHeight = 0;
  const wallet: WalletAddress[] = [];
  const scripts = new Map<string, string>();
  const own = OwnKey.random();
  const ownWallet = (): WalletAddress => wallet[wallet.length - 1]!;
  const model = (): Promise<DaemonModel> => modelFromDaemon(stack.regtest.rpc.bind(stack.regtest), scripts, fromHeight);

  before(async () => {
    const t0 = Date.now();
    stack = await startStack({
      services: [
        { protocol: 'tcp', host: '127.0.0.1', port: 0 },
        { protocol: 'ws', host: '127.0.0.1', port: 0 },
      ],
    });
    const r = stack.regtest;
    fromHeight = (await r.rpc<number>('getblockcount')) + 1;
    for (const type of TYPES) {
      const address = await r.newAddress(type);
      const { script, scripthash } = scripthashOf(address);
      wallet.push({ type, address, script, scripthash });
      scripts.set(script, scripthash);
    }
    {
      const { script, scripthash } = scripthashOf(own.address);
      wallet.push({ type: 'own', address: own.address, script, scripthash });
      scripts.set(script, scripthash);
    }
    const pay = (i: number, sats: number) => r.pay(wallet[i]!.address, sats);
    // Block 1: most addresses, the first one twice in the same block.
    await pay(0, 1_000_000);
    await pay(0, 20_000);
    for (let i = 1; i <= 6; i++) await pay(i, 1_000_000 * i + 1234 * i);
    for (let k = 0; k < 3; k++) await r.pay(own.address, 2_000_000 + k);
    await r.mine(1);
    // Block 2: some again, one for the first time.
    for (const i of [0, 2, 4]) await pay(i, 30_000 + i);
    await pay(7, 8_000_000);
    for (let k = 0; k < 3; k++) await r.pay(own.address, 3_000_000 + k);
    await r.mine(1);
    // Block 3, then an empty one.
    for (const i of [1, 3]) await pay(i, 60_000 + i);
    await pay(8, 900_000);
    await r.mine(2);
    // Left unconfirmed; the last address stays unpaid for now.
    await pay(5, 110_000);
    await pay(8, 120_000);
    // A chain of two: a confirmed output of our own key spent in the mempool (negative unconfirmed
    // balance), then that spend's output spent again (height -1).
    for (const hex of chainOfTwo(await model(), 4, 7)) await r.rpc('sendrawtransaction', [hex]);
    await stack.settle();
    console.log(`# ${stack.regtest.kind}: chain and stack ready in ${Date.now() - t0} ms`);
  });

  /** Two signed mempool transactions: own confirmed UTXO -> own + wallet[to1], then own -> wallet[to2]. */
  function chainOfTwo(m: DaemonModel, to1: number, to2: number): [string, string] {
    const mine = m.scripts.get(ownWallet().scripthash)!;
    const u = mine.utxos.find((x) => x.height > 0);
    if (!u) throw new Error('our key has no confirmed output left');
    const change = u.value - 10_000 - 500;
    const first = own.spend([{ txid: u.tx_hash, vout: u.tx_pos, value: u.value }], [{ address: own.address, value: change }, { address: wallet[to1]!.address, value: 10_000 }]);
    const second = own.spend([{ txid: first.getId(), vout: 0, value: change }], [{ address: wallet[to2]!.address, value: change - 500 }]);
    return [first.toHex(), second.toHex()];
  }

  after(async () => {
    await stack?.stop();
  });

  /** Checks every answer for the wallet against the daemon; `statuses` are what the client was told. */
  async function checkWallet(client: LibClient, m: DaemonModel, statuses: ReadonlyMap<string, string | null>, label: string): Promise<void> {
    const seen = new Map<string, number>(); // txid -> height from the histories
    for (const w of wallet) {
      const what = `${label}: ${w.type} ${w.address}`;
      const exp = m.scripts.get(w.scripthash)!;
      const status = statuses.get(w.scripthash);
      assert.equal(status, exp.status, `${what}: status`);
      const history = await client.call<HistoryItem[]>('blockchain.scripthash.get_history', w.scripthash);
      assert.deepEqual(
        history.map((h) => ({ tx_hash: h.tx_hash, height: h.height })),
        exp.history,
        `${what}: history (txids and heights, chain order, mempool last)`,
      );
      assert.equal(statusOf(history), status, `${what}: status recomputed from the returned history`);
      for (const h of history) {
        if (h.height > 0) {
          assert.equal(h.fee, undefined, `${what}: confirmed entry ${h.tx_hash} has no fee`);
        } else {
          const entry = await stack.regtest.rpc<{ fees: { base: number } }>('getmempoolentry', [h.tx_hash]);
          assert.equal(h.fee, Math.round(entry.fees.base * 1e8), `${what}: fee of mempool entry ${h.tx_hash}`);
        }
        seen.set(h.tx_hash, h.height);
      }
      const balance = await client.call<{ confirmed: number; unconfirmed: number }>('blockchain.scripthash.get_balance', w.scripthash);
      assert.deepEqual(balance, { confirmed: exp.confirmed, unconfirmed: exp.unconfirmed }, `${what}: balance`);
      const utxos = await client.call<Utxo[]>('blockchain.scripthash.listunspent', w.scripthash);
      const sorted = (list: readonly Utxo[]) => [...list].sort((a, b) => (utxoKey(a) < utxoKey(b) ? -1 : 1));
      assert.deepEqual(sorted(utxos), sorted(exp.utxos), `${what}: listunspent`);
      const firstMempool = utxos.findIndex((u) => u.height === 0);
      if (firstMempool >= 0) assert.ok(utxos.slice(firstMempool).every((u) => u.height === 0), `${what}: mempool UTXOs come last`);
      const confirmedHeights = utxos.filter((u) => u.height > 0).map((u) => u.height);
      assert.deepEqual(confirmedHeights, [...confirmedHeights].sort((a, b) => a - b), `${what}: confirmed UTXOs in chain order`);
    }
    assert.ok(seen.size >= 15, `${label}: the wallet has ${seen.size} transactions`);
    for (const [txid, height] of seen) {
      const exp = m.txs.get(txid)!;
      const hex = await client.call<string>('blockchain.transaction.get', txid);
      assert.equal(hex, exp.hex, `${label}: transaction.get ${txid}`);
      assert.equal(bitcoin.Transaction.fromHex(hex).getId(), txid, `${label}: ${txid} hashes to its id`);
      const verbose = await client.call<{ txid: string; hex: string }>('blockchain.transaction.get', txid, true);
      assert.equal(verbose.txid, txid, `${label}: verbose transaction.get ${txid}`);
      assert.equal(verbose.hex, exp.hex, `${label}: verbose transaction.get ${txid} hex`);
      if (height <= 0) continue;
      const proof = await client.call<{ block_height: number; merkle: string[]; pos: number }>('blockchain.transaction.get_merkle', txid, height);
      assert.equal(proof.block_height, height, `${label}: get_merkle ${txid} block_height`);
      assert.equal(proof.pos, exp.pos, `${label}: get_merkle ${txid} pos`);
      const header = await client.call<string>('blockchain.block.header', height);
      assert.equal(header, m.headers.get(height), `${label}: block.header ${height}`);
      assert.ok(
        merkleRootFromBranch(txid, proof.merkle, proof.pos).equals(headerMerkleRoot(header)),
        `${label}: merkle branch of ${txid} (pos ${proof.pos}, ${proof.merkle.length} levels) leads to the merkle root of block ${height}`,
      );
    }
  }

  /** The last status the library delivered for each scripthash. */
  function latestStatuses(client: LibClient): Map<string, string | null> {
    const out = new Map<string, string | null>();
    for (const n of client.notifications) if (n.method === SH_SUB) out.set(n.params[0] as string, n.params[1] as string | null);
    return out;
  }

  async function waitForStatuses(client: LibClient, m: DaemonModel, label: string): Promise<void> {
    const deadline = Date.now() + NOTIFY_TIMEOUT_MS;
    for (;;) {
      const latest = latestStatuses(client);
      const wrong = wallet.filter((w) => latest.get(w.scripthash) !== m.scripts.get(w.scripthash)!.status);
      if (wrong.length === 0) return;
      if (Date.now() > deadline) {
        assert.fail(`${label}: the library's statuses for ${wrong.map((w) => `${w.type} ${w.address}`).join(', ')} are not the daemon's after ${NOTIFY_TIMEOUT_MS} ms`);
      }
      await client.waitFor(() => true, client.notifications.length, Math.max(1, deadline - Date.now()), 'more notifications').catch(() => undefined);
    }
  }

  const runs: ReadonlyArray<{ scheme: 'tcp' | 'ws'; version: string; payee: number }> = [
    { scheme: 'tcp', version: '1.4', payee: 6 },
    { scheme: 'tcp', version: '1.6', payee: 9 }, // the address left unpaid so far
    { scheme: 'ws', version: '1.4', payee: 3 },
    { scheme: 'ws', version: '1.6', payee: 0 },
  ];

  for (const { scheme, version, payee } of runs) {
    test(`${scheme}, protocol ${version}: sync, proofs, balances, UTXOs, then notifications`, async () => {
      const label = `${scheme}/${version}`;
      const t0 = Date.now();
      const client = await LibClient.connect(scheme, stack.port(scheme), version);
      try {
        assert.deepEqual(client.negotiated, { software: SOFTWARE, protocol: version }, `${label}: server.version`);
        let m = await model();

        // What a wallet asks first: the server's chain, then the headers it is missing.
        const features = await client.call<{ genesis_hash: string; hash_function: string; server_version: string; protocol_min: string; protocol_max: string }>('server.features');
        assert.equal(features.genesis_hash, await stack.regtest.rpc<string>('getblockhash', [0]), `${label}: server.features genesis_hash`);
        assert.equal(features.hash_function, 'sha256');
        assert.equal(features.server_version, SOFTWARE);
        const tip = (await client.subscribe(HEADERS_SUB)) as HeaderInfo;
        assert.deepEqual(tip, { height: m.tipHeight, hex: m.tipHeaderHex }, `${label}: headers.subscribe`);
        const count = m.tipHeight - fromHeight + 1;
        const chunk = await client.call<{ count: number; max: number; hex?: string; headers?: string[] }>('blockchain.block.headers', fromHeight, count);
        const expectedHeaders = Array.from({ length: count }, (_, i) => m.headers.get(fromHeight + i)!);
        assert.equal(chunk.count, count, `${label}: block.headers count`);
        if (version === '1.4') assert.equal(chunk.hex, expectedHeaders.join(''), `${label}: block.headers hex (1.4)`);
        else assert.deepEqual(chunk.headers, expectedHeaders, `${label}: block.headers headers (1.6)`);

        const statuses = new Map<string, string | null>();
        for (const w of wallet) statuses.set(w.scripthash, (await client.subscribe(SH_SUB, w.scripthash)) as string | null);
        await checkWallet(client, m, statuses, `${label} initial sync`);
        const tSync = Date.now();

        // A payment from the harness wallet, and a chain of two of our own broadcast through the
        // library: the statuses change with them in the mempool.
        const target = wallet[payee]!;
        const mark = client.notifications.length;
        const txid = await stack.regtest.pay(target.address, 333_000 + payee);
        const chain = chainOfTwo(m, (payee + 1) % 10, (payee + 2) % 10);
        const chainIds: string[] = [];
        for (const hex of chain) {
          const id = bitcoin.Transaction.fromHex(hex).getId();
          assert.equal(await client.call<string>('blockchain.transaction.broadcast', hex), id, `${label}: broadcast answers the txid`);
          chainIds.push(id);
        }
        await stack.settle();
        m = await model();
        const pending = m.scripts.get(target.scripthash)!;
        assert.ok(pending.history.some((h) => h.tx_hash === txid && h.height <= 0), `${label}: the daemon has ${txid} unconfirmed`);
        const ownPending = m.scripts.get(ownWallet().scripthash)!;
        const ownMempool = ownPending.history.filter((h) => chainIds.includes(h.tx_hash));
        assert.deepEqual(ownMempool, [{ tx_hash: chainIds[0], height: 0 }, { tx_hash: chainIds[1], height: -1 }], `${label}: the daemon has our chain in the mempool`);
        assert.ok(ownPending.unconfirmed < 0, `${label}: our key's unconfirmed balance is negative`);
        const onPay = await client.waitFor(
          (n: LibNotification) => n.method === SH_SUB && n.params[0] === target.scripthash && n.params[1] === pending.status,
          mark, NOTIFY_TIMEOUT_MS, `${label}: scripthash notification for the payment ${txid}`,
        );
        assert.equal(onPay.params.length, 2);
        await waitForStatuses(client, m, `${label} after the payment`);
        await checkWallet(client, m, latestStatuses(client), `${label} in the mempool`);

        // A block: a headers notification for the new tip, and the confirmed status.
        const mark2 = client.notifications.length;
        const [hash] = await stack.regtest.mine(1);
        await stack.settle();
        m = await model();
        assert.equal(m.tipHash, hash);
        const headerNote = await client.waitFor(
          (n: LibNotification) => n.method === HEADERS_SUB && (n.params[0] as HeaderInfo).height === m.tipHeight,
          mark2, NOTIFY_TIMEOUT_MS, `${label}: headers notification for block ${m.tipHeight}`,
        );
        assert.deepEqual(headerNote.params, [{ height: m.tipHeight, hex: m.tipHeaderHex }], `${label}: headers notification`);
        const confirmedEntry = m.scripts.get(target.scripthash)!.history.find((h) => h.tx_hash === txid);
        assert.deepEqual(confirmedEntry, { tx_hash: txid, height: m.tipHeight }, `${label}: the payment is in the new block`);
        await client.waitFor(
          (n: LibNotification) => n.method === SH_SUB && n.params[0] === target.scripthash && n.params[1] === m.scripts.get(target.scripthash)!.status,
          mark2, NOTIFY_TIMEOUT_MS, `${label}: scripthash notification for the confirmation of ${txid}`,
        );
        await waitForStatuses(client, m, `${label} after the block`);
        const stray = client.notifications.slice(mark).filter((n) => n.method !== SH_SUB && n.method !== HEADERS_SUB);
        assert.deepEqual(stray, [], `${label}: no other notifications`);

        // And the whole wallet again, as the notified statuses say it is now.
        await checkWallet(client, m, latestStatuses(client), `${label} after the block`);
        console.log(`# ${label}: initial sync ${tSync - t0} ms, whole run ${Date.now() - t0} ms, ${client.notifications.length} notifications`);
      } finally {
        await client.close();
      }
    });
  }
});
