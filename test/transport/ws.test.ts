// ws:// and wss://: one message per frame, oversized frames (ours and ws's own 1009), back-pressure,
// pause, plain HTTP refused, and wss following certificate reloads.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { silentLogger } from '../../src/log.js';
import { listen } from '../../src/transport/index.js';
import type { TransportListener } from '../../src/transport/listener.js';
import { CertificateStore } from '../../src/transport/tls-context.js';
import type { ListenerLimits } from '../../src/transport/types.js';
import { Acceptor, Client, congest, limits, sendUntil, settle, Waitable, within, type Hooks } from './helpers.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/tls');

/** A WebSocket client that records messages and its close. */
class WsClient extends Waitable {
  readonly messages: string[] = [];
  closeCode: number | null = null;
  peerFingerprint = '';
  socket: net.Socket | null = null;

  constructor(readonly ws: WebSocket) {
    super();
    ws.on('upgrade', (res) => {
      const s = res.socket as tls.TLSSocket;
      this.socket = s;
      if (typeof s.getPeerCertificate === 'function') this.peerFingerprint = s.getPeerCertificate().fingerprint256;
    });
    ws.on('message', (data, isBinary) => {
      assert.equal(isBinary, false, 'the server sends text frames');
      this.messages.push(data.toString());
      this.changed();
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      this.closeCode = code;
      this.changed();
    });
  }

  waitClosed(): Promise<void> {
    return this.until(() => this.closeCode !== null, 'the WebSocket to close');
  }
}

async function connectWs(l: TransportListener, scheme: 'ws' | 'wss' = 'ws'): Promise<WsClient> {
  const ws = new WebSocket(`${scheme}://127.0.0.1:${l.address.port}/`, { rejectUnauthorized: false });
  const c = new WsClient(ws);
  await within(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)), 'the WebSocket to open');
  return c;
}

let listener: TransportListener | null = null;

async function start(over: Partial<ListenerLimits> = {}, hooks: Hooks = {}, handshakeTimeoutMs?: number): Promise<{ l: TransportListener; acc: Acceptor }> {
  const acc = new Acceptor(hooks);
  const opts = { limits: limits(over), accept: acc.accept, logger: silentLogger(), handshakeTimeoutMs };
  listener = await listen({ protocol: 'ws', host: '127.0.0.1', port: 0 }, opts);
  return { l: listener, acc };
}

afterEach(async () => {
  if (!listener) return;
  await listener.close();
  await listener.closeAll('test over');
  listener = null;
});

