// The real Electrum wallet (Debian's `electrum` 4.3.4, headless) against Anode: restore a seed whose
// addresses were paid before the wallet ever connected, sync it (Electrum checks headers, merkle
// proofs and statuses itself), receive, pay out through the server's broadcast, follow a reorg that
// drops that payment, and broadcast it again, with every step checked against the regtest node. Runs
// on devnet, or on a real bitcoind with BITCOIND set. KEEP_ELECTRUM=1 keeps the wallet's directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../helpers/stack.js';
import { ElectrumWallet, findElectrum, type Balance, type HistoryItem } from '../helpers/electrum-wallet.js';
import { electrumSegwitAddresses } from '../../src/cli/demo.js';
import { bitcoinjsNetwork } from '../../src/config/network.js';

/** An Electrum segwit seed, made once with `electrum --offline make_seed --seed_type segwit`. */
const SEED = 'position valve leave dilemma burger toward gossip soldier arrange hollow claim cruise';

const electrum = findElectrum();
const skip = !electrum && process.env.CI !== 'true' ? 'electrum is not installed (apt-get install electrum); CI=true makes this a failure' : false;

/** Log lines that mean the wallet found fault with the server (or dropped it). */
const SERVER_TROUBLE = /RequestCorrupted|protocol error|disconnect/i;

/** The height of the active-chain block holding txid. */
async function heightOf(stack: Stack, txid: string): Promise<number> {
  const tx = await stack.regtest.rpc<{ blockhash?: string }>('getrawtransaction', [txid, true]);
  assert.ok(tx.blockhash, `${txid} is not in a block`);
  const header = await stack.regtest.rpc<{ height: number; confirmations: number }>('getblockheader', [tx.blockhash]);
  assert.ok(header.confirmations >= 1, `${txid} is in the stale block ${tx.blockhash}`);
  return header.height;
}

async function tipHeight(stack: Stack): Promise<number> {
  return stack.regtest.rpc<number>('getblockcount');
}

/** Where the wallet should show a transaction: a block height, the mempool (0 or -1), or local only (-2). */
type Where = number | 'mempool' | 'local';

function byTxid(history: readonly HistoryItem[]): Map<string, HistoryItem> {
  return new Map(history.map((h) => [h.txid, h]));
}

