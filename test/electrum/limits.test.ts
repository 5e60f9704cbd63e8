// Resource limits against the whole server over real TCP (devnet, or bitcoind with BITCOIND set):
// MAX_RECV, MAX_SEND, back-pressure on clients that stop reading, pipelining, head-of-line
// blocking by idle and slow clients, MAX_SESSIONS, REQUEST_TIMEOUT and SESSION_TIMEOUT.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { startStack, type Stack } from '../helpers/stack.js';
import { startRegtest, usingBitcoind, type DevnetRegtest, type Regtest } from '../helpers/regtest.js';
import { TestClient } from '../helpers/electrum-client.js';
import type { Session } from '../../src/electrum/session.js';
import { SOFTWARE } from '../../src/version.js';

const MAX_RECV = 10_000;
const MAX_SEND = 8000;
const HIGH_WATER = 64 * 1024;
const HARD_LIMIT = 1024 * 1024;
const CONGESTED_MS = 2000;
const REQUEST_TIMEOUT_MS = 1000;
const SESSION_TIMEOUT_MS = 1500;

let regtest: Regtest;
/** Small MAX_RECV and MAX_SEND, and small output buffers so that slow readers are found fast. */
let main: Stack;
/** MAX_SESSIONS 5 and a 1 s REQUEST_TIMEOUT. */
let few: Stack;
/** A 1.5 s SESSION_TIMEOUT. */
let idle: Stack;
let tip: number;

before(async () => {
  regtest = await startRegtest();
  [main, few, idle] = await Promise.all([
    startStack({
      regtest,
      maxRecv: MAX_RECV,
      maxSend: MAX_SEND,
      transport: { highWaterBytes: HIGH_WATER, lowWaterBytes: 16 * 1024, hardLimitBytes: HARD_LIMIT, congestedTimeoutMs: CONGESTED_MS, closeTimeoutMs: 1000 },
    }),
    startStack({ regtest, maxSessions: 5, requestTimeoutMs: REQUEST_TIMEOUT_MS }),
    startStack({ regtest, sessionTimeoutMs: SESSION_TIMEOUT_MS }),
  ]);
  tip = await regtest.rpc<number>('getblockcount');
});

after(async () => {
  await Promise.all([main?.stop(), few?.stop(), idle?.stop()]);
  await regtest?.stop();
});

// ---- helpers -------------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function req(id: unknown, method: string, params: unknown = []): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params });
}

