// (d) A reorg of depth 3 while sessions are subscribed and the real Electrum wallet is connected:
// payments to the wallet's addresses sit in the last three blocks; the competing branch (four blocks)
// takes one of them again, at another height, and leaves the others in the mempool, where the
// daemon puts them back. Afterwards every script's balance, history and status is the new chain's,
// the headers subscriber has the new tip, each subscriber whose status changed was notified with
// the final status (and no other was), the disconnected transactions are in Anode's mempool as the
// daemon reports them, and the Electrum wallet agrees with the node (balance, heights).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegtestPair, type RegtestPair } from '../helpers/regtest.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { TestClient } from '../helpers/electrum-client.js';
import { walkChain, addressScripthash, type ChainWalk } from '../helpers/chain-walk.js';
import { mineOnly } from '../helpers/chain-ops.js';
import { ElectrumWallet, findElectrum, type HistoryItem } from '../helpers/electrum-wallet.js';
import { fromDisplayHex } from '../../src/chain/hash.js';
import { txKeyOf } from '../../src/mempool/tx.js';
import { expectServed, isHeaderAt, lastStatus, stopwatch } from './checks.js';

/** An Electrum segwit seed (as in test/e2e/electrum-wallet.test.ts). */
const SEED = 'position valve leave dilemma burger toward gossip soldier arrange hollow claim cruise';
const electrum = findElectrum();
const skip = !electrum && process.env.CI !== 'true' ? 'electrum is not installed (apt-get install electrum); CI=true makes this a failure' : false;

