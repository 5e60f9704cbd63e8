// Subscriptions: a notification for every status change and no other, shared subscriptions, a
// child's status moving when only its parent confirms, replacements, reorgs, and headers.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { startStack, type Stack } from '../helpers/stack.js';
import { TestClient, type Notification } from '../helpers/electrum-client.js';
import { walkChain, scripthashOf } from '../helpers/chain-walk.js';
import { bumpFee, mineOnly, outputTo, spendUnconfirmed } from '../helpers/chain-ops.js';

bitcoin.initEccLib(ecc);

const isStatus = (sh: string) => (n: Notification) => n.method === 'blockchain.scripthash.subscribe' && n.params[0] === sh;

describe('subscriptions and notifications', () => {
  let stack: Stack;
  let client: TestClient;

  before(async () => {
    stack = await startStack();
    client = await TestClient.open(stack.port(), '1.4');
    await client.request('blockchain.headers.subscribe');
  });
  after(async () => {
    client?.close();
    await stack?.stop();
  });

  /** The scripthash of an address (bitcoinjs-lib's output script, no code of ours). */
  async function shOf(address: string): Promise<string> {
    return scripthashOf(bitcoin.address.toOutputScript(address, bitcoin.networks.regtest).toString('hex'));
  }

  test('a payment, then its confirmation: one notification each, with the independently computed status', async () => {
    const addr = await stack.regtest.newAddress('bech32');
    const sh = await shOf(addr);
    assert.equal(await client.request('blockchain.scripthash.subscribe', [sh]), null);
    await stack.regtest.pay(addr, 250_000);
    await stack.settle();
    let walk = await walkChain(stack.regtest);
    const n1 = await client.nextNotification(isStatus(sh));
    assert.deepEqual(n1.params, [sh, walk.status(sh)]);
    await stack.regtest.mine(1);
    await stack.settle();
    walk = await walkChain(stack.regtest);
    const n2 = await client.nextNotification(isStatus(sh));
    assert.deepEqual(n2.params, [sh, walk.status(sh)]);
    const header = await client.nextNotification((n) => n.method === 'blockchain.headers.subscribe' && (n.params[0] as { height: number }).height === walk.height);
    assert.equal((header.params[0] as { hex: string }).hex, await stack.regtest.rpc('getblockheader', [walk.blockHashes[walk.height], false]));
    // Nothing else changed this script: no further notification for it.
    await stack.regtest.mine(1);
    await stack.settle();
    assert.equal(client.notifications.filter(isStatus(sh)).length, 0, 'no repeated identical notification');
  });

  test('a child\'s status changes when only its parent confirms, although the block does not touch its script', async () => {
    const x = await stack.regtest.newAddress('bech32');
    const y = await stack.regtest.newAddress('p2sh-segwit');
    const parent = await stack.regtest.pay(x, 400_000);
    const child = await spendUnconfirmed(stack.regtest, parent, x, y);
    const shY = await shOf(y);
    await stack.settle();
    const before = await walkChain(stack.regtest);
    assert.equal(before.history(shY)[0]!.height, -1);
    assert.equal(await client.request('blockchain.scripthash.subscribe', [shY]), before.status(shY));
    // A block with the parent alone (and its unconfirmed ancestors, if any).
    const pool = await stack.regtest.rpc<Record<string, { depends: string[] }>>('getrawmempool', [true]);
    const order: string[] = [];
    const visit = (t: string): void => {
      if (order.includes(t)) return;
      for (const d of pool[t]!.depends) visit(d);
      order.push(t);
    };
    visit(parent);
    await mineOnly(stack.regtest, order);
    await stack.settle();
    const afterWalk = await walkChain(stack.regtest);
    assert.equal(afterWalk.history(shY)[0]!.height, 0, 'the child now has only confirmed inputs');
    assert.ok(afterWalk.txs.get(child) && !afterWalk.txs.get(child)!.confirmed);
    const n = await client.nextNotification(isStatus(shY));
    assert.deepEqual(n.params, [shY, afterWalk.status(shY)]);
    await outputTo(stack.regtest, child, y);
  });

  test('one shared subscription for many sessions; closing them frees it', async () => {
    const addr = await stack.regtest.newAddress('legacy');
    const sh = await shOf(addr);
    const base = stack.server.context.hub.size;
    const others = await Promise.all([1, 2, 3].map(() => TestClient.open(stack.port(), '1.4')));
    await Promise.all(others.map((o) => o.request('blockchain.scripthash.subscribe', [sh])));
    assert.equal(stack.server.context.hub.size, base + 1, 'one subscription for three sessions');
    await stack.regtest.pay(addr, 60_000);
    await stack.settle();
    const walk = await walkChain(stack.regtest);
    for (const o of others) assert.deepEqual((await o.nextNotification(isStatus(sh))).params, [sh, walk.status(sh)]);
    for (const o of others) o.close();
    const deadline = Date.now() + 5000;
    while (stack.server.context.hub.size !== base && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(stack.server.context.hub.size, base, 'freed once no session holds it');
  });

  test('a replacement (RBF) is notified with the new transaction', async () => {
    const addr = await stack.regtest.newAddress('bech32m');
    const sh = await shOf(addr);
    await client.request('blockchain.scripthash.subscribe', [sh]);
    const first = await stack.regtest.pay(addr, 90_000);
    await stack.settle();
    await client.nextNotification(isStatus(sh));
    const second = await bumpFee(stack.regtest, first);
    assert.notEqual(second, first);
    await stack.settle();
    const walk = await walkChain(stack.regtest);
    assert.deepEqual(walk.mempool(sh).map((e) => e.tx_hash), [second]);
    assert.deepEqual((await client.nextNotification(isStatus(sh))).params, [sh, walk.status(sh)]);
    assert.deepEqual((await client.request<Array<{ tx_hash: string }>>('blockchain.scripthash.get_mempool', [sh])).map((e) => e.tx_hash), [second]);
  });

  test('cached histories (of scripts nobody subscribes to) follow blocks that touch them, and reorgs', async () => {
    const addr = await stack.regtest.newAddress('bech32');
    const sh = await shOf(addr);
    await stack.regtest.pay(addr, 41_000);
    await stack.regtest.mine(1);
    await stack.settle();
    let walk = await walkChain(stack.regtest);
    const fresh = await TestClient.open(stack.port(), '1.4');
    assert.deepEqual(await fresh.request('blockchain.scripthash.get_history', [sh]), walk.history(sh));
    // Cached now (the stack caches every history); a block paying it again must drop the entry.
    await stack.regtest.pay(addr, 42_000);
    await stack.regtest.mine(1);
    await stack.settle();
    walk = await walkChain(stack.regtest);
    assert.equal(walk.history(sh).length, 2);
    assert.deepEqual(await fresh.request('blockchain.scripthash.get_history', [sh]), walk.history(sh));
    // And a block that does not touch it leaves the cached answer right.
    await stack.regtest.mine(1);
    await stack.settle();
    assert.deepEqual(await fresh.request('blockchain.scripthash.get_history', [sh]), walk.history(sh));
    fresh.close();
  });

  test('a reorg: every changed status is notified, and ends equal to the new chain\'s', async () => {
    const addrs = await Promise.all([0, 1, 2, 3].map(() => stack.regtest.newAddress('bech32')));
    const shs = await Promise.all(addrs.map(shOf));
    await Promise.all(shs.map((sh) => client.request('blockchain.scripthash.subscribe', [sh])));
    for (const a of addrs) await stack.regtest.pay(a, 33_000);
    await stack.regtest.mine(1);
    await stack.settle();
    client.notifications.length = 0;
    await stack.regtest.reorg(2);
    await stack.settle();
    const walk = await walkChain(stack.regtest);
    const header = await client.nextNotification((n) => n.method === 'blockchain.headers.subscribe' && (n.params[0] as { height: number }).height === walk.height);
    assert.ok(header);
    for (const sh of shs) {
      assert.equal(await client.request('blockchain.scripthash.subscribe', [sh]), walk.status(sh));
      assert.deepEqual(await client.request('blockchain.scripthash.get_history', [sh]), walk.history(sh));
      const last = client.notifications.filter(isStatus(sh)).pop();
      // The payments went back to the mempool (or into the new branch): the status moved, and was notified.
      assert.ok(last, `notified ${sh}`);
      assert.deepEqual(last.params, [sh, walk.status(sh)]);
    }
  });
});
