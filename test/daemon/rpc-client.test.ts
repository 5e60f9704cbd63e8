// RpcClient against the harness chain (devnet, or bitcoind with BITCOIND set): auth paths, batches,
// and the mapping of every failure to DaemonRpcError / DaemonUnavailableError.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { RpcClient, redactUrl } from '../../src/daemon/rpc-client.js';
import { DaemonRpcError, DaemonUnavailableError, RpcCode } from '../../src/daemon/types.js';
import { silentLogger } from '../../src/log.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { freePorts, startRegtest, usingBitcoind, type DevnetRegtest, type Regtest } from '../helpers/regtest.js';

const devnetOnly = (why: string): string | false => usingBitcoind && `devnet only: ${why}`;

describe('RpcClient', () => {
  let r: Regtest;
  let dir: string;
  const clients: RpcClient[] = [];
  const client = (...args: ConstructorParameters<typeof RpcClient>): RpcClient => {
    const c = new RpcClient(...args);
    clients.push(c);
    return c;
  };

  before(async () => {
    r = await startRegtest({ blocks: 10 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anode-rpc-test-'));
  });
  after(async () => {
    for (const c of clients) c.close();
    await r.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('cookie auth', async () => {
    assert.ok(r.endpoint.cookieFile, 'harness endpoint uses the cookie');
    const c = client(r.endpoint);
    assert.equal(await c.call<number>('getblockcount'), 10);
    const info = await c.call<{ chain: string }>('getblockchaininfo');
    assert.equal(info.chain, 'regtest');
  });

  test('a stale cookie is re-read after a 401', async () => {
    const cookie = fs.readFileSync(r.endpoint.cookieFile as string, 'utf8');
    const file = path.join(dir, 'stale.cookie');
    fs.writeFileSync(file, '__cookie__:00112233445566778899aabbccddeeff');
    const c = client({ url: r.endpoint.url, cookieFile: file });
    await assert.rejects(c.call('getblockcount'), (e: unknown) => e instanceof DaemonUnavailableError && /401/.test(e.message));
    // The daemon "restarted" with a new cookie: the same client picks it up on its next 401.
    fs.writeFileSync(file, cookie);
    assert.equal(await c.call<number>('getblockcount'), 10);
  });

  test('a missing cookie file is DaemonUnavailableError', async () => {
    const c = client({ url: r.endpoint.url, cookieFile: path.join(dir, 'nope.cookie') });
    await assert.rejects(c.call('getblockcount'), (e: unknown) => e instanceof DaemonUnavailableError && /cookie/.test(e.message));
  });

  test('user/password auth, and a wrong password', async () => {
    const rp = await startRegtest({ blocks: 1, auth: 'password' });
    try {
      assert.ok(rp.endpoint.user && rp.endpoint.password !== undefined);
      assert.equal(await client(rp.endpoint).call<number>('getblockcount'), 1);
      const bad = client({ url: rp.endpoint.url, user: rp.endpoint.user, password: 'wrong' });
      await assert.rejects(bad.call('getblockcount'), (e: unknown) => {
        assert.ok(e instanceof DaemonUnavailableError);
        assert.match(e.message, /401/);
        assert.ok(!e.message.includes('wrong'), 'no credentials in messages');
        return true;
      });
      // Credentials inside the URL are used and never shown.
      const u = new URL(rp.endpoint.url);
      u.username = rp.endpoint.user as string;
      u.password = rp.endpoint.password as string;
      const inUrl = client({ url: u.toString() });
      assert.equal(inUrl.url, redactUrl(u.toString()));
      assert.ok(!inUrl.url.includes(rp.endpoint.password as string));
      assert.equal(await inUrl.call<number>('getblockcount'), 1);
    } finally {
      await rp.stop();
    }
  });

  test('batch: one request, answers in call order, per-call errors', async () => {
    const c = client(r.endpoint);
    const heights = [0, 5, 10, 3];
    const single = await Promise.all(heights.map((h) => c.call<string>('getblockhash', [h])));
    const batched = await c.batch<string>([...heights.map((h) => ({ method: 'getblockhash', params: [h] })), { method: 'getblockhash', params: [11] }]);
    assert.equal(batched.length, 5);
    assert.deepEqual(batched.slice(0, 4).map((b) => (b.ok ? b.result : null)), single);
    assert.equal(single[0], r.coin.genesisHash);
    const last = batched[4];
    assert.ok(!last.ok);
    assert.equal(last.error.code, RpcCode.INVALID_PARAMETER);
    assert.equal(last.error.method, 'getblockhash');
    await assert.rejects(c.batchResults([{ method: 'getblockhash', params: [0] }, { method: 'getblockhash', params: [99] }]), DaemonRpcError);
    assert.deepEqual(await c.batch([]), []);
  });

  for (const jsonrpc of ['2.0', '1.0'] as const) {
    // bitcoind 28+ answers 2.0 errors with HTTP 200, legacy 1.0 errors with HTTP 500/404 + JSON body.
    test(`JSON-RPC ${jsonrpc} errors are DaemonRpcError with code and method`, async () => {
      const c = client(r.endpoint, { jsonrpc });
      assert.equal(await c.call<string>('getblockhash', [0]), r.coin.genesisHash);
      await assert.rejects(c.call('getblockhash', [1000]), (e: unknown) => {
        assert.ok(e instanceof DaemonRpcError);
        assert.equal(e.code, RpcCode.INVALID_PARAMETER);
        assert.equal(e.method, 'getblockhash');
        assert.match(e.message, /out of range/);
        return true;
      });
      await assert.rejects(c.call('nosuchmethod'), (e: unknown) => e instanceof DaemonRpcError && e.code === RpcCode.METHOD_NOT_FOUND && e.method === 'nosuchmethod');
      await assert.rejects(
        c.call('sendrawtransaction', ['00']),
        (e: unknown) => e instanceof DaemonRpcError && e.code === RpcCode.DESERIALIZATION_ERROR,
      );
    });
  }

  test('connection refused is DaemonUnavailableError', async () => {
    const [port] = await freePorts(1);
    const c = client({ url: `http://127.0.0.1:${port}`, user: 'a', password: 'b' });
    await assert.rejects(c.call('getblockcount'), (e: unknown) => e instanceof DaemonUnavailableError && /ECONNREFUSED/.test(e.message));
  });

  test('HTTP 5xx without a JSON-RPC body is DaemonUnavailableError', async () => {
    // What bitcoind sends when its RPC work queue is full.
    const busy = http.createServer((_req, res) => {
      res.writeHead(503);
      res.end('Work queue depth exceeded');
    });
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const c = client({ url: `http://127.0.0.1:${(busy.address() as { port: number }).port}`, user: 'a', password: 'b' });
      await assert.rejects(c.call('getblockcount'), (e: unknown) => e instanceof DaemonUnavailableError && /503.*Work queue/.test(e.message));
    } finally {
      busy.closeAllConnections();
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  test('a timeout is DaemonUnavailableError', { skip: devnetOnly('fault injection') }, async () => {
    const { server } = (r as DevnetRegtest).devnet;
    const c = client(r.endpoint, { timeoutMs: 200 });
    server.faults.rpcSlow(3000);
    try {
      await assert.rejects(c.call('getblockcount'), (e: unknown) => e instanceof DaemonUnavailableError && /within 200 ms/.test(e.message));
    } finally {
      await server.faults.reset();
    }
    assert.equal(await c.call<number>('getblockcount'), 10);
  });

  test('-28 warm-up is DaemonUnavailableError, singly and in a batch', { skip: devnetOnly('warm-up') }, async () => {
    const { node } = (r as DevnetRegtest).devnet;
    const warming = await DevnetServer.start({ node, cookieFile: path.join(dir, 'warm.cookie'), warmupMs: 600_000, log: silentLogger() });
    try {
      const c = client({ url: warming.rpcUrl, cookieFile: warming.cookieFile ?? path.join(dir, 'warm.cookie') });
      await assert.rejects(c.call('getblockcount'), (e: unknown) => e instanceof DaemonUnavailableError && /warming up/.test(e.message));
      await assert.rejects(c.batch([{ method: 'getblockhash', params: [0] }]), DaemonUnavailableError);
    } finally {
      await warming.stop();
    }
  });

  test('injected JSON-RPC errors map by code', { skip: devnetOnly('fault injection') }, async () => {
    const { server } = (r as DevnetRegtest).devnet;
    const c = client(r.endpoint);
    try {
      server.faults.rpcErrors(RpcCode.IN_WARMUP, 'Loading block index...', 1);
      await assert.rejects(c.call('getblockcount'), DaemonUnavailableError);
      server.faults.rpcErrors(RpcCode.MISC_ERROR, 'boom', 1);
      await assert.rejects(c.call('getblockcount'), (e: unknown) => e instanceof DaemonRpcError && e.code === -1 && e.message === 'boom');
    } finally {
      await server.faults.reset();
    }
    assert.equal(await c.call<number>('getblockcount'), 10);
  });

  test('close() aborts and refuses further calls', async () => {
    const c = new RpcClient(r.endpoint);
    assert.equal(await c.call<number>('getblockcount'), 10);
    c.close();
    await assert.rejects(c.call('getblockcount'), DaemonUnavailableError);
  });
});
