// Unit tests of the JSON-RPC layer: the pre-scan (depth, number length, raw ids, NaN/Infinity),
// message parsing into items, the encoders, argument binding and the parameter validators, and
// version negotiation. Messages are ElectrumX 1.20 / aiorpcx 0.25's (notes/electrumx-behaviour.md
// sections 2, 3 and 9) except where Anode is deliberately stricter on types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DEPTH, MAX_NUMBER_LENGTH, scanMessage, standardJson } from '../../src/electrum/jsonrpc/scan.js';
import { parseMessage, type Flavour, type Item, type Parsed } from '../../src/electrum/jsonrpc/message.js';
import { batchMessage, errorMessage, notificationMessage, resultMessage } from '../../src/electrum/jsonrpc/encode.js';
import { bindArgs, booleanParam, hexParam, listParam, nonNegativeInteger, scriptHashParam, txHashParam, type Signature } from '../../src/electrum/params.js';
import { ECHO_LIMIT, ErrorCode, RpcError, grouped, responseTooLarge, shown } from '../../src/electrum/errors.js';
import { PROTOCOL_MAX, PROTOCOL_MIN, compareVersions, negotiate, parseVersion, versionString } from '../../src/electrum/version.js';

const MAX_BATCH = 2000;

function parse(text: string, flavour: Flavour | null = null): Parsed {
  return parseMessage(text, flavour, MAX_BATCH);
}

function single(text: string, flavour: Flavour | null = null): Item {
  const p = parse(text, flavour);
  assert.equal(p.incoming.kind, 'single', text);
  return (p.incoming as { item: Item }).item;
}

function unreadable(text: string, flavour: Flavour | null = null): { code: number; message: string } {
  const p = parse(text, flavour);
  assert.equal(p.incoming.kind, 'unreadable', text);
  const e = (p.incoming as { error: RpcError }).error;
  return { code: e.code, message: e.message };
}

function invalid(item: Item): { id: string; code: number; message: string } {
  assert.equal(item.kind, 'invalid');
  const i = item as Extract<Item, { kind: 'invalid' }>;
  return { id: i.id, code: i.error.code, message: i.error.message };
}

function rpcErr(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RpcError, `not an RpcError: ${String(e)}`);
    return { code: e.code, message: e.message };
  }
  assert.fail('no error thrown');
}

// ---- scan ----------------------------------------------------------------------------------

