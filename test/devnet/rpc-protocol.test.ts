// The HTTP JSON-RPC envelope as bitcoind 28 serves it: auth, 1.0 vs 2.0 replies, batches,
// HTTP status codes, parse and request errors, warm-up, keep-alive. Real sockets throughout.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevnetNode } from '../../src/devnet/node.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { RpcClient } from '../../src/devnet/rpc/client.js';
import { silentLogger } from '../../src/log.js';

const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;

describe('JSON-RPC over HTTP', () => {
  let dir: string;
  let node: DevnetNode;
  let server: DevnetServer;
  let client: RpcClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'devnet-rpc-proto-'));
    node = await DevnetNode.create();
    server = await DevnetServer.start({ node, rpcUser: 'alice', rpcPassword: 's3cret', cookieFile: join(dir, 'regtest', '.cookie'), log: silentLogger() });
    client = new RpcClient(server.rpcUrl, { user: 'alice', password: 's3cret' });
  });

  after(async () => {
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('authentication', () => {
    test('no Authorization header: 401, empty body, WWW-Authenticate', async () => {
      const r = await client.post({ id: 1, method: 'getblockcount' }, { authorization: null });
      assert.equal(r.status, 401);
      assert.equal(r.body, '');
      assert.equal(r.headers['www-authenticate'], 'Basic realm="jsonrpc"');
    });

    test('wrong password: 401', async () => {
      const r = await client.post({ id: 1, method: 'getblockcount' }, { authorization: basic('alice:wrong') });
      assert.equal(r.status, 401);
      assert.equal(r.body, '');
      assert.equal(r.headers['www-authenticate'], 'Basic realm="jsonrpc"');
    });

    test('user and password', async () => {
      assert.equal(await client.call('getblockcount'), 0);
    });

    test('the cookie file: __cookie__:<64 hex>, accepted as credentials', async () => {
      const cookie = readFileSync(server.cookieFile!, 'utf8');
      assert.match(cookie, /^__cookie__:[0-9a-f]{64}$/);
      const r = await client.post({ id: 1, method: 'getblockcount' }, { authorization: basic(cookie) });
      assert.equal(r.status, 200);
      const viaFile = new RpcClient(server.rpcUrl, { cookieFile: server.cookieFile });
      assert.equal(await viaFile.call('getblockcount'), 0);
      viaFile.close();
    });

    test('a forged cookie is refused', async () => {
      const r = await client.post({ id: 1, method: 'getblockcount' }, { authorization: basic(`__cookie__:${'0'.repeat(64)}`) });
      assert.equal(r.status, 401);
    });
  });

  describe('JSON-RPC 1.0 (legacy) replies', () => {
    test('success: result, error null, id echoed', async () => {
      const r = await client.post({ jsonrpc: '1.0', id: 'abc', method: 'getblockcount', params: [] });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.body, '{"result":0,"error":null,"id":"abc"}\n');
    });

    test('no jsonrpc field is 1.0 too; missing id answers id null', async () => {
      const r = await client.post({ method: 'getblockcount' });
      assert.equal(r.body, '{"result":0,"error":null,"id":null}\n');
    });

    test('an RPC error is HTTP 500 with result null', async () => {
      const r = await client.post({ id: 7, method: 'getblockhash', params: [5] });
      assert.equal(r.status, 500);
      assert.deepEqual(JSON.parse(r.body), { result: null, error: { code: -8, message: 'Block height out of range' }, id: 7 });
    });

    test('method not found is HTTP 404, -32601', async () => {
      const r = await client.post({ id: 1, method: 'nosuchmethod' });
      assert.equal(r.status, 404);
      assert.deepEqual(JSON.parse(r.body), { result: null, error: { code: -32601, message: 'Method not found' }, id: 1 });
    });

    test('an invalid request object is HTTP 400, -32600', async () => {
      const r = await client.post({ id: 3 });
      assert.equal(r.status, 400);
      assert.deepEqual(JSON.parse(r.body), { result: null, error: { code: -32600, message: 'Missing method' }, id: 3 });
      const bad = await client.post({ id: 4, method: 'getblockcount', params: 'x' });
      assert.equal(bad.status, 400);
      assert.equal(JSON.parse(bad.body).error.message, 'Params must be an array or object');
      const version = await client.post({ id: 5, jsonrpc: '3.0', method: 'getblockcount' });
      assert.equal(version.status, 400);
      assert.equal(JSON.parse(version.body).error.message, 'JSON-RPC version not supported');
    });

    test('unparsable JSON is HTTP 500, -32700 Parse error, id null', async () => {
      const r = await client.post('{"id":1,"method":');
      assert.equal(r.status, 500);
      assert.deepEqual(JSON.parse(r.body), { result: null, error: { code: -32700, message: 'Parse error' }, id: null });
      const top = await client.post('42');
      assert.equal(top.status, 500);
      assert.equal(JSON.parse(top.body).error.message, 'Top-level object parse error');
    });
  });

  describe('JSON-RPC 2.0 replies (Core 28+)', () => {
    test('success has jsonrpc and result, no error member', async () => {
      const r = await client.post({ jsonrpc: '2.0', id: 1, method: 'getblockcount' });
      assert.equal(r.status, 200);
      assert.equal(r.body, '{"jsonrpc":"2.0","result":0,"id":1}\n');
    });

    test('errors answer HTTP 200 with an error member and no result', async () => {
      const r = await client.post({ jsonrpc: '2.0', id: 2, method: 'getblockhash', params: [9] });
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body), { jsonrpc: '2.0', error: { code: -8, message: 'Block height out of range' }, id: 2 });
      const nf = await client.post({ jsonrpc: '2.0', id: 3, method: 'nosuch' });
      assert.equal(nf.status, 200);
      assert.equal(JSON.parse(nf.body).error.code, -32601);
    });

    test('a notification (no id) is executed and answered 204 without a body', async () => {
      const r = await client.post({ jsonrpc: '2.0', method: 'getblockcount' });
      assert.equal(r.status, 204);
      assert.equal(r.body, '');
    });
  });

  describe('batches', () => {
    test('array in, array out, HTTP 200 even with failures', async () => {
      const r = await client.post([
        { id: 1, method: 'getblockcount' },
        { id: 2, method: 'getblockhash', params: [100] },
        { jsonrpc: '2.0', id: 3, method: 'getblockhash', params: [0] },
        { id: 4, method: 'nosuch' },
        'not an object',
      ]);
      assert.equal(r.status, 200);
      const replies = JSON.parse(r.body) as Array<Record<string, unknown>>;
      assert.equal(replies.length, 5);
      assert.deepEqual(replies[0], { result: 0, error: null, id: 1 });
      assert.deepEqual(replies[1], { result: null, error: { code: -8, message: 'Block height out of range' }, id: 2 });
      assert.deepEqual(replies[2], { jsonrpc: '2.0', result: node.coin.genesisHash, id: 3 });
      assert.deepEqual(replies[3], { result: null, error: { code: -32601, message: 'Method not found' }, id: 4 });
      assert.deepEqual((replies[4] as { error: unknown }).error, { code: -32600, message: 'Invalid Request object' });
    });

    test('2.0 notifications get no entry; an empty batch answers []', async () => {
      const r = await client.post([{ jsonrpc: '2.0', method: 'getblockcount' }, { jsonrpc: '2.0', id: 9, method: 'getblockcount' }]);
      assert.deepEqual(JSON.parse(r.body), [{ jsonrpc: '2.0', result: 0, id: 9 }]);
      const empty = await client.post([]);
      assert.equal(empty.status, 200);
      assert.equal(empty.body, '[]\n');
      const allNotifications = await client.post([{ jsonrpc: '2.0', method: 'getblockcount' }]);
      assert.equal(allNotifications.status, 204);
    });
  });

  describe('arguments', () => {
    test('wrong type: -3 with Core\'s "Wrong type passed" text', async () => {
      await assert.rejects(client.call('getblockhash', ['1']), {
        code: -3,
        message: 'Wrong type passed:\n{\n    "Position 1 (height)": "JSON value of type string is not of expected type number"\n}',
      });
    });

    test('wrong count: -1 with the usage text', async () => {
      await assert.rejects(client.call('getblockhash', []), (e: { code: number; message: string }) => e.code === -1 && e.message.startsWith('getblockhash height\n'));
      await assert.rejects(client.call('getblockcount', [1]), { code: -1 });
      await assert.rejects(client.call('getblock', []), (e: { message: string }) => e.message.startsWith('getblock "blockhash" ( verbosity )\n'));
    });

    test('named parameters', async () => {
      assert.equal(await client.call('getblockhash', { height: 0 }), node.coin.genesisHash);
      await assert.rejects(client.call('getblockhash', { heigth: 0 }), { code: -8, message: 'Unknown named parameter heigth' });
    });
  });

  describe('HTTP', () => {
    test('only POST: 405', async () => {
      const r = await client.post('', { method: 'GET' });
      assert.equal(r.status, 405);
      assert.equal(r.body, 'JSONRPC server handles only POST requests');
    });

    test('/wallet/<name> is served too; other paths are 404', async () => {
      assert.equal((await client.post({ id: 1, method: 'getblockcount' }, { path: '/wallet/w1' })).status, 200);
      assert.equal((await client.post({ id: 1, method: 'getblockcount' }, { path: '/rest/chaininfo.json' })).status, 404);
    });

    test('keep-alive: the next request reuses the connection', async () => {
      const single = new RpcClient(server.rpcUrl, { user: 'alice', password: 's3cret' });
      const first = await single.post({ id: 1, method: 'getblockcount' });
      const second = await single.post({ id: 2, method: 'getblockcount' });
      assert.equal(first.reusedSocket, false);
      assert.equal(second.reusedSocket, true);
      single.close();
    });
  });
});

describe('warm-up and the cookie lifecycle', () => {
  test('-28 "Loading block index…" while warming up, for every method', async () => {
    const node = await DevnetNode.create();
    const server = await DevnetServer.start({ node, warmupMs: 600_000, log: silentLogger() });
    const client = new RpcClient(server.rpcUrl, { cookieFile: server.cookieFile });
    try {
      const r = await client.post({ id: 1, method: 'getblockcount' });
      assert.equal(r.status, 500);
      assert.deepEqual(JSON.parse(r.body).error, { code: -28, message: 'Loading block index…' });
      await assert.rejects(client.call('nosuchmethod'), { code: -28 });
    } finally {
      client.close();
      await server.stop();
    }
  });

  test('without credentials a cookie is made; it is deleted on stop', async () => {
    const node = await DevnetNode.create();
    const server = await DevnetServer.start({ node, log: silentLogger() });
    const cookie = server.cookieFile!;
    assert.ok(existsSync(cookie));
    const client = new RpcClient(server.rpcUrl, { cookieFile: cookie });
    assert.equal(await client.call('getblockcount'), 0);
    client.close();
    await server.stop();
    assert.equal(existsSync(cookie), false);
  });
});
