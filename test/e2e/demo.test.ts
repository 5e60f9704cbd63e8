// `npm run demo` end to end: devnet mines, Anode syncs, follows new blocks over ZMQ, survives a reorg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const demo = fileURLToPath(new URL('../../src/cli/demo.js', import.meta.url));

test('the demo syncs devnet, follows new blocks and a reorg, then stops cleanly', { timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, [demo, '--blocktime', '0.5', '--blocks', '5', '--reorg-every', '3', '--txs-per-block', '8'], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, `demo exited ${code}\nstdout:\n${out}\nstderr:\n${err}`);
  assert.match(out, /devnet\s+RPC http:\/\/127\.0\.0\.1:\d+ \(cookie /);
  assert.match(out, /ZMQ tcp:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /index caught up at height 101 /);
  assert.match(out, /confirmed balance: [1-9]\d*\.\d{8} BTC/);
  assert.match(out, /indexed block 102 /);
  assert.match(out, /devnet:  reorg — replaced the last 2 blocks/);
  assert.match(out, /anode:   reorg — rolled back 2 block\(s\) to the fork/);
  assert.match(out, /demo stopped/);
});