test('scan: depth and number length are bounded without recursion', () => {
  assert.equal(scanMessage('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH)).problem, null);
  assert.equal(scanMessage('['.repeat(MAX_DEPTH + 1)).problem, `nested deeper than ${MAX_DEPTH}`);
  // A million levels: one linear pass, no stack overflow.
  assert.equal(scanMessage('{"a":'.repeat(1_000_000)).problem, `nested deeper than ${MAX_DEPTH}`);
  assert.equal(scanMessage(`[${'9'.repeat(MAX_NUMBER_LENGTH)}]`).problem, null);
  assert.equal(scanMessage(`[${'9'.repeat(MAX_NUMBER_LENGTH + 1)}]`).problem, `a number longer than ${MAX_NUMBER_LENGTH} characters`);
  assert.equal(scanMessage(`[${'1'.repeat(4300)}]`).problem, `a number longer than ${MAX_NUMBER_LENGTH} characters`);
  // Brackets and digits inside strings are not structure.
  assert.equal(scanMessage(`["${'['.repeat(1000)}${'1'.repeat(4300)}\\"]"]`).problem, null);
  assert.equal(scanMessage('["abc').problem, 'unterminated string');
  assert.equal(scanMessage('["ab\\"]').problem, 'unterminated string');
  assert.equal(scanMessage('["ab\\\\"]').problem, null);
});

test('scan: raw numeric ids of a lone request and of batch elements, whatever precedes them', () => {
  assert.deepEqual([...scanMessage('{"id":7002.0,"method":"m"}').numericIds], [[0, '7002.0']]);
  // Whitespace around the colon (Python's json.dumps writes "id": 7002.0).
  assert.deepEqual([...scanMessage('{"id" :  7002.0 , "method":"m"}').numericIds], [[0, '7002.0']]);
  assert.deepEqual([...scanMessage('{ "id":\n\t-1.50e+3}').numericIds], [[0, '-1.50e+3']]);
  // Only the request's own id, not an "id" inside params.
  assert.deepEqual([...scanMessage('{"params":{"id":1.0},"id":2.0}').numericIds], [[0, '2.0']]);
  assert.deepEqual([...scanMessage('{"params":[{"id":1.0}]}').numericIds], []);
  // String, literal, number and container elements before a request all count as elements.
  const text = '["x", 5, true, null, false, [1.0], {"a":1}, {"id": 7.0}, {"id":8.0}, NaN, -Infinity, {"id":9.0}]';
  assert.deepEqual([...scanMessage(text).numericIds], [
    [7, '7.0'],
    [8, '8.0'],
    [11, '9.0'],
  ]);
  const big = '123456789012345678901234567890';
  assert.deepEqual([...scanMessage(`[{"id":${big}}]`).numericIds], [[0, big]]);
  // A string id is not a numeric id.
  assert.deepEqual([...scanMessage('{"id":"7.0"}').numericIds], []);
});

test('scan: NaN, Infinity and -Infinity outside strings are found and made standard', () => {
  const text = '{"id":Infinity,"params":[NaN,-Infinity,"NaN Infinity",Infinityx]}';
  const s = scanMessage(text);
  assert.equal(s.problem, null);
  assert.deepEqual(s.numericIds.get(0), 'Infinity');
  const spans = s.nonStandard.map(([a, b]) => text.slice(a, b));
  assert.deepEqual(spans, ['Infinity', 'NaN', '-Infinity']);
  const std = standardJson(text, s.nonStandard);
  assert.equal(std.hasNaN, true);
  assert.equal(std.text, '{"id":1e999,"params":["\\u0000anode:NaN\\u0000",-1e999,"NaN Infinity",Infinityx]}');
});

// ---- parseMessage --------------------------------------------------------------------------

test('parse: unreadable messages', () => {
  assert.deepEqual(unreadable('{bad'), { code: -32700, message: 'invalid JSON' });
  assert.deepEqual(unreadable('{"jsonrpc":"2.0",}'), { code: -32700, message: 'invalid JSON' });
  assert.deepEqual(unreadable(' '), { code: -32700, message: 'invalid JSON' });
  assert.deepEqual(unreadable('\ufeff{}'), { code: -32700, message: 'invalid JSON' });
  assert.deepEqual(unreadable('['.repeat(1000) + ']'.repeat(1000)), { code: -32700, message: `invalid JSON: nested deeper than ${MAX_DEPTH}` });
  assert.deepEqual(unreadable(`{"id":1,"method":"m","params":[${'7'.repeat(4300)}]}`), { code: -32700, message: `invalid JSON: a number longer than ${MAX_NUMBER_LENGTH} characters` });
  assert.deepEqual(unreadable('[]'), { code: -32600, message: 'batch is empty' });
  const over = JSON.stringify(Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({ id: i, method: 'server.ping' })));
  assert.deepEqual(unreadable(over), { code: -32600, message: `batch of ${MAX_BATCH + 1} requests is over the limit of ${MAX_BATCH}` });
  const atLimit = parse(JSON.stringify(Array.from({ length: MAX_BATCH }, (_, i) => ({ id: i, method: 'server.ping' }))));
  assert.equal(atLimit.incoming.kind, 'batch');
});

test('parse: a parse error leaves the flavour undecided; the first message that parses decides it', () => {
  assert.equal(parse('{bad').flavour, null);
  assert.equal(parse('{bad', 'v2').flavour, 'v2');
  assert.equal(parse('{"jsonrpc":"2.0","id":1,"method":"m"}').flavour, 'v2');
  assert.equal(parse('{"jsonrpc":"1.0","id":1,"method":"m","params":[]}').flavour, 'v1');
  assert.equal(parse('{"id":1,"method":"m"}').flavour, 'loose');
  assert.equal(parse('{"jsonrpc":"3.0","id":1,"method":"m"}').flavour, 'loose');
  assert.equal(parse('5').flavour, 'loose');
  assert.equal(parse('[{"id":1,"method":"m"},{"jsonrpc":"2.0","id":2,"method":"m"}]').flavour, 'v2');
  assert.equal(parse('{"id":1,"method":"m"}', 'v2').flavour, 'v2');
});

test('parse: non-objects, bad ids, bad params, bad or missing method', () => {
  for (const t of ['5', '"x"', 'null', 'true', '1.5']) {
    assert.deepEqual(invalid(single(t)), { id: 'null', code: -32600, message: 'request object must be a dictionary' }, t);
  }
  assert.deepEqual(invalid(single('{"jsonrpc":"2.0","id":[1],"method":"m"}')), { id: 'null', code: -32600, message: 'invalid "id": [1]' });
  assert.deepEqual(invalid(single('{"jsonrpc":"2.0","id":{},"method":"m"}')), { id: 'null', code: -32600, message: 'invalid "id": {}' });
  assert.deepEqual(invalid(single('{"jsonrpc":"2.0","id":{"a":1},"method":"m"}')), { id: 'null', code: -32600, message: `invalid "id": {'a': 1}` });
  // A 2.0 session: every later message must say so.
  assert.deepEqual(invalid(single('{"id":4,"method":"server.ping"}', 'v2')), { id: '4', code: -32600, message: '"jsonrpc" is not "2.0"' });
  assert.deepEqual(invalid(single('{"jsonrpc":"1.0","id":"a","method":"server.ping"}', 'v2')), { id: '"a"', code: -32600, message: '"jsonrpc" is not "2.0"' });
  // ... a loose one never checks it.
  assert.equal(single('{"id":4,"method":"server.ping"}', 'loose').kind, 'request');
  assert.deepEqual(invalid(single('{"jsonrpc":"2.0","id":3,"method":"m","params":5}')), { id: '3', code: -32602, message: 'invalid request arguments: 5' });
  assert.deepEqual(invalid(single('{"jsonrpc":"2.0","id":3,"method":"m","params":"abc"}')), { id: '3', code: -32602, message: 'invalid request arguments: abc' });
  assert.deepEqual(invalid(single('{"jsonrpc":"2.0","id":3,"method":"m","params":null}')), { id: '3', code: -32602, message: 'invalid request arguments: None' });
  assert.deepEqual(invalid(single('{"jsonrpc":"2.0","id":3,"method":"m","params":true}')), { id: '3', code: -32602, message: 'invalid request arguments: True' });
  assert.deepEqual(invalid(single(`{"jsonrpc":"2.0","id":3,"method":"m","params":"${'z'.repeat(5000)}"}`)), { id: '3', code: -32602, message: `invalid request arguments: ${'z'.repeat(ECHO_LIMIT)}...` });
  for (const m of ['5', 'null', '[]', '{}', 'true']) {
    assert.deepEqual(invalid(single(`{"jsonrpc":"2.0","id":2,"method":${m}}`)), { id: '2', code: -32601, message: 'method must be a string' }, m);
  }
  // Both bad: the params error wins, as in aiorpcx.
  assert.deepEqual(invalid(single('{"jsonrpc":"2.0","id":2,"method":5,"params":5}')), { id: '2', code: -32602, message: 'invalid request arguments: 5' });
  assert.deepEqual(invalid(single('{"jsonrpc":"2.0","id":1}')), { id: '1', code: -32600, message: 'request has no "method"' });
  assert.deepEqual(invalid(single('{"id":1,"result":5}')), { id: '1', code: -32600, message: 'request has no "method"' });
});

test('parse: requests, notifications, params and ids echoed as sent', () => {
  const r = single('{"jsonrpc":"2.0","id":7002.0,"method":"server.ping"}');
  assert.deepEqual(r, { kind: 'request', id: '7002.0', method: 'server.ping', params: [] });
  const cases: Array<[string, string]> = [
    ['7002.0', '7002.0'],
    ['123456789012345678901234567890', '123456789012345678901234567890'],
    ['-0', '-0'],
    ['1e400', '1e400'],
    ['1.5', '1.5'],
    ['"abc"', '"abc"'],
    ['""', '""'],
    ['"\\u00e9\\n"', '"é\\n"'],
    ['true', 'true'],
    ['false', 'false'],
    ['0', '0'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
  ];
  for (const [sent, echoed] of cases) {
    const item = single(`{"jsonrpc":"2.0","method":"m","id": ${sent}}`);
    assert.equal(item.kind, 'request', sent);
    assert.equal((item as { id: string }).id, echoed, sent);
  }
  assert.deepEqual(single('{"jsonrpc":"2.0","method":"m","params":{"a":1}}'), { kind: 'notification', method: 'm', params: { a: 1 } });
  assert.deepEqual(single('{"jsonrpc":"2.0","method":"m","id":null}'), { kind: 'notification', method: 'm', params: [] });
  // Infinity, -Infinity and NaN as values reach the validators as numbers.
  const p = single('{"jsonrpc":"2.0","id":1,"method":"m","params":[Infinity,-Infinity,NaN,1e309,"NaN"]}') as unknown as { params: unknown[] };
  assert.deepEqual(p.params, [Infinity, -Infinity, NaN, Infinity, 'NaN']);
});

test('parse: batches keep each element, with its own raw id', () => {
  const p = parse('[{"jsonrpc":"2.0","id":5,"method":"a"}, "x", {"jsonrpc":"2.0","id": 7.0,"method":"b"}, {"jsonrpc":"2.0","method":"n"}, {"jsonrpc":"2.0","id":8.0,"method":"c"}, 5, {"jsonrpc":"2.0","id":[1],"method":"d"}]');
  assert.equal(p.incoming.kind, 'batch');
  const items = (p.incoming as { items: readonly Item[] }).items;
  assert.deepEqual(
    items.map((i) => (i.kind === 'notification' ? `n:${i.method}` : i.kind === 'request' ? `r:${i.id}:${i.method}` : `x:${i.id}:${i.error.message}`)),
    ['r:5:a', 'x:null:request object must be a dictionary', 'r:7.0:b', 'n:n', 'r:8.0:c', 'x:null:request object must be a dictionary', 'x:null:invalid "id": [1]'],
  );
});

test('parse: JSON-RPC 1.0 sessions', () => {
  assert.deepEqual(single('{"jsonrpc":"1.0","id":[1],"method":"m","params":[]}'), { kind: 'request', id: '[1]', method: 'm', params: [] });
  assert.deepEqual(invalid(single('{"jsonrpc":"1.0","method":"m","params":[]}')), { id: 'null', code: -32600, message: 'request has no "id"' });
  assert.deepEqual(invalid(single('{"jsonrpc":"1.0","id":4,"method":"m"}')), { id: '4', code: -32602, message: 'invalid request arguments: None' });
  assert.deepEqual(invalid(single('{"id":4,"method":"m","params":{"a":1}}', 'v1')), { id: '4', code: -32602, message: `invalid request arguments: {'a': 1}` });
  assert.equal(single('{"jsonrpc":"1.0","id":null,"method":"m","params":[]}').kind, 'notification');
  assert.deepEqual(unreadable('[{"id":1,"method":"m","params":[]}]', 'v1'), { code: -32600, message: 'request object must be a dictionary' });
});

// ---- encode --------------------------------------------------------------------------------

test('encode: key order and flavours', () => {
  const e = new RpcError(1, 'x "y"\n');
  assert.equal(resultMessage('v2', '1', 'null'), '{"jsonrpc":"2.0","result":null,"id":1}');
  assert.equal(resultMessage(null, '7002.0', '[1]'), '{"jsonrpc":"2.0","result":[1],"id":7002.0}');
  assert.equal(resultMessage('loose', '"a"', '1e-05'), '{"jsonrpc":"2.0","result":1e-05,"id":"a"}');
  assert.equal(resultMessage('v1', '3', '5'), '{"result":5,"error":null,"id":3}');
  assert.equal(errorMessage('v2', '5', e), '{"jsonrpc":"2.0","error":{"code":1,"message":"x \\"y\\"\\n"},"id":5}');
  assert.equal(errorMessage('v1', 'null', e), '{"result":null,"error":{"code":1,"message":"x \\"y\\"\\n"},"id":null}');
  assert.equal(notificationMessage('v2', 'blockchain.headers.subscribe', '[{"hex":"00","height":1}]'), '{"jsonrpc":"2.0","method":"blockchain.headers.subscribe","params":[{"hex":"00","height":1}]}');
  assert.equal(notificationMessage('v1', 'blockchain.scripthash.subscribe', '["ab",null]'), '{"method":"blockchain.scripthash.subscribe","params":["ab",null],"id":null}');
  assert.equal(batchMessage(['{"a":1}', '{"b":2}']), '[{"a":1},{"b":2}]');
  // Every message we build is valid JSON.
  for (const m of [errorMessage('v2', '1', new RpcError(-32600, '\u0000\ud800 "\\')), resultMessage('v2', '1', '"x"')]) JSON.parse(m);
});

// ---- errors --------------------------------------------------------------------------------

test('errors: shown() is Python str(), cut to ECHO_LIMIT', () => {
  assert.equal(shown('abc'), 'abc');
  assert.equal(shown(null), 'None');
  assert.equal(shown(undefined), 'None');
  assert.equal(shown(true), 'True');
  assert.equal(shown(false), 'False');
  assert.equal(shown(5), '5');
  assert.equal(shown(1.5), '1.5');
  assert.equal(shown(-1), '-1');
  assert.equal(shown(Infinity), 'inf');
  assert.equal(shown(-Infinity), '-inf');
  assert.equal(shown(NaN), 'nan');
  assert.equal(shown([]), '[]');
  assert.equal(shown({}), '{}');
  assert.equal(shown(['1.6', '1.4']), "['1.6', '1.4']");
  assert.equal(shown(["it's"]), `["it's"]`);
  assert.equal(shown({ a: [1, null, true] }), "{'a': [1, None, True]}");
  assert.equal(shown('x'.repeat(1000)), `${'x'.repeat(ECHO_LIMIT)}...`);
  assert.ok(shown(Array.from({ length: 10_000 }, () => 'abcdef')).length <= ECHO_LIMIT + 3);
  let deep: unknown = 1;
  for (let i = 0; i < 10_000; i++) deep = [deep];
  assert.ok(shown(deep).length <= ECHO_LIMIT + 3);
  assert.equal(grouped(1000), '1,000');
  assert.equal(grouped(9007199254740991), '9,007,199,254,740,991');
  assert.equal(grouped(5), '5');
  const big = responseTooLarge(350_000);
  assert.deepEqual([big.code, big.message], [-32600, 'response too large (over 350,000 bytes)']);
  assert.equal(ErrorCode.SERVER_BUSY, -102);
});

// ---- params --------------------------------------------------------------------------------

const HEADER: Signature = { params: [{ name: 'height' }, { name: 'cp_height', optional: true }] };
const HEADERS: Signature = { params: [{ name: 'start_height' }, { name: 'count' }, { name: 'cp_height', optional: true }] };
const PING: Signature = { params: [] };
const VERSION: Signature = { params: [{ name: 'client_name', optional: true }, { name: 'protocol_version', optional: true }], extraIgnored: true };

test('bindArgs: positional and named arguments, with aiorpcx messages', () => {
  assert.deepEqual(bindArgs('blockchain.block.header', HEADER, [5]), [5, undefined]);
  assert.deepEqual(bindArgs('blockchain.block.header', HEADER, [5, 7]), [5, 7]);
  assert.deepEqual(bindArgs('blockchain.block.header', HEADER, { cp_height: 7, height: 5 }), [5, 7]);
  assert.deepEqual(bindArgs('blockchain.block.header', HEADER, { height: 5 }), [5, undefined]);
  assert.deepEqual(bindArgs('server.version', VERSION, ['a', '1.4', 'x', 9999.9, {}]), ['a', '1.4']);
  assert.deepEqual(bindArgs('server.version', VERSION, { dd: {}, protocol_version: '1.6' }), [undefined, '1.6']);
  assert.deepEqual(bindArgs('server.version', VERSION, []), [undefined, undefined]);
  const cases: Array<[string, Signature, unknown, string]> = [
    ['blockchain.block.header', HEADER, [], '0 arguments passed to method "blockchain.block.header" but it requires 1'],
    ['blockchain.block.headers', HEADERS, [1], '1 argument passed to method "blockchain.block.headers" but it requires 2'],
    ['blockchain.block.header', HEADER, [1, 2, 3], '3 arguments passed to method blockchain.block.header taking at most 2'],
    ['server.ping', PING, [1], '1 argument passed to method server.ping taking at most 0'],
    ['blockchain.block.header', HEADER, {}, 'method "blockchain.block.header" requires parameter "height"'],
    ['blockchain.block.headers', HEADERS, { cp_height: 1 }, 'method "blockchain.block.headers" requires parameters "count", "start_height"'],
    ['blockchain.block.header', HEADER, { height: 1, z: 2 }, 'method "blockchain.block.header" does not take parameter "z"'],
    ['server.ping', PING, { b: 1, a: 2 }, 'method "server.ping" does not take parameters "a", "b"'],
    ['server.ping', PING, JSON.parse('{"__proto__":1}'), 'method "server.ping" does not take parameter "__proto__"'],
    // Missing names are reported before excess ones.
    ['blockchain.block.header', HEADER, { hieght: 1 }, 'method "blockchain.block.header" requires parameter "height"'],
  ];
  for (const [method, sig, params, message] of cases) {
    assert.deepEqual(rpcErr(() => bindArgs(method, sig, params as never)), { code: -32602, message }, message);
  }
  // Inherited names are not arguments.
  assert.deepEqual(rpcErr(() => bindArgs('x', { params: [{ name: 'toString' }] }, {})), { code: -32602, message: 'method "x" requires parameter "toString"' });
});

test('validators: heights, hashes, hex, booleans, lists', () => {
  assert.equal(nonNegativeInteger(0), 0);
  assert.equal(nonNegativeInteger(9007199254740991), 9007199254740991);
  assert.equal(nonNegativeInteger(undefined, 0), 0);
  const notInt: Array<[unknown, string]> = [
    [-1, '-1'],
    [1.5, '1.5'],
    ['5', '5'],
    ['abc', 'abc'],
    [true, 'True'],
    [false, 'False'],
    [null, 'None'],
    [undefined, 'None'],
    [[], '[]'],
    [{}, '{}'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'nan'],
    [1e20, '100000000000000000000'],
    [2 ** 53, '9007199254740992'],
  ];
  for (const [v, text] of notInt) assert.deepEqual(rpcErr(() => nonNegativeInteger(v)), { code: 1, message: `${text} should be a non-negative integer` }, text);

  const sh = 'aB'.repeat(32);
  assert.equal(scriptHashParam(sh).toString('hex'), Buffer.from(sh, 'hex').reverse().toString('hex'));
  assert.equal(txHashParam(sh).length, 32);
  const badHashes: Array<[unknown, string]> = [
    ['00'.repeat(31), '00'.repeat(31)],
    ['00'.repeat(33), '00'.repeat(33)],
    ['0'.repeat(63), '0'.repeat(63)],
    ['zz'.repeat(32), 'zz'.repeat(32)],
    [`${'00'.repeat(31)} 0`, `${'00'.repeat(31)} 0`],
    [`${'00'.repeat(32)}\n`, `${'00'.repeat(32)}\n`],
    [5, '5'],
    [null, 'None'],
    [['00'], "['00']"],
    ['f'.repeat(5000), `${'f'.repeat(ECHO_LIMIT)}...`],
  ];
  for (const [v, text] of badHashes) {
    assert.deepEqual(rpcErr(() => scriptHashParam(v)), { code: 1, message: `${text} is not a valid script hash` });
    assert.deepEqual(rpcErr(() => txHashParam(v)), { code: 1, message: `${text} should be a transaction hash` });
  }

  assert.equal(hexParam(''), '');
  assert.equal(hexParam('00Ff'), '00Ff');
  for (const [v, text] of [['abc', 'abc'], ['zz', 'zz'], ['00 11', '00 11'], [5, '5'], [null, 'None']] as Array<[unknown, string]>) {
    assert.deepEqual(rpcErr(() => hexParam(v)), { code: 1, message: `${text} should be a hex string` });
  }

  assert.equal(booleanParam(undefined, 'verbose'), false);
  assert.equal(booleanParam(true, 'verbose'), true);
  assert.equal(booleanParam(1, 'verbose'), true);
  assert.equal(booleanParam(0, 'merkle'), false);
  for (const v of [2, 'true', null, [], 0.5]) assert.deepEqual(rpcErr(() => booleanParam(v, 'verbose')), { code: 1, message: '"verbose" must be a boolean' });
  assert.deepEqual(rpcErr(() => booleanParam('x', 'merkle')), { code: 1, message: '"merkle" must be a boolean' });

  assert.deepEqual(listParam([]), []);
  assert.deepEqual(rpcErr(() => listParam('x')), { code: 1, message: 'x should be a list' });
  assert.deepEqual(rpcErr(() => listParam({})), { code: 1, message: '{} should be a list' });
});

// ---- version -------------------------------------------------------------------------------

test('version: parsing and comparison', () => {
  assert.deepEqual(parseVersion('1.4'), [1, 4]);
  assert.deepEqual(parseVersion('1.4.2'), [1, 4, 2]);
  assert.deepEqual(parseVersion(' 1.4 '), [1, 4]);
  for (const v of ['', 'abc', '1..4', '1.x', 1.4, null, ['1.4']]) assert.deepEqual(parseVersion(v), [0], String(v));
  assert.equal(compareVersions([1, 6], [1, 6, 0]), -1);
  assert.equal(compareVersions([1, 6, 0], [1, 6]), 1);
  assert.equal(compareVersions([1, 4], [1, 4]), 0);
  assert.equal(compareVersions([1, 10], [1, 9]), 1);
  assert.equal(versionString([1]), '1.0');
  assert.equal(versionString([1, 6, 0]), '1.6.0');
  assert.deepEqual(PROTOCOL_MIN, [1, 4]);
  assert.deepEqual(PROTOCOL_MAX, [1, 6, 0]);
});

test('version: the negotiated string, spelled as ElectrumX spells it', () => {
  const table: Array<[unknown, string | null]> = [
    [undefined, '1.4'],
    [null, '1.4'],
    ['1.4', '1.4'],
    ['1.4.2', '1.4.2'],
    ['1.5', '1.5'],
    ['1.6', '1.6'],
    [['1.4', '1.6'], '1.6'],
    ['1.6.0', '1.6.0'],
    [['1.4', '1.7'], '1.6.0'],
    [['1.4', '2.0'], '1.6.0'],
    // One version is both min and max: above ours, nothing is common (ElectrumX's protocol_version
    // gives None here; the notes' table in section 3.2 lists these two as "1.6.0", which its code does not).
    ['1.7', null],
    ['1.6.1', null],
    [['1.0', '1.4'], '1.4'],
    ['1.3', null],
    ['2.0', null],
    [['1.6', '1.4'], null],
    [['1.7', '2.0'], null],
    [1.4, null],
    [['1.4'], null],
    [['1.4', '1.5', '1.6'], null],
    ['', null],
    ['abc', null],
    [[1, 4], null],
    [{}, null],
  ];
  for (const [asked, answer] of table) {
    const v = negotiate(asked);
    assert.equal(v === null ? null : versionString(v), answer, JSON.stringify(asked));
  }
});