/** Resolves when the server has closed the connection. */
function closedByServer(c: TestClient | net.Socket, ms = 5000): Promise<void> {
  const socket = c instanceof TestClient ? c.socket : c;
  if (socket.destroyed || (c instanceof TestClient && c.closed)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the server did not close the connection')), ms);
    socket.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Waits until `ok()` holds, polling. */
async function until(ok: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The server's session for a client connection. */
function sessionOf(s: Stack, c: TestClient): Session {
  const remote = `127.0.0.1:${c.socket.localPort}`;
  const session = [...s.server.sessions].find((x) => x.conn.remote === remote);
  assert.ok(session, `no session for ${remote}`);
  return session;
}

async function newClientWorks(s: Stack): Promise<void> {
  const c = await TestClient.open(s.port(), '1.6');
  assert.equal(await c.request('server.ping'), null);
  c.close();
}

function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

const tooLarge = { code: -32600, message: `response too large (over ${MAX_SEND.toLocaleString('en-US')} bytes)` };

// ---- MAX_RECV ------------------------------------------------------------------------------

/** Waits until no session is open on the stack. */
async function noSessions(s: Stack = main): Promise<void> {
  await until(() => s.server.sessions.size === 0, 'every session to close');
}

/** Starts a test with no session open: whatever a failed earlier test left is cut first. */
async function clean(s: Stack = main): Promise<void> {
  for (const session of s.server.sessions) session.conn.destroy('left over by an earlier test');
  await noSessions(s);
}

test('MAX_RECV: a line of exactly MAX_RECV bytes is served; one byte more gets an error, then a disconnect', async () => {
  await clean();
  const c = await TestClient.open(main.port(), '1.6');
  const body = req('max', 'server.ping');
  const exact = `${body.slice(0, -1)}${' '.repeat(MAX_RECV - body.length)}}`;
  assert.equal(Buffer.byteLength(exact), MAX_RECV);
  c.send(exact + '\n');
  assert.equal(await c.nextLine(), '{"jsonrpc":"2.0","result":null,"id":"max"}');
  c.send(`${exact} \n`);
  assert.deepEqual(JSON.parse(await c.nextLine()), {
    jsonrpc: '2.0',
    error: { code: -32600, message: `request of ${(MAX_RECV + 1).toLocaleString('en-US')}+ bytes is over the limit of ${MAX_RECV.toLocaleString('en-US')} bytes` },
    id: null,
  });
  await closedByServer(c);
  await newClientWorks(main);
});

test('MAX_RECV: a line that never ends is cut as soon as it passes the limit, whatever its size', async () => {
  await clean();
  const c = await TestClient.open(main.port(), '1.6');
  const session = sessionOf(main, c);
  // Sent in pieces with no newline: the server must not wait for one to answer.
  for (let i = 0; i < 20; i++) c.send('['.repeat(1000));
  const line = JSON.parse(await c.nextLine()) as { error: { code: number; message: string }; id: null };
  assert.equal(line.id, null);
  assert.equal(line.error.code, -32600);
  assert.match(line.error.message, /^request of [\d,]+\+ bytes is over the limit of 10,000 bytes$/);
  await closedByServer(c);
  await until(() => session.closed, 'the session to close');
  // A 2 MB line in one write: still one short error (the input is not echoed).
  const d = await TestClient.open(main.port(), '1.6');
  d.send(`{"jsonrpc":"2.0","id":1,"method":"server.ping","params":["${'a'.repeat(2_000_000)}"]}\n`);
  const answer = await d.nextLine();
  assert.ok(answer.length < 200, answer.slice(0, 200));
  assert.match((JSON.parse(answer) as { error: { message: string } }).error.message, /^request of [\d,]+\+ bytes is over the limit of 10,000 bytes$/);
  await closedByServer(d);
  await newClientWorks(main);
});

// ---- MAX_SEND ------------------------------------------------------------------------------

test('MAX_SEND: an answer over it is replaced by -32600 "response too large", never a truncated line', async () => {
  await clean();
  const c = await TestClient.open(main.port(), '1.6');
  // Just under: delivered whole.
  const fits = await c.request<{ count: number; headers: string[] }>('blockchain.block.headers', [0, 40]);
  assert.equal(fits.count, 40);
  assert.equal(fits.headers.length, 40);
  // The limit is on the whole answer, envelope and id included: find the id length that makes the
  // answer exactly MAX_SEND bytes, then one byte more.
  c.send(req('s', 'blockchain.block.headers', [0, 48]) + '\n');
  const short = await c.nextLine();
  const idFor = (total: number): string => 'x'.repeat(total - (short.length - 3) - 2);
  assert.ok(short.length < MAX_SEND && idFor(MAX_SEND).length > 0, `${short.length}`);
  c.send(req(idFor(MAX_SEND), 'blockchain.block.headers', [0, 48]) + '\n');
  const exact = await c.nextLine();
  assert.equal(exact.length, MAX_SEND);
  assert.equal((JSON.parse(exact) as { result: { count: number } }).result.count, 48);
  c.send(req(idFor(MAX_SEND + 1), 'blockchain.block.headers', [0, 48]) + '\n');
  assert.deepEqual(JSON.parse(await c.nextLine()), { jsonrpc: '2.0', error: tooLarge, id: idFor(MAX_SEND + 1) });
  c.send(req('big', 'blockchain.block.headers', [0, tip + 1]) + '\n');
  const line = await c.nextLine();
  assert.deepEqual(JSON.parse(line), { jsonrpc: '2.0', error: tooLarge, id: 'big' });
  // The 1.4 form (one hex string) and a history: the same.
  const c14 = await TestClient.open(main.port(), '1.4');
  assert.deepEqual((await c14.call('blockchain.block.headers', [0, tip + 1])).error, tooLarge);
  const block1 = await regtest.rpc<{ tx: Array<{ vout: Array<{ scriptPubKey: { hex: string } }> }> }>('getblock', [await regtest.rpc<string>('getblockhash', [1]), 2]);
  const miner = Buffer.from(createHash('sha256').update(Buffer.from(block1.tx[0]!.vout[0]!.scriptPubKey.hex, 'hex')).digest())
    .reverse()
    .toString('hex');
  assert.deepEqual((await c14.call('blockchain.scripthash.get_history', [miner])).error, tooLarge);
  // Both sessions carry on.
  assert.equal(await c.request('server.ping'), null);
  assert.equal(await c14.request('server.ping'), null);
  assert.deepEqual(c.lines, []);
  c.close();
  c14.close();
});

// ---- clients that stop reading -------------------------------------------------------------

/** Connects, negotiates, stops reading and pipelines `n` requests of ~6.6 KB answers each. */
async function slowReader(s: Stack, n: number): Promise<{ client: TestClient; session: Session }> {
  const client = await TestClient.open(s.port(), '1.6');
  const session = sessionOf(s, client);
  client.socket.pause();
  let text = '';
  for (let i = 0; i < n; i++) text += req(i, 'blockchain.block.headers', [i % 50, 40]) + '\n';
  client.send(text);
  return { client, session };
}

test('a client that stops reading while pipelining large requests is cut, and its output stays bounded', async () => {
  await clean();
  const rss0 = process.memoryUsage().rss;
  const t0 = Date.now();
  // 20,000 answers of ~6.6 KB: 130 MB if the server computed and queued them all.
  const { client, session } = await slowReader(main, 20_000);
  let maxBuffered = 0;
  let maxRss = rss0;
  while (!session.closed && Date.now() - t0 < CONGESTED_MS + 5000) {
    maxBuffered = Math.max(maxBuffered, session.conn.bufferedBytes);
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
    await sleep(5);
  }
  assert.equal(session.closed, true, 'the server did not cut the slow reader');
  const took = Date.now() - t0;
  assert.ok(took < CONGESTED_MS + 3000, `cut after ${took} ms`);
  assert.ok(maxBuffered <= HARD_LIMIT, `${maxBuffered} bytes queued for a client that does not read`);
  assert.ok(session.requests < 20_000, `${session.requests} requests run for a client that does not read`);
  assert.ok(maxRss - rss0 < 100 * 1024 * 1024, `rss grew by ${Math.round((maxRss - rss0) / 1e6)} MB`);
  assert.equal(main.server.sessions.has(session), false);
  client.close();
  await noSessions();
  await newClientWorks(main);
});

test('a client pipelining 10,000 requests gets every answer (back-pressure pauses reading; nothing is lost)', async () => {
  await clean();
  const c = await TestClient.open(main.port(), '1.6');
  const headers: string[] = [];
  for (let h = 0; h <= tip; h++) headers.push(await c.request<string>('blockchain.block.header', [h]));
  // Count the times the session stops reading this connection.
  const conn = sessionOf(main, c).conn;
  let pauses = 0;
  const pause = conn.pause.bind(conn);
  Object.assign(conn, {
    pause: () => {
      pauses++;
      pause();
    },
  });
  const calls: Array<Promise<{ result?: unknown; error?: unknown }>> = [];
  for (let i = 0; i < 10_000; i++) {
    // Every tenth a ~6.6 KB answer: about 8 MB in all, far over the 64 KB high-water mark.
    calls.push(i % 10 === 0 ? c.call('blockchain.block.headers', [i % 50, 40]) : c.call('blockchain.block.header', [i % (tip + 1)]));
  }
  const answers = await Promise.all(calls);
  answers.forEach((a, i) => {
    assert.equal(a.error, undefined, `request ${i}`);
    if (i % 10 === 0) {
      const r = a.result as { count: number; headers: string[] };
      assert.equal(r.count, 40);
      assert.equal(r.headers[0], headers[i % 50], `request ${i}`);
    } else {
      assert.equal(a.result, headers[i % (tip + 1)], `request ${i}`);
    }
  });
  assert.deepEqual(c.lines, []);
  assert.ok(pauses > 0, 'the session never stopped reading');
  assert.equal(sessionOf(main, c).closed, false);
  c.close();
});

test("200 silent connections and a slow reader do not delay a new client's server.version", async () => {
  await clean();
  const silent = await Promise.all(Array.from({ length: 200 }, () => rawConnect(main.port())));
  await until(() => main.server.sessions.size === 200, 'the silent sessions');
  const slow = await slowReader(main, 20_000);
  await until(() => slow.session.conn.congested, 'the slow reader to congest');
  // And a client that reads but pipelines 1,500 large requests, in progress meanwhile.
  const busy = await TestClient.open(main.port(), '1.6');
  let busyDone = false;
  const busyCalls = Promise.all(Array.from({ length: 1500 }, (_, i) => busy.call('blockchain.block.headers', [i % 50, 40]))).then((a) => {
    busyDone = true;
    return a;
  });
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const c = await TestClient.connect(main.port());
    assert.deepEqual(await c.request('server.version', ['fast', '1.6']), [SOFTWARE, '1.6']);
    times.push(Date.now() - t0);
    assert.equal(await c.request('server.ping'), null);
    c.close();
  }
  assert.ok(Math.max(...times) < 300, `server.version took ${times.join(', ')} ms`);
  assert.equal(busyDone, false, 'the busy client was done before the measurements');
  const answers = await busyCalls;
  assert.ok(answers.every((a) => (a.result as { count: number }).count === 40));
  busy.close();
  for (const s of silent) s.destroy();
  slow.client.close();
  await noSessions();
});

// ---- MAX_SESSIONS --------------------------------------------------------------------------

test('MAX_SESSIONS: the 6th connection is refused, the listener stays open, and accepts again after one closes', async () => {
  await clean(few);
  const five = await Promise.all(Array.from({ length: 5 }, () => TestClient.open(few.port(), '1.6')));
  assert.equal(few.server.sessions.size, 5);
  for (let i = 0; i < 3; i++) {
    // TCP still connects (the listener is open); the connection is closed at once, unanswered.
    const extra = await TestClient.connect(few.port());
    extra.send(req(0, 'server.version', ['x', '1.6']) + '\n');
    await closedByServer(extra);
    assert.deepEqual(extra.lines, []);
    assert.equal(few.server.sessions.size, 5);
  }
  // The five are unaffected.
  for (const c of five) assert.equal(await c.request('server.ping'), null);
  five[0]!.close();
  await until(() => few.server.sessions.size === 4, 'a slot to free up');
  const again = await TestClient.open(few.port(), '1.6');
  assert.equal(await again.request('server.ping'), null);
  again.close();
  for (const c of five) c.close();
  await until(() => few.server.sessions.size === 0, 'every session to close');
});

// ---- REQUEST_TIMEOUT and SESSION_TIMEOUT ---------------------------------------------------

test('REQUEST_TIMEOUT: a request that takes too long gets -102 "server busy - request timed out"', { skip: usingBitcoind ? 'needs devnet fault injection (rpcSlow), which a real bitcoind does not have' : false }, async () => {
  await clean(few);
  const faults = (regtest as DevnetRegtest).devnet.server.faults;
  const c = await TestClient.open(few.port(), '1.6');
  // A confirmed transaction the server has not fetched yet: it must ask the daemon.
  const txid = (await regtest.rpc<{ tx: string[] }>('getblock', [await regtest.rpc<string>('getblockhash', [7])])).tx[0]!;
  const t0 = Date.now();
  faults.rpcSlow(3500);
  let answer;
  try {
    answer = await c.call('blockchain.transaction.get', [txid]);
  } finally {
    faults.rpcSlow(0);
  }
  const took = Date.now() - t0;
  assert.deepEqual(answer.error, { code: -102, message: 'server busy - request timed out' });
  // The sweep runs once a second.
  assert.ok(took >= REQUEST_TIMEOUT_MS - 50 && took < REQUEST_TIMEOUT_MS + 1500, `timed out after ${took} ms`);
  assert.equal(await c.request('server.ping'), null);
  await newClientWorks(few);
  c.close();
});

test('SESSION_TIMEOUT: an idle session is closed, a busy one is not', async () => {
  await clean(idle);
  const quiet = await TestClient.open(idle.port(), '1.6');
  const silent = await rawConnect(idle.port());
  const busy = await TestClient.open(idle.port(), '1.6');
  const t0 = Date.now();
  let pinging = true;
  const pinger = (async () => {
    while (pinging) {
      assert.equal(await busy.request('server.ping'), null);
      await sleep(250);
    }
  })();
  try {
    await closedByServer(quiet, SESSION_TIMEOUT_MS + 3000);
    const took = Date.now() - t0;
    assert.ok(took >= SESSION_TIMEOUT_MS - 100, `closed after ${took} ms`);
    await closedByServer(silent, 2000);
    // Well past the timeout for the busy one too.
    await sleep(Math.max(0, SESSION_TIMEOUT_MS + 1200 - (Date.now() - t0)));
    assert.equal(busy.closed, false);
  } finally {
    pinging = false;
    await pinger;
  }
  assert.equal(await busy.request('server.ping'), null);
  busy.close();
  await newClientWorks(idle);
});