test('the Electrum wallet restores, syncs, receives, pays and follows a reorg through Anode', { skip, timeout: 180_000 }, async () => {
  if (!electrum) assert.fail('CI=true but `electrum` is not on PATH: .ci/run installs it with apt-get install electrum (or set ELECTRUM=/path/to/electrum)');
  const t0 = Date.now();
  const lap = (what: string) => process.stdout.write(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}\n`);
  // The wallet's offline set-up (a Python start per command) runs while the stack starts.
  const preparing = ElectrumWallet.restored(SEED, { bin: electrum, keep: process.env.KEEP_ELECTRUM === '1' });
  let stack: Stack;
  try {
    stack = await startStack({ services: [{ protocol: 'tcp', host: '127.0.0.1', port: 0 }] });
  } catch (e) {
    await preparing.then(({ w }) => w.stop(), () => undefined);
    throw e;
  }
  const r = stack.regtest;
  let wallet: ElectrumWallet | null = null;
  try {
    const prepared = await preparing;
    wallet = prepared.w;
    const addresses = prepared.addresses;
    await wallet.setServer(stack.port('tcp'));
    assert.ok(addresses.length >= 10, `listaddresses: ${JSON.stringify(addresses)}`);
    // The demo funds its seed with the same derivation: check it against Electrum's own.
    assert.deepEqual(electrumSegwitAddresses(SEED, addresses.length, bitcoinjsNetwork(r.coin)), addresses);
    lap(`wallet restored offline in ${wallet.dir}`);

    // 1. History made before the wallet ever connects: two payments, at different heights.
    const first = { txid: await r.pay(addresses[0]!, 12_345_678), sats: 12_345_678 };
    await r.mine(1);
    const second = { txid: await r.pay(addresses[3]!, 50_000_000), sats: 50_000_000 };
    await r.mine(2);
    await stack.settle();

    await wallet.startDaemon();
    await wallet.loadWallet();
    let tip = await tipHeight(stack);
    const info = await wallet.waitSynced(tip);
    assert.equal(info.server, '127.0.0.1');
    assert.equal(info.auto_connect, false);
    lap(`daemon started and synced to ${tip}`);

    // The wallet's whole view, polled until it is what the node says (Electrum shows a transaction's
    // confirmations only once it has checked its merkle proof, a moment after its height).
    const w = wallet;
    const expectWallet = async (what: string, history: Record<string, Where>, balance: Balance): Promise<Map<string, HistoryItem>> => {
      const height = await tipHeight(stack);
      const matches = (h: HistoryItem): boolean => {
        const want = history[h.txid];
        if (want === 'mempool') return (h.height === 0 || h.height === -1) && h.confirmations === 0;
        if (want === 'local') return h.height === -2 && h.confirmations === 0;
        return h.height === want && h.confirmations === height - want + 1;
      };
      return w.poll(what, 20_000, async () => {
        const [items, b] = await Promise.all([w.history(), w.balance()]);
        const ok = items.length === Object.keys(history).length && items.every(matches) && JSON.stringify(b) === JSON.stringify(balance);
        return ok ? byTxid(items) : false;
      }, async () => {
        const items = await w.history();
        return JSON.stringify({ tip: height, want: { history, balance }, history: items.map((h) => [h.txid, h.height, h.confirmations]), balance: await w.balance() });
      });
    };

    let seen = await expectWallet('the two payments made before the wallet connected', {
      [first.txid]: await heightOf(stack, first.txid),
      [second.txid]: await heightOf(stack, second.txid),
    }, { confirmed: first.sats + second.sats, unconfirmed: 0, unmatured: 0 });
    for (const paid of [first, second]) {
      assert.equal(seen.get(paid.txid)!.incoming, true);
      assert.equal(seen.get(paid.txid)!.value, paid.sats);
    }

    // 2. A payment into the wallet: unconfirmed first (height 0: its parents are confirmed), then confirmed by a block.
    const third = { txid: await r.pay(addresses[1]!, 7_000_000), sats: 7_000_000 };
    await stack.settle();
    const confirmedBefore = first.sats + second.sats;
    const old = { [first.txid]: await heightOf(stack, first.txid), [second.txid]: await heightOf(stack, second.txid) };
    seen = await expectWallet('the incoming payment, unconfirmed', { ...old, [third.txid]: 'mempool' }, { confirmed: confirmedBefore, unconfirmed: third.sats, unmatured: 0 });
    assert.equal(seen.get(third.txid)!.height, 0, 'an unconfirmed payment with confirmed parents has height 0');
    await r.mine(1);
    await stack.settle();
    tip = await tipHeight(stack);
    await wallet.waitSynced(tip);
    const received = first.sats + second.sats + third.sats;
    await expectWallet('the incoming payment, confirmed', { ...old, [third.txid]: await heightOf(stack, third.txid) }, { confirmed: received, unconfirmed: 0, unmatured: 0 });
    lap('received and confirmed a payment');

    // 3. Paying out: payto + broadcast through Anode, into the node's mempool, then one confirmation.
    const payee = await r.newAddress('bech32');
    const sent = 30_000_000;
    // nLockTime = the tip, as Electrum sets it against fee sniping (given, since it sometimes picks less).
    const locktime = tip;
    const hex = await wallet.payto(payee, sent, { feerate: 2, locktime });
    assert.equal((await r.rpc<{ locktime: number }>('decoderawtransaction', [hex])).locktime, locktime);
    const txid = await wallet.broadcast(hex);
    const inPool = await r.rpc<string[]>('getrawmempool');
    assert.ok(inPool.includes(txid), `broadcast ${txid} is not in the node's mempool (${inPool.length} txs)`);
    const entry = await r.rpc<{ fees: { base: number } }>('getmempoolentry', [txid]);
    const fee = Math.round(entry.fees.base * 1e8);
    assert.ok(fee > 0 && fee < 10_000, `fee ${fee}`);
    await stack.settle();
    const three = { ...old, [third.txid]: await heightOf(stack, third.txid) };
    // Electrum 4.3 counts the change of its own unconfirmed payment as confirmed (all its inputs are ours).
    const pending: Balance = { confirmed: received - sent - fee, unconfirmed: 0, unmatured: 0 };
    seen = await expectWallet('the payment out, unconfirmed', { ...three, [txid]: 'mempool' }, pending);
    assert.equal(seen.get(txid)!.value, -(sent + fee), 'the history shows what left the wallet: amount + fee');
    await r.mine(1);
    await stack.settle();
    tip = await tipHeight(stack);
    await wallet.waitSynced(tip);
    assert.equal(await heightOf(stack, txid), tip);
    seen = await expectWallet('the payment out, with one confirmation', { ...three, [txid]: tip }, { confirmed: received - sent - fee, unconfirmed: 0, unmatured: 0 });
    assert.equal(seen.get(txid)!.confirmations, 1);
    const mined = await r.rpc<{ vout: Array<{ value: number; scriptPubKey: { address?: string } }> }>('getrawtransaction', [txid, true]);
    assert.ok(mined.vout.some((o) => o.scriptPubKey.address === payee && Math.round(o.value * 1e8) === sent), 'the payee got the amount');
    lap('paid out and confirmed');

    // 4. A 2-block reorg under the wallet. The new branch (one block longer) takes the incoming payment
    // again, in a new block at the same height. The payment out does not come back: its nLockTime (the
    // tip it was made at) is not final in the block after the fork, so the node drops it from its
    // mempool. The wallet must see both, through new headers, proofs and statuses.
    const before = tip;
    assert.equal(before - 2, locktime - 1, 'the fork is below the locktime');
    await r.reorg(2);
    await stack.settle();
    tip = await tipHeight(stack);
    assert.equal(tip, before + 1);
    assert.equal((await r.rpc<string[]>('getrawmempool')).includes(txid), false, 'the node dropped the non-final payment');
    await wallet.waitSynced(tip);
    // The dropped payment stays in the wallet as a local transaction (height -2), counted as pending.
    const afterReorg = { ...old, [third.txid]: await heightOf(stack, third.txid) };
    await expectWallet('the history to follow the reorg', { ...afterReorg, [txid]: 'local' }, pending);
    lap('followed a 2-block reorg that dropped the payment out');

    // Broadcast again (final now), and it confirms in the next block.
    assert.equal(await wallet.broadcast(hex), txid);
    assert.ok((await r.rpc<string[]>('getrawmempool')).includes(txid));
    await r.mine(1);
    await stack.settle();
    tip = await tipHeight(stack);
    await wallet.waitSynced(tip);
    assert.equal(await heightOf(stack, txid), tip);
    await expectWallet('the payment out, confirmed again', { ...afterReorg, [txid]: tip }, { confirmed: received - sent - fee, unconfirmed: 0, unmatured: 0 });
    lap('broadcast again and confirmed');

    // 5. Nothing in the wallet's logs says the server misbehaved (before we stop it ourselves).
    const trouble = wallet.logs().split('\n').filter((l) => SERVER_TROUBLE.test(l));
    assert.deepEqual(trouble, [], `the wallet's log (${wallet.dir}/regtest/logs) complains about the server`);
    assert.doesNotMatch(wallet.output, SERVER_TROUBLE, "the daemon's stderr complains about the server");
  } catch (e) {
    if (wallet) {
      const tail = wallet.logs().split('\n').slice(-60).join('\n');
      process.stdout.write(`electrum log tail:\n${tail.replace(/^/gm, '  ')}\nelectrum daemon output:\n${wallet.output.replace(/^/gm, '  ')}\n`);
    }
    throw e;
  } finally {
    await wallet?.stop();
    await stack.stop();
    lap('stopped');
  }
});