describe('ws transport', () => {
  test('one message per frame, no newline framing; send() is one text frame', async () => {
    const { l, acc } = await start({}, { onMessage: (h, m) => h.conn.send(`got ${m}`) });
    const c = await connectWs(l);
    const h = await acc.next();
    assert.equal(h.conn.kind, 'ws');
    assert.equal(h.conn.remoteAddress, '127.0.0.1');
    c.ws.send('{"id":1}');
    c.ws.send('two\nlines');
    c.ws.send('');
    c.ws.send(Buffer.from('bin€ary'), { binary: true });
    await c.until(() => c.messages.length === 3, 'three replies');
    assert.deepEqual(h.messages, ['{"id":1}', 'two\nlines', 'bin€ary']);
    assert.deepEqual(c.messages, ['got {"id":1}', 'got two\nlines', 'got bin€ary']);
    // A message in pieces is one text frame.
    h.conn.send([Buffer.from('{"big":'), Buffer.from('7'.repeat(5000)), Buffer.from('}')]);
    await c.until(() => c.messages.length === 4, 'the pieced message');
    assert.equal(c.messages[3], `{"big":${'7'.repeat(5000)}}`);
    c.ws.close();
    await h.closed();
    assert.equal(h.closes.length, 1);
  });

  test('a message over maxRecv: onOversized, the queued error arrives, then close 1009', async () => {
    const { l, acc } = await start({ maxRecv: 100 }, { onOversized: (h, n) => h.conn.send(`too long: ${n}`) });
    const c = await connectWs(l);
    const h = await acc.next();
    c.ws.send('fine');
    c.ws.send('y'.repeat(101));
    c.ws.send('after');
    await c.waitClosed();
    await h.closed();
    assert.deepEqual(h.messages, ['fine']);
    assert.deepEqual(h.oversizedLengths, [101]);
    assert.deepEqual(c.messages, ['too long: 101']);
    assert.equal(c.closeCode, 1009);
    assert.deepEqual(h.closes, ['message over 100 bytes']);
  });

  test("a frame over ws's maxPayload is closed by ws (1009) and still ends in one onClose", async () => {
    const { l, acc } = await start({ maxRecv: 100 });
    const c = await connectWs(l);
    const h = await acc.next();
    c.ws.send('z'.repeat(10_000));
    await c.waitClosed();
    await h.closed();
    assert.equal(c.closeCode, 1009);
    assert.equal(h.closes.length, 1);
    assert.deepEqual(h.messages, []);
  });

  test('a client that never reads: congested, then cut after congestedTimeoutMs', async () => {
    const { l, acc } = await start({ congestedTimeoutMs: 150 });
    const c = await connectWs(l);
    c.ws.pause();
    const h = await acc.next();
    await congest(h.conn);
    assert.ok(h.conn.congested, 'bufferedAmount grows when the peer does not read');
    const drains = h.drains;
    await h.closed();
    assert.deepEqual(h.closes, ['congested for over 150 ms']);
    assert.equal(h.drains, drains);
    c.ws.terminate();
  });

  test('the hard limit cuts at once and bounds the queue', async () => {
    const hardLimitBytes = 512 * 1024;
    const { l, acc } = await start({ hardLimitBytes, congestedTimeoutMs: 60_000 });
    const c = await connectWs(l);
    c.ws.pause();
    const h = await acc.next();
    const highest = sendUntil(h.conn, () => h.conn.closed, 16 * 1024, 100_000);
    assert.ok(highest <= hardLimitBytes + 16 * 1024 + 16, `bufferedBytes peaked at ${highest}`);
    await h.closed();
    assert.deepEqual(h.closes, [`send buffer over ${hardLimitBytes} bytes`]);
    c.ws.terminate();
  });

  test('a slow reader that catches up gets onDrain, and every message arrives', async () => {
    const { l, acc } = await start({ congestedTimeoutMs: 10_000 });
    const c = await connectWs(l);
    c.ws.pause();
    const h = await acc.next();
    let sends = -1;
    sendUntil(h.conn, () => (sends++, h.conn.congested), 1000);
    c.ws.resume();
    await h.until(() => h.drains === 1, 'onDrain');
    assert.equal(h.conn.congested, false);
    await c.until(() => c.messages.length === sends, `${sends} messages`);
    c.ws.close();
  });

  test('a peer reset mid-write is an onClose, not a crash', async () => {
    const { l, acc } = await start({ congestedTimeoutMs: 60_000 });
    const c = await connectWs(l);
    c.ws.pause();
    const h = await acc.next();
    sendUntil(h.conn, () => h.conn.congested);
    c.socket!.resetAndDestroy();
    await h.until(() => !h.conn.send('more') || h.closes.length > 0, 'send to fail');
    await h.closed();
    assert.equal(h.closes.length, 1);
    assert.match(h.closes[0]!, /ECONNRESET|EPIPE|peer closed/);
  });

  test('pause() holds messages, resume() delivers them in order', async () => {
    const { l, acc } = await start({}, { onMessage: (h, m) => m === 'stop' && h.conn.pause() });
    const c = await connectWs(l);
    const h = await acc.next();
    for (const m of ['one', 'stop', 'two', 'three']) c.ws.send(m);
    await h.until(() => h.messages.length === 2, 'two messages');
    await settle();
    assert.deepEqual(h.messages, ['one', 'stop']);
    h.conn.resume();
    await h.until(() => h.messages.length === 4, 'the rest');
    assert.deepEqual(h.messages, ['one', 'stop', 'two', 'three']);
    c.ws.close();
  });

  test('close() flushes what is queued; accept returning null refuses', async () => {
    const { l, acc } = await start({}, { onMessage: (h) => (h.conn.send('last'), h.conn.close('bye')) });
    const c = await connectWs(l);
    const h = await acc.next();
    c.ws.send('go');
    await c.waitClosed();
    assert.deepEqual(c.messages, ['last']);
    assert.equal(c.closeCode, 1000);
    await h.closed();
    assert.deepEqual(h.closes, ['bye']);
    acc.refuse = true;
    const refused = new WsClient(new WebSocket(`ws://127.0.0.1:${l.address.port}/`));
    await refused.waitClosed();
    assert.equal(refused.closeCode, 1006);
  });

  test('plain HTTP gets 426; a broken upgrade request gets 400', async () => {
    const { l } = await start();
    const get = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: l.address.port, path: '/', headers, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        }).on('error', reject);
      });
    assert.equal(await get({}), 426);
    assert.equal(await get({ Connection: 'Upgrade', Upgrade: 'websocket' }), 400);
  });

  test('a socket that never sends its upgrade request is cut; upgraded sessions are not', async () => {
    const { l, acc } = await start({}, { onMessage: (h, m) => h.conn.send(m) }, 200);
    const c = await connectWs(l);
    await acc.next();
    const idle = new Client(net.connect(l.address.port, '127.0.0.1'));
    await idle.waitClosed();
    // The idle socket came later than the WebSocket: its request deadline has passed too.
    c.ws.send('alive');
    await c.until(() => c.messages.length === 1, 'the echo');
    c.ws.close();
  });
});