test('a reorg of depth 3 under subscribed sessions and the Electrum wallet', { skip, timeout: 240_000 }, async () => {
  if (!electrum) assert.fail('CI=true but `electrum` is not on PATH');
  const clock = stopwatch('reorg-wallet');
  // The wallet's offline set-up runs while the chain and the stack start.
  const preparing = ElectrumWallet.restored(SEED, { bin: electrum });
  let pair: RegtestPair | null = null;
  let stack: Stack | null = null;
  let wallet: ElectrumWallet | null = null;
  let c: TestClient | null = null;
  try {
    pair = await startRegtestPair({ blocks: 110 });
    stack = await startStack({ regtest: pair.regtest, daemons: pair.nodes });
    const s = stack;
    const r = pair.regtest;
    const prepared = await preparing;
    wallet = prepared.w;
    const w = prepared.w;
    const addresses = prepared.addresses;
    await w.setServer(stack.port('tcp'));
    await w.startDaemon();
    await w.loadWallet();
    const h0 = await r.rpc<number>('getblockcount');
    await w.waitSynced(h0);
    clock.lap(`the Electrum wallet is synced at ${h0}`);

    // Sessions: headers, the wallet's first addresses, and some of the harness's.
    c = await TestClient.open(stack.port(), '1.4', 'reorg-session');
    const client = c;
    await c.request('blockchain.headers.subscribe');
    const others = await Promise.all([0, 1].map(() => r.newAddress()));
    const shs = [...addresses.slice(0, 6), ...others].map(addressScripthash);
    for (const sh of shs) await c.request('blockchain.scripthash.subscribe', [sh]);

    // Payments made at tip h0 (so every one is final again right after the fork), mined one block at a
    // time in the order they were made (the harness wallet may spend its own unconfirmed change).
    const pay = (i: number, sats: number) => r.pay(addresses[i]!, sats);
    const p1 = await pay(0, 1_100_000);
    const p2 = await pay(1, 1_200_000);
    const toOther = await r.pay(others[0]!, 600_000);
    const p3 = await pay(2, 1_300_000);
    const p5 = await pay(0, 500_000);
    const p4 = await pay(3, 1_400_000);
    await mineOnly(r, [p1]);
    await mineOnly(r, [p2, toOther]);
    await mineOnly(r, [p3, p5]);
    await pair.waitSynced();
    await stack.settle();
    const before = await walkChain(r);
    assert.equal(before.height, h0 + 3);
    const where = (walk: ChainWalk, txid: string): number => walk.txs.get(txid)!.height;
    const walletView = async (walk: ChainWalk, what: string): Promise<void> => {
      const mine = [p1, p2, p3, p4, p5];
      const expected = { confirmed: 0, unconfirmed: 0 };
      for (const a of addresses.slice(0, 4)) {
        const b = walk.balance(addressScripthash(a));
        expected.confirmed += b.confirmed;
        expected.unconfirmed += b.unconfirmed;
      }
      await w.poll(what, 30_000, async () => {
        const [items, b] = await Promise.all([w.history(), w.balance()]);
        const byTxid = new Map<string, HistoryItem>(items.map((h) => [h.txid, h]));
        const ok = items.length === mine.length && mine.every((t) => {
          const h = byTxid.get(t);
          const height = where(walk, t);
          return h !== undefined && h.height === height && h.confirmations === (height > 0 ? walk.height - height + 1 : 0);
        });
        return ok && b.confirmed === expected.confirmed && b.unconfirmed === expected.unconfirmed && b.unmatured === 0 ? true : false;
      }, async () => JSON.stringify({ tip: walk.height, want: mine.map((t) => [t, where(walk, t)]), expected, history: (await w.history()).map((h) => [h.txid, h.height, h.confirmations]), balance: await w.balance() }));
    };
    await w.waitSynced(before.height);
    await walletView(before, 'the wallet to show the payments before the reorg');
    for (const sh of shs) assert.equal(await c.request('blockchain.scripthash.subscribe', [sh]), before.status(sh));
    clock.lap('payments in the last three blocks, seen by the wallet');

    // The reorg: the last 3 blocks replaced by 4, p1 again in the second, the rest left out.
    c.notifications.length = 0;
    await pair.reorgTo(3, [[], [p1], [], []]);
    await pair.waitSynced();
    await stack.settle();
    const after = await walkChain(r);
    assert.equal(after.height, h0 + 4);
    assert.equal(where(after, p1), h0 + 2, 'p1 moved to the new branch\'s second block');
    const daemonPool = new Set(await r.rpc<string[]>('getrawmempool'));
    for (const t of [p2, p3, p4, p5, toOther]) {
      assert.ok(daemonPool.has(t), `${t} is back in the daemon's mempool`);
      assert.ok(s.chain.mempool.has(txKeyOf(fromDisplayHex(t))), `${t} is back in Anode's mempool`);
    }
    assert.equal(s.chain.mempool.size, daemonPool.size);
    clock.lap('reorganised; the disconnected transactions are back in the mempool');

    // The headers subscriber got the new tip; every changed status was notified, with its final value.
    const header = client.notifications.filter(isHeaderAt(after.height)).pop();
    assert.ok(header, 'the headers subscriber got the new tip');
    assert.equal((header.params[0] as { hex: string }).hex, await r.rpc('getblockheader', [after.blockHashes[after.height], false]));
    for (const sh of shs) {
      const changed = before.status(sh) !== after.status(sh);
      if (changed) assert.equal(lastStatus(client, sh), after.status(sh), `${sh} notified with its final status`);
      else assert.equal(lastStatus(client, sh), undefined, `${sh}: no notification, its status did not change`);
    }
    assert.ok(shs.filter((sh) => before.status(sh) !== after.status(sh)).length >= 4);

    // Every script of the chain, and the Electrum wallet.
    await expectServed(stack.port(), () => s.inUse(), 'after the reorg');
    await w.waitSynced(after.height);
    await walletView(after, 'the wallet to follow the reorg');
    clock.lap('every script right, and the wallet agrees');

    // The next block confirms them all again; the wallet and the statuses follow.
    await r.mine(1);
    await pair.waitSynced();
    await stack.settle();
    const last = await walkChain(r);
    await expectServed(stack.port(), () => s.inUse(), 'after the block following the reorg');
    await w.waitSynced(last.height);
    await walletView(last, 'the wallet to confirm them again');
    for (const sh of shs) if (after.status(sh) !== last.status(sh)) assert.equal(lastStatus(client, sh), last.status(sh));
    clock.lap('confirmed again');
  } catch (e) {
    if (wallet) process.stdout.write(`electrum log tail:\n${wallet.logs().split('\n').slice(-40).join('\n')}\n`);
    throw e;
  } finally {
    c?.close();
    await (wallet ?? (await preparing.then((p) => p.w, () => null)))?.stop();
    await stack?.stop();
    await pair?.stop();
  }
});
