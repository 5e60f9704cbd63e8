// Malformed and hostile input over a real TCP connection to the whole server (devnet, or bitcoind
// with BITCOIND set): every bad message gets the exact JSON-RPC code and message (ElectrumX 1.20 /
// aiorpcx 0.25 wording, notes/electrumx-behaviour.md sections 2, 3 and 9; Anode is stricter on
// types), and afterwards the same session still answers and a new connection still works, except
// where the protocol says to disconnect.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startStack, type Stack } from '../helpers/stack.js';
import { startRegtest, type Regtest } from '../helpers/regtest.js';
import { TestClient } from '../helpers/electrum-client.js';
import { SOFTWARE } from '../../src/version.js';

let regtest: Regtest;
let stack: Stack;
/** The same chain behind a server with a small MAX_SEND, for batch answers that outgrow it. */
let small: Stack;
const SMALL_MAX_SEND = 8000;
let tip: number;
/** Coinbase txids of blocks 1 and 2. */
let cb1: string;
let cb2: string;
let cb1Raw: string;

before(async () => {
  regtest = await startRegtest();
  [stack, small] = await Promise.all([startStack({ regtest }), startStack({ regtest, maxSend: SMALL_MAX_SEND })]);
  tip = await regtest.rpc<number>('getblockcount');
  const coinbase = async (h: number): Promise<string> => (await regtest.rpc<{ tx: string[] }>('getblock', [await regtest.rpc<string>('getblockhash', [h])])).tx[0]!;
  [cb1, cb2] = await Promise.all([coinbase(1), coinbase(2)]);
  cb1Raw = await regtest.rpc<string>('getrawtransaction', [cb1]);
});

after(async () => {
  await Promise.all([stack?.stop(), small?.stop()]);
  await regtest?.stop();
});

// ---- helpers -------------------------------------------------------------------------------

async function open(version: string | [string, string] = '1.4', s: Stack = stack): Promise<TestClient> {
  return TestClient.open(s.port(), version);
}

/** Sends one raw line, returns the next line that is not an answer to request(), parsed. */
async function reply(c: TestClient, line: string): Promise<unknown> {
  c.send(line + '\n');
  return JSON.parse(await c.nextLine());
}

function err(id: unknown, code: number, message: string): unknown {
  return { jsonrpc: '2.0', error: { code, message }, id };
}

/** The same session answers a valid request, and a new connection works. */
async function stillWorks(c: TestClient, s: Stack = stack): Promise<void> {
  assert.equal(await c.request('server.ping'), null);
  const d = await open('1.4', s);
  assert.equal(await d.request('server.ping'), null);
  d.close();
}

/** Each raw line gets exactly this error, the session carries on. */
async function expectErrors(c: TestClient, cases: ReadonlyArray<readonly [string, unknown, number, string]>): Promise<void> {
  for (const [line, id, code, message] of cases) {
    assert.deepEqual(await reply(c, line), err(id, code, message), line.slice(0, 200));
    assert.equal(await c.request('server.ping'), null, `session after ${line.slice(0, 100)}`);
  }
  await stillWorks(c);
}

/** Each call gets exactly this error. */
async function expectCallErrors(c: TestClient, cases: ReadonlyArray<readonly [string, unknown[] | Record<string, unknown>, number, string]>): Promise<void> {
  for (const [method, params, code, message] of cases) {
    const a = await c.call(method, params);
    assert.deepEqual(a.error, { code, message }, `${method} ${JSON.stringify(params).slice(0, 200)}`);
  }
  await stillWorks(c);
}

