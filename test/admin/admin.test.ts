// The admin RPC and `anode rpc` against a running `anode serve`: getinfo, sessions, daemon_url
// (listing and switching), reorg N (sessions are notified as in a real reorg) and stop.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRegtest, freePorts, type Regtest } from '../helpers/regtest.js';
import { TestClient } from '../helpers/electrum-client.js';
import { AnodeProcess, anodeEnv, anodeRpc as rpc } from '../sync/cli-helpers.js';
import { TempDirs } from '../sync/helpers.js';

describe('admin RPC', () => {
  let r: Regtest;
  const dirs = new TempDirs();
  before(async () => {
    r = await startRegtest({ blocks: 105 });
  });
  after(async () => {
    await r?.stop();
    dirs.cleanup();
  });

  test('getinfo, sessions, daemon_url, reorg and stop', { timeout: 40_000 }, async () => {
    const [tcp, admin, dead] = await freePorts(3);
    const env = anodeEnv(r.endpoint, dirs.make(), { SERVICES: `tcp://127.0.0.1:${tcp},rpc://127.0.0.1:${admin}` });
    // A second daemon nobody listens on: listed, and marked down once tried.
    const url = new URL(env.DAEMON_URL!);
    env.DAEMON_URL = `${env.DAEMON_URL},http://${url.username ? `${url.username}:${url.password}@` : ''}127.0.0.1:${dead}`;
    const proc = new AnodeProcess(['serve'], env);
    try {
      await proc.waitFor(/serving Electrum wallets/);
      const info = JSON.parse((await rpc(env, 'getinfo', '--json')).stdout);
      assert.equal(info.height, 105);
      assert.equal(info.sync, 'following');
      assert.equal(info.serving, true);
      assert.equal(info.mempool.txs, 0);
      assert.match((await rpc(env, 'getinfo')).stdout, /^height\s+105\s+[0-9a-f]{64}$/m);

      const c = await TestClient.open(tcp!, '1.4', 'admin-test');
      await c.request('blockchain.headers.subscribe');
      const list = JSON.parse((await rpc(env, 'sessions', '--json')).stdout);
      assert.equal(list.length, 1);
      assert.equal(list[0].client, 'admin-test');
      assert.equal(list[0].protocol, '1.4');
      assert.match((await rpc(env, 'sessions')).stdout, /admin-test/);

      const daemons = JSON.parse((await rpc(env, 'daemon_url', '--json')).stdout);
      assert.deepEqual(daemons.map((d: { current: boolean }) => d.current), [true, false]);
      // Switching to the dead one: the next request fails over back to the live one.
      assert.match((await rpc(env, 'daemon_url', '1')).stdout, /\* 1 /);
      await r.mine(1);
      await c.nextNotification((n) => n.method === 'blockchain.headers.subscribe' && (n.params[0] as { height: number }).height === 106);
      const after = JSON.parse((await rpc(env, 'daemon_url', '--json')).stdout);
      assert.equal(after[0].current, true);
      assert.equal(after[1].down, true);
      assert.match((await rpc(env, 'daemon_url', '7')).stderr, /no daemon #7 \(have 2\)/);

      // reorg 3: the index undoes three blocks and applies the daemon's chain again; the
      // subscriber is told the tip (the same one: the daemon's chain did not change).
      c.notifications.length = 0;
      const undone = await rpc(env, 'reorg', '3');
      assert.equal(undone.code, 0, undone.stderr);
      assert.match(undone.stdout, /down to height 103/);
      const n = await c.nextNotification((x) => x.method === 'blockchain.headers.subscribe');
      assert.equal((n.params[0] as { height: number }).height, 106);
      assert.equal(JSON.parse((await rpc(env, 'getinfo', '--json')).stdout).height, 106);
      assert.match((await rpc(env, 'reorg', '0')).stderr, /reorg needs a number of blocks/);

      assert.match((await rpc(env, 'stop')).stdout, /stopping/);
      const done = await proc.done;
      assert.equal(done.code, 0, done.stderr);
      c.close();
      assert.match((await rpc(env, 'getinfo')).stderr, /cannot reach the admin RPC/);
    } finally {
      proc.child.kill('SIGKILL');
    }
  });
});
