// The server-wide send budget: clients that pipeline large answers and never read stop taking
// requests once their backlog together passes the budget, a new wallet is still served meanwhile,
// and the waiting sessions go on once the backlog drains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../helpers/stack.js';
import { TestClient } from '../helpers/electrum-client.js';

const MB = 1024 * 1024;

test('backed-up sessions are held to the send budget; others are served; they resume when it drains', { timeout: 60_000 }, async () => {
  // Each session alone could buffer 4 MB before its own high-water mark stops it: the budget must.
  const budget = 1 * MB;
  const stack = await startStack({ sendBudgetBytes: budget, transport: { highWaterBytes: 4 * MB, lowWaterBytes: 64 * 1024, congestedTimeoutMs: 30_000 } });
  try {
    // 1,000 blocks: a headers answer is then ~160 KB, so the backlog outgrows the kernel's socket buffers.
    await stack.regtest.mine(900);
    await stack.settle();
    // Three clients that pipeline 200 header requests each (32 MB of answers) and do not read.
    const slow = await Promise.all([0, 1, 2].map(() => TestClient.open(stack.port(), '1.4')));
    const request = '{"jsonrpc":"2.0","id":1,"method":"blockchain.block.headers","params":[0,2016]}\n';
    for (const c of slow) {
      c.socket.pause();
      c.send(request.repeat(200));
    }
    // Let them fill up: the server stops each at its high-water mark, and all at the budget.
    const buffered = () => [...stack.server.sessions].reduce((s, x) => s + x.conn.bufferedBytes, 0);
    let peak = 0;
    for (let i = 0; i < 40; i++) {
      peak = Math.max(peak, buffered());
      await new Promise((r) => setTimeout(r, 50));
    }
    // What the server holds stays near the budget plus what each session had in flight (16 answers);
    // without the budget each would grow to its 4 MB high-water mark plus those.
    const answer = 1002 * 160 + 100;
    // Measured: ~8.7 MB with the budget, ~20 MB without it.
    assert.ok(peak <= (budget + 3 * 16 * answer) * 1.6, `server-side backlog peaked at ${peak}`);
    // A new wallet is served while they wait.
    const t0 = Date.now();
    const fresh = await TestClient.open(stack.port(), '1.4');
    const tip = await fresh.request<{ height: number }>('blockchain.headers.subscribe');
    assert.equal(tip.height, 1001);
    assert.ok(Date.now() - t0 < 2000);
    // The slow clients read again: every one of their 200 requests is answered.
    for (const c of slow) c.socket.resume();
    await Promise.all(
      slow.map(async (c) => {
        let answers = 0;
        while (answers < 200) {
          const line = await c.nextLine(30_000);
          if (line.includes('"result"')) answers++;
        }
      }),
    );
    for (const c of [...slow, fresh]) c.close();
  } finally {
    await stack.stop();
  }
});