/** Resolves when the server has closed the connection (TestClient.whenClosed leaves its timer running). */
function closedByServer(c: TestClient, ms = 5000): Promise<void> {
  if (c.closed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the server did not close the connection')), ms);
    c.socket.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

function req(id: unknown, method: string, params?: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
}

// ---- framing and JSON ----------------------------------------------------------------------

test('unparseable JSON: -32700 "invalid JSON" with a null id, before and after server.version', async () => {
  const c = await TestClient.connect(stack.port());
  // Before negotiation a parse error is answered and the session stays open, not negotiated.
  assert.deepEqual(await reply(c, '{bad'), err(null, -32700, 'invalid JSON'));
  assert.deepEqual(await c.request('server.version', ['t', '1.4']), [SOFTWARE, '1.4']);
  await expectErrors(c, [
    ['{bad', null, -32700, 'invalid JSON'],
    ['{"jsonrpc":"2.0","id":1,"method":"server.ping"', null, -32700, 'invalid JSON'],
    ['{"jsonrpc":"2.0","id":1,"method":"server.ping",}', null, -32700, 'invalid JSON'],
    ["{'jsonrpc':'2.0'}", null, -32700, 'invalid JSON'],
    ['   ', null, -32700, 'invalid JSON'],
    ['\ufeff{"jsonrpc":"2.0","id":1,"method":"server.ping"}', null, -32700, 'invalid JSON'],
    ['{"jsonrpc":"2.0","id":1,"method":"server.ping"} {}', null, -32700, 'invalid JSON'],
    ['{"jsonrpc":"2.0","id":1,"method":"server.ping","params":["unterminated]}', null, -32700, 'invalid JSON: unterminated string'],
  ]);
  // Bytes that are not UTF-8 are not JSON either.
  c.socket.write(Buffer.from([0xff, 0xfe, 0x7b, 0x0a]));
  assert.deepEqual(JSON.parse(await c.nextLine()), err(null, -32700, 'invalid JSON'));
  await stillWorks(c);
  c.close();
});

test('empty lines are skipped: nothing is answered and nothing breaks', async () => {
  const c = await open();
  c.send('\n\r\n\n\n');
  c.send(`\n${req('e1', 'server.ping')}\n\n`);
  assert.equal(await c.nextLine(), '{"jsonrpc":"2.0","result":null,"id":"e1"}');
  await stillWorks(c);
  assert.deepEqual(c.lines, []);
  c.close();
});

test('JSON nested 1000 deep and a 4,300-digit integer: -32700 "invalid JSON: ...", no disconnect', async () => {
  const c = await open();
  const deep = `{"jsonrpc":"2.0","id":1,"method":"server.ping","params":${'['.repeat(1000)}${']'.repeat(1000)}}`;
  const deepObj = `{"jsonrpc":"2.0","id":1,"method":"server.ping","params":{"a":${'{"a":'.repeat(1000)}1${'}'.repeat(1001)}}`;
  const huge = `{"jsonrpc":"2.0","id":1,"method":"blockchain.block.header","params":[${'9'.repeat(4300)}]}`;
  const hugeId = `{"jsonrpc":"2.0","id":${'1'.repeat(4300)},"method":"server.ping"}`;
  // Nearly MAX_RECV (1 MB) of brackets: one pass over them, no recursion.
  const million = `${'['.repeat(900_000)}`;
  await expectErrors(c, [
    [deep, null, -32700, 'invalid JSON: nested deeper than 64'],
    [deepObj, null, -32700, 'invalid JSON: nested deeper than 64'],
    [million, null, -32700, 'invalid JSON: nested deeper than 64'],
    [huge, null, -32700, 'invalid JSON: a number longer than 64 characters'],
    [hugeId, null, -32700, 'invalid JSON: a number longer than 64 characters'],
  ]);
  c.close();
});

test('Infinity, 1e309, -Infinity and NaN as a height or count: code 1, never -32603', async () => {
  const c = await open();
  await expectErrors(c, [
    ['{"jsonrpc":"2.0","id":1,"method":"blockchain.block.header","params":[Infinity]}', 1, 1, 'inf should be a non-negative integer'],
    ['{"jsonrpc":"2.0","id":2,"method":"blockchain.block.header","params":[1e309]}', 2, 1, 'inf should be a non-negative integer'],
    ['{"jsonrpc":"2.0","id":3,"method":"blockchain.block.header","params":[-Infinity]}', 3, 1, '-inf should be a non-negative integer'],
    ['{"jsonrpc":"2.0","id":4,"method":"blockchain.block.header","params":[NaN]}', 4, 1, 'nan should be a non-negative integer'],
    ['{"jsonrpc":"2.0","id":5,"method":"blockchain.block.headers","params":[0, Infinity]}', 5, 1, 'inf should be a non-negative integer'],
    ['{"jsonrpc":"2.0","id":6,"method":"blockchain.block.header","params":[0, 1e309]}', 6, 1, 'inf should be a non-negative integer'],
    ['{"jsonrpc":"2.0","id":7,"method":"blockchain.transaction.id_from_pos","params":[1, -1e999]}', 7, 1, '-inf should be a non-negative integer'],
    ['{"jsonrpc":"2.0","id":8,"method":"blockchain.estimatefee","params":[Infinity]}', 8, 1, 'inf should be a non-negative integer'],
    ['{"jsonrpc":"2.0","id":9,"method":"blockchain.block.header","params":{"height":NaN}}', 9, 1, 'nan should be a non-negative integer'],
  ]);
  // Such an id is echoed as sent (Python's json writes it the same way).
  c.send('{"jsonrpc":"2.0","id":Infinity,"method":"server.ping"}\n');
  assert.equal(await c.nextLine(), '{"jsonrpc":"2.0","result":null,"id":Infinity}');
  c.send('{"jsonrpc":"2.0","id":1e309,"method":"server.ping"}\n');
  assert.equal(await c.nextLine(), '{"jsonrpc":"2.0","result":null,"id":1e309}');
  await stillWorks(c);
  c.close();
});

test('JSON that is not a request: -32600 with a null id', async () => {
  const c = await open();
  await expectErrors(c, [
    ['5', null, -32600, 'request object must be a dictionary'],
    ['"x"', null, -32600, 'request object must be a dictionary'],
    ['null', null, -32600, 'request object must be a dictionary'],
    ['true', null, -32600, 'request object must be a dictionary'],
    ['[]', null, -32600, 'batch is empty'],
    ['{"jsonrpc":"2.0","id":[1],"method":"server.ping"}', null, -32600, 'invalid "id": [1]'],
    ['{"jsonrpc":"2.0","id":{},"method":"server.ping"}', null, -32600, 'invalid "id": {}'],
    ['{"jsonrpc":"2.0","id":{"a":[1,"b"]},"method":"server.ping"}', null, -32600, `invalid "id": {'a': [1, 'b']}`],
  ]);
  c.close();
});

test('a 2.0 session: a later message without "jsonrpc":"2.0" is refused; a loose session never checks', async () => {
  const c = await open(); // TestClient speaks "jsonrpc":"2.0"
  await expectErrors(c, [
    ['{"id":"a","method":"server.ping"}', 'a', -32600, '"jsonrpc" is not "2.0"'],
    ['{"jsonrpc":"1.0","id":2,"method":"server.ping"}', 2, -32600, '"jsonrpc" is not "2.0"'],
    ['{"jsonrpc":2.0,"id":3,"method":"server.ping"}', 3, -32600, '"jsonrpc" is not "2.0"'],
  ]);
  c.close();
  const loose = await TestClient.connect(stack.port());
  assert.deepEqual(await reply(loose, '{"id":0,"method":"server.version","params":["x","1.4"]}'), { jsonrpc: '2.0', result: [SOFTWARE, '1.4'], id: 0 });
  assert.deepEqual(await reply(loose, '{"id":1,"method":"server.ping"}'), { jsonrpc: '2.0', result: null, id: 1 });
  assert.deepEqual(await reply(loose, '{"jsonrpc":"2.0","id":2,"method":"server.ping"}'), { jsonrpc: '2.0', result: null, id: 2 });
  loose.close();
});

test('bad params, bad or missing method, unknown method', async () => {
  const c = await open();
  await expectErrors(c, [
    ['{"jsonrpc":"2.0","id":1,"method":"server.ping","params":5}', 1, -32602, 'invalid request arguments: 5'],
    ['{"jsonrpc":"2.0","id":2,"method":"server.ping","params":"abc"}', 2, -32602, 'invalid request arguments: abc'],
    ['{"jsonrpc":"2.0","id":3,"method":"server.ping","params":null}', 3, -32602, 'invalid request arguments: None'],
    ['{"jsonrpc":"2.0","id":4,"method":"server.ping","params":false}', 4, -32602, 'invalid request arguments: False'],
    [`{"jsonrpc":"2.0","id":5,"method":"server.ping","params":"${'p'.repeat(50_000)}"}`, 5, -32602, `invalid request arguments: ${'p'.repeat(100)}...`],
    ['{"jsonrpc":"2.0","id":6,"method":5}', 6, -32601, 'method must be a string'],
    ['{"jsonrpc":"2.0","id":7,"method":null,"params":[]}', 7, -32601, 'method must be a string'],
    ['{"jsonrpc":"2.0","id":8,"method":["server.ping"]}', 8, -32601, 'method must be a string'],
    ['{"jsonrpc":"2.0","id":9,"method":5,"params":5}', 9, -32602, 'invalid request arguments: 5'],
    ['{"jsonrpc":"2.0","id":10}', 10, -32600, 'request has no "method"'],
    ['{"jsonrpc":"2.0","id":11,"result":5}', 11, -32600, 'request has no "method"'],
    ['{"jsonrpc":"2.0","id":12,"method":"x"}', 12, -32601, 'unknown method "x"'],
    ['{"jsonrpc":"2.0","id":13,"method":"toString","params":[]}', 13, -32601, 'unknown method "toString"'],
    ['{"jsonrpc":"2.0","id":14,"method":"__proto__","params":[]}', 14, -32601, 'unknown method "__proto__"'],
    ['{"jsonrpc":"2.0","id":15,"method":"","params":[]}', 15, -32601, 'unknown method ""'],
    [req(16, 'm'.repeat(5000)), 16, -32601, `unknown method "${'m'.repeat(100)}..."`],
  ]);
  c.close();
});

test('wrong number or names of arguments: the aiorpcx messages', async () => {
  const c = await open();
  await expectCallErrors(c, [
    ['blockchain.block.header', [], -32602, '0 arguments passed to method "blockchain.block.header" but it requires 1'],
    ['blockchain.block.headers', [1], -32602, '1 argument passed to method "blockchain.block.headers" but it requires 2'],
    ['blockchain.transaction.get_merkle', [cb1], -32602, '1 argument passed to method "blockchain.transaction.get_merkle" but it requires 2'],
    ['blockchain.block.header', [1, 2, 3], -32602, '3 arguments passed to method blockchain.block.header taking at most 2'],
    ['server.ping', [1], -32602, '1 argument passed to method server.ping taking at most 0'],
    ['blockchain.scripthash.get_balance', ['00'.repeat(32), 1], -32602, '2 arguments passed to method blockchain.scripthash.get_balance taking at most 1'],
    ['blockchain.block.header', {}, -32602, 'method "blockchain.block.header" requires parameter "height"'],
    ['blockchain.block.headers', { cp_height: 0 }, -32602, 'method "blockchain.block.headers" requires parameters "count", "start_height"'],
    ['blockchain.block.header', { height: 1, z: 2 }, -32602, 'method "blockchain.block.header" does not take parameter "z"'],
    ['blockchain.block.header', { hieght: 1 }, -32602, 'method "blockchain.block.header" requires parameter "height"'],
    ['server.ping', { b: 1, a: 2 }, -32602, 'method "server.ping" does not take parameters "a", "b"'],
  ]);
  // Named arguments that fit work.
  assert.equal(typeof (await c.request('blockchain.block.header', { height: 1 })), 'string');
  assert.equal(await c.request('server.ping', {}), null);
  c.close();
});

test('ids are echoed exactly as sent', async () => {
  const c = await open();
  const cases: Array<[string, string]> = [
    ['7002.0', '7002.0'],
    [' 7002.0', '7002.0'],
    ['123456789012345678901234567890', '123456789012345678901234567890'],
    ['-12.50e+3', '-12.50e+3'],
    ['0', '0'],
    ['"abc"', '"abc"'],
    ['""', '""'],
    ['"with \\"quotes\\" and \\u00e9"', '"with \\"quotes\\" and é"'],
    ['true', 'true'],
    ['false', 'false'],
  ];
  for (const [sent, echoed] of cases) {
    c.send(`{"jsonrpc":"2.0","method":"server.ping","id":${sent}}\n`);
    assert.equal(await c.nextLine(), `{"jsonrpc":"2.0","result":null,"id":${echoed}}`, sent);
    // ... on errors too.
    c.send(`{"jsonrpc":"2.0","method":"blockchain.block.header","params":[-1],"id":${sent}}\n`);
    assert.equal(await c.nextLine(), `{"jsonrpc":"2.0","error":{"code":1,"message":"-1 should be a non-negative integer"},"id":${echoed}}`, sent);
  }
  // In a batch, each element keeps its own id, whatever elements come before it.
  c.send(`["x", {"jsonrpc":"2.0","id": 7.0,"method":"server.ping"}, {"jsonrpc":"2.0","id":8.0,"method":"server.ping"}, {"jsonrpc":"2.0","id":${'9'.repeat(30)},"method":"server.ping"}]\n`);
  assert.equal(
    await c.nextLine(),
    `[{"jsonrpc":"2.0","error":{"code":-32600,"message":"request object must be a dictionary"},"id":null},{"jsonrpc":"2.0","result":null,"id":7.0},{"jsonrpc":"2.0","result":null,"id":8.0},{"jsonrpc":"2.0","result":null,"id":${'9'.repeat(30)}}]`,
  );
  await stillWorks(c);
  c.close();
});

// ---- server.version ------------------------------------------------------------------------

test('server.version must come first: anything else is answered with code 1 and the session closed', async () => {
  const firsts = [req(0, 'server.ping', []), req(0, 'blockchain.headers.subscribe'), req(0, 'no.such.method', []), req(0, 'blockchain.block.header', []), req(0, 'blockchain.block.header', ['x'])];
  for (const first of firsts) {
    const c = await TestClient.connect(stack.port());
    assert.deepEqual(await reply(c, first), err(0, 1, 'use server.version to identify client'), first);
    await closedByServer(c);
    assert.deepEqual(c.lines, []);
  }
  // A notification first (even one named server.version): closed without an answer.
  for (const first of ['{"jsonrpc":"2.0","method":"server.ping","params":[]}', '{"jsonrpc":"2.0","method":"server.version","params":["x","1.4"]}', '{"jsonrpc":"2.0","id":null,"method":"server.ping"}']) {
    const c = await TestClient.connect(stack.port());
    c.send(first + '\n');
    await closedByServer(c);
    assert.deepEqual(c.lines, [], first);
  }
  // A batch whose first request is not server.version.
  const b = await TestClient.connect(stack.port());
  b.send(`[${req(0, 'server.ping')}]\n`);
  await closedByServer(b);
  const d = await open();
  await stillWorks(d);
  d.close();
});

test('server.version: unsupported versions are answered with code 1, then the session is closed', async () => {
  const cases: Array<[unknown, string]> = [
    ['1.3', '1.3'],
    ['2.0', '2.0'],
    [['1.6', '1.4'], "['1.6', '1.4']"],
    [1.4, '1.4'],
    [['1.4'], "['1.4']"],
    ['', ''],
    ['abc', 'abc'],
    [[1, 4], '[1, 4]'],
    ['1.7', '1.7'],
    ['x'.repeat(500), `${'x'.repeat(100)}...`],
  ];
  for (const [asked, shown] of cases) {
    const c = await TestClient.connect(stack.port());
    assert.deepEqual(await reply(c, req(0, 'server.version', ['electrum/4.6.2', asked])), err(0, 1, `unsupported protocol version: ${shown}`), JSON.stringify(asked));
    await closedByServer(c);
  }
  const d = await open();
  await stillWorks(d);
  d.close();
});

test('server.version: the negotiated version, spelled as ElectrumX spells it; extra arguments ignored', async () => {
  const cases: Array<[unknown, string]> = [
    [['x', '1.4'], '1.4'],
    [['x', '1.4.2'], '1.4.2'],
    [['x', '1.5'], '1.5'],
    [['x', '1.6'], '1.6'],
    [['x', ['1.4', '1.6']], '1.6'],
    [['x', '1.6.0'], '1.6.0'],
    [['x', ['1.4', '1.7']], '1.6.0'],
    [['x', ['1.4', '2.0']], '1.6.0'],
    [['x'], '1.4'],
    [[], '1.4'],
    [['x', null], '1.4'],
    [{}, '1.4'],
    [['electrum/4.6.2', ['1.4', '1.6'], 'trailing_garbage1', 9999.9, { dd: {} }], '1.6'],
    [{ client_name: 'x', protocol_version: '1.6', dd: {} }, '1.6'],
    [{ protocol_version: ['1.4', '1.6'] }, '1.6'],
  ];
  for (const [params, negotiated] of cases) {
    const c = await TestClient.connect(stack.port());
    assert.deepEqual(await reply(c, req(0, 'server.version', params)), { jsonrpc: '2.0', result: [SOFTWARE, negotiated], id: 0 }, JSON.stringify(params));
    assert.equal(await c.request('server.ping'), null);
    c.close();
  }
  // Params omitted altogether.
  const c = await TestClient.connect(stack.port());
  assert.deepEqual(await reply(c, '{"jsonrpc":"2.0","id":0,"method":"server.version"}'), { jsonrpc: '2.0', result: [SOFTWARE, '1.4'], id: 0 });
  c.close();
});

test('a second server.version is refused with code 1 and the session stays open', async () => {
  const c = await open('1.6');
  await expectCallErrors(c, [
    ['server.version', ['x', '1.4'], 1, 'server.version already sent'],
    ['server.version', ['x', '9.9'], 1, 'server.version already sent'],
    ['server.version', [], 1, 'server.version already sent'],
    ['server.version', 5 as never, -32602, 'invalid request arguments: 5'],
  ]);
  // Still 1.6: a 1.6-only method exists, a removed one does not.
  assert.equal(typeof (await c.request<{ minrelaytxfee: number }>('mempool.get_info')).minrelaytxfee, 'number');
  assert.deepEqual((await c.call('blockchain.relayfee')).error, { code: -32601, message: 'unknown method "blockchain.relayfee"' });
  c.close();
});

// ---- per-method parameters -----------------------------------------------------------------

const SCRIPTHASH_METHODS = ['blockchain.scripthash.get_balance', 'blockchain.scripthash.get_history', 'blockchain.scripthash.get_mempool', 'blockchain.scripthash.listunspent', 'blockchain.scripthash.subscribe', 'blockchain.scripthash.unsubscribe'];

test('scripthashes and tx hashes must be exactly 64 hex digits', async () => {
  const c = await open('1.6');
  const bad: Array<[unknown, string]> = [
    ['00'.repeat(31), '00'.repeat(31)],
    ['0'.repeat(63), '0'.repeat(63)],
    ['00'.repeat(33), '00'.repeat(33)],
    ['zz'.repeat(32), 'zz'.repeat(32)],
    [`${'00'.repeat(31)}0 `, `${'00'.repeat(31)}0 `],
    [' '.repeat(64), ' '.repeat(64)],
    ['', ''],
    [5, '5'],
    [null, 'None'],
    [true, 'True'],
    [['00'], "['00']"],
    [{ a: 1 }, "{'a': 1}"],
    ['ab'.repeat(5000), `${'ab'.repeat(50)}...`],
  ];
  const cases: Array<[string, unknown[], number, string]> = [];
  for (const [v, text] of bad) {
    for (const m of SCRIPTHASH_METHODS) cases.push([m, [v], 1, `${text} is not a valid script hash`]);
    cases.push(['blockchain.transaction.get', [v], 1, `${text} should be a transaction hash`]);
    cases.push(['blockchain.transaction.get', [v, true], 1, `${text} should be a transaction hash`]);
    cases.push(['blockchain.transaction.get_merkle', [v, 1], 1, `${text} should be a transaction hash`]);
  }
  await expectCallErrors(c, cases);
  // Upper case is fine.
  assert.deepEqual(await c.request('blockchain.scripthash.get_balance', ['AB'.repeat(32)]), { confirmed: 0, unconfirmed: 0 });
  assert.equal(await c.request('blockchain.transaction.get', [cb1.toUpperCase()]), cb1Raw);
  c.close();
});

test('heights, counts and positions must be non-negative JSON integers', async () => {
  const c = await open('1.6');
  const bad: Array<[unknown, string]> = [
    [-1, '-1'],
    [1.5, '1.5'],
    [-0.5, '-0.5'],
    ['5', '5'],
    ['abc', 'abc'],
    [true, 'True'],
    [false, 'False'],
    [null, 'None'],
    [[], '[]'],
    [{}, '{}'],
    [1e20, '100000000000000000000'],
  ];
  const cases: Array<[string, unknown[], number, string]> = [];
  for (const [v, text] of bad) {
    const m = `${text} should be a non-negative integer`;
    cases.push(['blockchain.block.header', [v], 1, m]);
    cases.push(['blockchain.block.header', [1, v], 1, m]);
    cases.push(['blockchain.block.headers', [v, 1], 1, m]);
    cases.push(['blockchain.block.headers', [0, v], 1, m]);
    cases.push(['blockchain.block.headers', [0, 1, v], 1, m]);
    cases.push(['blockchain.transaction.get_merkle', [cb1, v], 1, m]);
    cases.push(['blockchain.transaction.id_from_pos', [v, 0], 1, m]);
    cases.push(['blockchain.transaction.id_from_pos', [1, v], 1, m]);
    cases.push(['blockchain.estimatefee', [v], 1, m]);
  }
  // id_from_pos checks tx_pos before height, as ElectrumX.
  cases.push(['blockchain.transaction.id_from_pos', [-1, -2], 1, '-2 should be a non-negative integer']);
  await expectCallErrors(c, cases);
  c.close();
});

test('flags, fee modes and methods of another protocol version', async () => {
  const c16 = await open('1.6');
  await expectCallErrors(c16, [
    ['blockchain.transaction.get', [cb1, 'true'], 1, '"verbose" must be a boolean'],
    ['blockchain.transaction.get', [cb1, 2], 1, '"verbose" must be a boolean'],
    ['blockchain.transaction.get', [cb1, null], 1, '"verbose" must be a boolean'],
    ['blockchain.transaction.id_from_pos', [1, 0, 'yes'], 1, '"merkle" must be a boolean'],
    ['blockchain.transaction.id_from_pos', [1, 0, []], 1, '"merkle" must be a boolean'],
    ['blockchain.transaction.broadcast_package', [['00'], 'x'], 1, '"verbose" must be a boolean'],
    ['blockchain.estimatefee', [2, 'foo'], 1, 'unknown estimatefee mode: FOO'],
    ['blockchain.estimatefee', [2, ''], 1, 'unknown estimatefee mode: '],
    ['blockchain.relayfee', [], -32601, 'unknown method "blockchain.relayfee"'],
  ]);
  // Modes are case-insensitive; none at all is fine.
  for (const params of [[2], [2, 'economical'], [2, 'CONSERVATIVE'], [2, null]]) assert.equal(typeof (await c16.request('blockchain.estimatefee', params)), 'number');
  c16.close();
  const c14 = await open('1.4');
  await expectCallErrors(c14, [
    ['mempool.get_info', [], -32601, 'unknown method "mempool.get_info"'],
    ['blockchain.transaction.broadcast_package', [['00']], -32601, 'unknown method "blockchain.transaction.broadcast_package"'],
    // unsubscribe came in 1.4.2.
    ['blockchain.scripthash.unsubscribe', ['00'.repeat(32)], -32601, 'unknown method "blockchain.scripthash.unsubscribe"'],
  ]);
  assert.equal(typeof (await c14.request('blockchain.relayfee')), 'number');
  c14.close();
  const c142 = await open('1.4.2');
  assert.equal(await c142.request('blockchain.scripthash.unsubscribe', ['00'.repeat(32)]), false);
  c142.close();
});

test('broadcast: not hex, odd length, and valid hex the daemon rejects', async () => {
  const c = await open('1.6');
  await expectCallErrors(c, [
    ['blockchain.transaction.broadcast', ['zz'], 1, 'zz should be a hex string'],
    ['blockchain.transaction.broadcast', ['abc'], 1, 'abc should be a hex string'],
    ['blockchain.transaction.broadcast', ['00 11'], 1, '00 11 should be a hex string'],
    ['blockchain.transaction.broadcast', [5], 1, '5 should be a hex string'],
    ['blockchain.transaction.broadcast', [null], 1, 'None should be a hex string'],
    ['blockchain.transaction.broadcast', ['0'.repeat(4001)], 1, `${'0'.repeat(100)}... should be a hex string`],
    ['blockchain.transaction.broadcast_package', ['00'], 1, '00 should be a list'],
    ['blockchain.transaction.broadcast_package', [['00', 'xyz']], 1, 'xyz should be a hex string'],
  ]);
  // The daemon's own words, between ElectrumX's; the raw transaction echoed is cut to 100 characters.
  const daemonSays = async (raw: string): Promise<string> => {
    try {
      await regtest.rpc('sendrawtransaction', [raw]);
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail(`the daemon accepted ${raw.slice(0, 20)}`);
  };
  for (const raw of ['00', '0200000000', cb1Raw, `${cb1Raw}00`]) {
    const said = await daemonSays(raw);
    const echo = raw.length > 100 ? `${raw.slice(0, 100)}...` : raw;
    const a = await c.call('blockchain.transaction.broadcast', [raw]);
    assert.deepEqual(a.error, { code: 1, message: `the transaction was rejected by network rules.\n\n${said}\n[${echo}]` }, raw.slice(0, 20));
  }
  await stillWorks(c);
  c.close();
});

test('merkle proofs, positions and header heights outside the chain', async () => {
  const c = await open('1.6');
  const t = tip.toLocaleString('en-US');
  await expectCallErrors(c, [
    ['blockchain.transaction.get_merkle', [cb2, 1], 1, `tx ${cb2} not in block at height 1`],
    ['blockchain.transaction.get_merkle', [cb2.toUpperCase(), 1], 1, `tx ${cb2} not in block at height 1`],
    ['blockchain.transaction.get_merkle', [cb1, 1000], 1, `db error: DBError('block 1,000 not on disk (>${t})')`],
    ['blockchain.transaction.id_from_pos', [1, 1], 1, 'no tx at position 1 in block at height 1'],
    ['blockchain.transaction.id_from_pos', [1, 1_000_000, true], 1, 'no tx at position 1,000,000 in block at height 1'],
    ['blockchain.transaction.id_from_pos', [tip + 1, 0], 1, `db error: DBError('block ${(tip + 1).toLocaleString('en-US')} not on disk (>${t})')`],
    ['blockchain.block.header', [tip + 1], 1, `height ${(tip + 1).toLocaleString('en-US')} out of range`],
    ['blockchain.block.header', [1000], 1, 'height 1,000 out of range'],
    ['blockchain.block.header', [123_456_789], 1, 'height 123,456,789 out of range'],
    ['blockchain.block.header', [2 ** 53 - 1], 1, 'height 9,007,199,254,740,991 out of range'],
    ['blockchain.block.header', [10, 5], 1, `require header height 10 <= cp_height 5 <= chain height ${t}`],
    ['blockchain.block.header', [5, tip + 1], 1, `require header height 5 <= cp_height ${(tip + 1).toLocaleString('en-US')} <= chain height ${t}`],
    ['blockchain.block.headers', [0, 10, 5], 1, `require header height 9 <= cp_height 5 <= chain height ${t}`],
    ['blockchain.block.headers', [0, 10, 1_000_000], 1, `require header height 9 <= cp_height 1,000,000 <= chain height ${t}`],
  ]);
  // The valid neighbours work.
  assert.deepEqual(await c.request('blockchain.transaction.get_merkle', [cb1, 1]), { block_height: 1, merkle: [], pos: 0 });
  assert.equal(await c.request('blockchain.transaction.id_from_pos', [1, 0]), cb1);
  assert.deepEqual(await c.request('blockchain.block.headers', [tip + 1, 5]), { count: 0, max: 2016, headers: [] });
  c.close();
});

// ---- batches -------------------------------------------------------------------------------

test('a batch: one answer per element, in request order, invalid elements answered, notifications not', async () => {
  const c = await open('1.6');
  const batch = [
    { jsonrpc: '2.0', id: 'a', method: 'server.ping' },
    5,
    { jsonrpc: '2.0', method: 'server.ping' },
    { jsonrpc: '2.0', id: 'b', method: 'blockchain.block.header', params: [-1] },
    { jsonrpc: '2.0', id: 'c', method: 'no.such' },
    { jsonrpc: '2.0', id: 'd', method: 'blockchain.block.header', params: [0] },
    { jsonrpc: '2.0', id: [1], method: 'server.ping' },
    { jsonrpc: '2.0', id: 'e', method: 'server.version', params: ['x', '1.4'] },
    { id: 'f', method: 'server.ping' },
    { jsonrpc: '2.0', id: 'g', method: 'server.ping', params: 5 },
  ];
  const header0 = await c.request<string>('blockchain.block.header', [0]);
  assert.deepEqual(await reply(c, JSON.stringify(batch)), [
    { jsonrpc: '2.0', result: null, id: 'a' },
    err(null, -32600, 'request object must be a dictionary'),
    err('b', 1, '-1 should be a non-negative integer'),
    err('c', -32601, 'unknown method "no.such"'),
    { jsonrpc: '2.0', result: header0, id: 'd' },
    err(null, -32600, 'invalid "id": [1]'),
    err('e', 1, 'server.version already sent'),
    err('f', -32600, '"jsonrpc" is not "2.0"'),
    err('g', -32602, 'invalid request arguments: 5'),
  ]);
  // Only invalid elements; notifications with invalid elements (aiorpcx never answers that one).
  assert.deepEqual(await reply(c, '[5, 6]'), [err(null, -32600, 'request object must be a dictionary'), err(null, -32600, 'request object must be a dictionary')]);
  assert.deepEqual(await reply(c, '[{"jsonrpc":"2.0","method":"n"}, 5]'), [err(null, -32600, 'request object must be a dictionary')]);
  assert.deepEqual(await reply(c, '[[]]'), [err(null, -32600, 'request object must be a dictionary')]);
  // A batch of only notifications gets no reply at all: the next line is the ping's answer.
  c.send('[{"jsonrpc":"2.0","method":"server.ping"},{"jsonrpc":"2.0","method":"blockchain.headers.subscribe","id":null}]\n');
  c.send(`${req('after', 'server.ping')}\n`);
  assert.equal(await c.nextLine(), '{"jsonrpc":"2.0","result":null,"id":"after"}');
  await stillWorks(c);
  assert.deepEqual(c.lines, []);
  c.close();
});

test('batch size limits: 2000 elements are answered, 2001 get one -32600', async () => {
  const c = await open('1.6');
  const ping = (i: number): unknown => ({ jsonrpc: '2.0', id: i, method: 'server.ping' });
  const answer = (await reply(c, JSON.stringify(Array.from({ length: 2000 }, (_, i) => ping(i))))) as Array<{ id: number; result: null }>;
  assert.equal(answer.length, 2000);
  assert.deepEqual(
    answer.map((a) => a.id),
    Array.from({ length: 2000 }, (_, i) => i),
  );
  await expectErrors(c, [[JSON.stringify(Array.from({ length: 2001 }, (_, i) => ping(i))), null, -32600, 'batch of 2001 requests is over the limit of 2000']]);
  c.close();
});

test('a batch whose answers together pass MAX_SEND: the elements past the limit get -32600', async () => {
  const c = await open('1.6', small);
  // ~3.3 KB each: two fit in 8,000 bytes, the third would not, nor anything after it.
  const headers = (id: string): unknown => ({ jsonrpc: '2.0', id, method: 'blockchain.block.headers', params: [0, 20] });
  const batch = [headers('h1'), { jsonrpc: '2.0', id: 'p1', method: 'server.ping' }, headers('h2'), headers('h3'), { jsonrpc: '2.0', id: 'p2', method: 'server.ping' }, 'bad'];
  const single = await c.request<{ count: number }>('blockchain.block.headers', [0, 20]);
  assert.equal(single.count, 20);
  const line = await (async () => {
    c.send(JSON.stringify(batch) + '\n');
    return c.nextLine();
  })();
  const tooLarge = (id: unknown): unknown => err(id, -32600, `response too large (over ${SMALL_MAX_SEND.toLocaleString('en-US')} bytes)`);
  assert.deepEqual(JSON.parse(line), [
    { jsonrpc: '2.0', result: single, id: 'h1' },
    { jsonrpc: '2.0', result: null, id: 'p1' },
    { jsonrpc: '2.0', result: single, id: 'h2' },
    tooLarge('h3'),
    tooLarge('p2'),
    tooLarge(null),
  ]);
  assert.ok(line.length <= SMALL_MAX_SEND, `batch answer of ${line.length} bytes`);
  // 2,000 of them (13 MB of answers): the first is kept, every other one is the error, in order.
  const many = Array.from({ length: 2000 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'blockchain.block.headers', params: [0, 20] }));
  c.send(JSON.stringify(many) + '\n');
  const manyAnswers = JSON.parse(await c.nextLine()) as unknown[];
  assert.deepEqual(manyAnswers, [{ jsonrpc: '2.0', result: single, id: 0 }, { jsonrpc: '2.0', result: single, id: 1 }, ...many.slice(2).map((m) => tooLarge(m.id))]);
  // One request alone over the limit; a history over it.
  assert.deepEqual((await c.call('blockchain.block.headers', [0, 100])).error, { code: -32600, message: `response too large (over ${SMALL_MAX_SEND.toLocaleString('en-US')} bytes)` });
  const block1 = await regtest.rpc<{ tx: Array<{ vout: Array<{ scriptPubKey: { hex: string } }> }> }>('getblock', [await regtest.rpc<string>('getblockhash', [1]), 2]);
  const script = Buffer.from(block1.tx[0]!.vout[0]!.scriptPubKey.hex, 'hex');
  const miner = Buffer.from(createHash('sha256').update(script).digest()).reverse().toString('hex');
  assert.deepEqual((await c.call('blockchain.scripthash.get_history', [miner])).error, { code: -32600, message: `response too large (over ${SMALL_MAX_SEND.toLocaleString('en-US')} bytes)` });
  await stillWorks(c, small);
  c.close();
});