describe('wss transport', () => {
  test('works over TLS and follows a certificate reload; the old session keeps working', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anode-wss-'));
    const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    const put = (pair: string): void => {
      fs.copyFileSync(path.join(FIXTURES, `${pair}.crt`), cert);
      fs.copyFileSync(path.join(FIXTURES, `${pair}.key`), key);
    };
    const fp = (pair: string): string => new crypto.X509Certificate(fs.readFileSync(path.join(FIXTURES, `${pair}.crt`))).fingerprint256;
    put('a');
    const certificates = new CertificateStore({ certFile: cert, keyFile: key, logger: silentLogger(), watchIntervalMs: 0, reloadOnSighup: false });
    const acc = new Acceptor({ onMessage: (h, m) => h.conn.send(`got ${m}`) });
    listener = await listen({ protocol: 'wss', host: '127.0.0.1', port: 0 }, { limits: limits(), accept: acc.accept, logger: silentLogger(), certificates });
    try {
      const old = await connectWs(listener, 'wss');
      assert.equal(old.peerFingerprint, fp('a'));
      assert.equal((await acc.next()).conn.kind, 'wss');
      put('b');
      assert.equal(certificates.reload(), true);
      const fresh = await connectWs(listener, 'wss');
      assert.equal(fresh.peerFingerprint, fp('b'));
      old.ws.send('still here');
      await old.until(() => old.messages.length === 1, 'a reply on the old session');
      assert.deepEqual(old.messages, ['got still here']);
      old.ws.close();
      fresh.ws.close();
    } finally {
      certificates.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('ssl and wss without certificates are refused by listen()', async () => {
    const opts = { limits: limits(), accept: () => null, logger: silentLogger() };
    await assert.rejects(listen({ protocol: 'ssl', host: '127.0.0.1', port: 0 }, opts), /needs SSL_CERTFILE/);
    await assert.rejects(listen({ protocol: 'wss', host: '127.0.0.1', port: 0 }, opts), /needs SSL_CERTFILE/);
  });
});
