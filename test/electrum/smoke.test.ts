import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../helpers/stack.js';
import { TestClient } from '../helpers/electrum-client.js';

test('smoke', async () => {
  const stack = await startStack();
  try {
    const c = await TestClient.open(stack.port(), '1.4');
    const tip = await c.request<{ height: number }>('blockchain.headers.subscribe');
    assert.equal(tip.height, 101);
    const addr = await stack.regtest.newAddress();
    const txid = await stack.regtest.pay(addr, 100_000);
    await stack.settle();
    await stack.regtest.mine(1);
    await stack.settle();
    const n = await c.nextNotification((x) => x.method === 'blockchain.headers.subscribe');
    assert.equal((n.params[0] as { height: number }).height, 102);
    assert.ok(txid);
    c.close();
  } finally {
    await stack.stop();
  }
});
