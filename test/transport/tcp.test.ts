// tcp:// over real sockets on 127.0.0.1: framing, oversized lines, back-pressure, pause, close
// semantics, refusal, resets and shutdown.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { silentLogger } from '../../src/log.js';
import { listenTcp } from '../../src/transport/tcp.js';
import type { TransportListener } from '../../src/transport/listener.js';
import type { ListenerLimits } from '../../src/transport/types.js';
import { Acceptor, congest, connectTcp, limits, sendUntil, settle, type Hooks } from './helpers.js';

let listener: TransportListener | null = null;

async function start(over: Partial<ListenerLimits> = {}, hooks: Hooks = {}): Promise<{ l: TransportListener; acc: Acceptor }> {
  const acc = new Acceptor(hooks);
  listener = await listenTcp({ host: '127.0.0.1', port: 0, limits: limits(over), accept: acc.accept, logger: silentLogger() });
  return { l: listener, acc };
}

afterEach(async () => {
  if (!listener) return;
  await listener.close();
  await listener.closeAll('test over');
  listener = null;
});

describe('tcp transport', () => {
  test('binds the asked host and a real port; the connection knows its peer', async () => {
    const { l, acc } = await start();
    assert.equal(l.kind, 'tcp');
    assert.equal(l.address.host, '127.0.0.1');
    assert.ok(l.address.port > 0);
    const c = await connectTcp(l);
    const h = await acc.next();
    assert.equal(h.conn.kind, 'tcp');
    assert.equal(h.conn.remoteAddress, '127.0.0.1');
    assert.equal(h.conn.remote, `127.0.0.1:${c.socket.localPort}`);
    const other = await connectTcp(l);
    assert.ok((await acc.next()).conn.id > h.conn.id, 'ids come from one counter');
    c.socket.destroy();
    other.socket.destroy();
  });

  test('an empty host listens on all interfaces', async () => {
    const acc = new Acceptor();
    listener = await listenTcp({ host: '', port: 0, limits: limits(), accept: acc.accept, logger: silentLogger() });
    assert.ok(['::', '0.0.0.0'].includes(listener.address.host), listener.address.host);
    const c = await connectTcp(listener);
    assert.equal((await acc.next()).conn.remoteAddress, '127.0.0.1', 'IPv4-mapped addresses are shown plain');
    c.socket.destroy();
  });

  test('framing: split lines, several per write, \\r\\n, empty lines, UTF-8 split across writes', async () => {
    const { l, acc } = await start();
    const c = await connectTcp(l);
    const h = await acc.next();
    const euro = Buffer.from('€');
    const writes = [Buffer.from('{"a":'), Buffer.from('1}\n\n{"b":2}\r\n\r\n{"c"'), Buffer.from(':3}\nx'), euro.subarray(0, 1), euro.subarray(1), Buffer.from('y\n')];
    for (const w of writes) {
      c.socket.write(w);
      await new Promise((r) => setImmediate(r));
    }
    await h.until(() => h.messages.length >= 4, '4 messages');
    assert.deepEqual(h.messages, ['{"a":1}', '{"b":2}', '{"c":3}', 'x€y']);
    h.conn.send('{"ok":true}');
    await c.waitLines(1);
    assert.equal(c.text, '{"ok":true}\n');
    // A long answer in pieces, between two strings sent in the same turn: one line each, in order.
    h.conn.send('before');
    h.conn.send([Buffer.from('{"big":'), Buffer.from('1'.repeat(100_000)), Buffer.from('}')]);
    h.conn.send('after');
    await c.waitLines(4);
    assert.equal(c.text, `{"ok":true}\nbefore\n{"big":${'1'.repeat(100_000)}}\nafter\n`);
    c.socket.destroy();
  });

  test('an oversized line: onOversized, the queued error reaches the client, then close; nothing after it', async () => {
    const { l, acc } = await start({ maxRecv: 100 }, { onOversized: (h, n) => h.conn.send(`{"error":"${n} bytes is too long"}`) });
    const c = await connectTcp(l);
    const h = await acc.next();
    c.socket.write('first\n');
    await h.until(() => h.messages.length === 1, 'first');
    // Sent in pieces without a newline: the cut must come from the byte count, not a newline.
    for (let i = 0; i < 5; i++) c.socket.write('y'.repeat(40));
    c.socket.write('\nafter\n');
    await c.waitClosed();
    await h.closed();
    assert.deepEqual(h.oversizedLengths.length, 1);
    assert.ok(h.oversizedLengths[0]! > 100);
    assert.match(c.text, /^\{"error":"\d+ bytes is too long"\}\n$/);
    assert.ok(c.ended, 'a clean FIN, not a reset');
    assert.deepEqual(h.messages, ['first']);
    assert.deepEqual(h.closes, ['message over 100 bytes']);
    assert.equal(h.conn.send('late'), false);
  });

  test('a client that never reads: congested, no onDrain, cut after congestedTimeoutMs, onClose once', async () => {
    const { l, acc } = await start({ congestedTimeoutMs: 150 });
    const c = await connectTcp(l);
    c.socket.pause();
    const h = await acc.next();
    await congest(h.conn);
    assert.ok(h.conn.congested);
    assert.ok(h.conn.bufferedBytes > 64 * 1024);
    // The kernel's buffers filled on the way (each turn's write may drain userland); from here on
    // nothing drains.
    const drains = h.drains;
    await h.closed();
    assert.deepEqual(h.closes, ['congested for over 150 ms']);
    assert.equal(h.drains, drains);
    assert.equal(h.conn.closed, true);
    c.socket.destroy();
    await settle();
    assert.equal(h.closes.length, 1, 'onClose exactly once');
  });

  test('the hard limit cuts at once; bufferedBytes never goes far past it', async () => {
    const hardLimitBytes = 512 * 1024;
    const { l, acc } = await start({ hardLimitBytes, congestedTimeoutMs: 60_000 });
    const c = await connectTcp(l);
    c.socket.pause();
    const h = await acc.next();
    const size = 16 * 1024;
    const highest = sendUntil(h.conn, () => h.conn.closed, size, 100_000);
    assert.equal(h.conn.closed, true, 'closed while sending');
    assert.ok(highest <= hardLimitBytes + size + 1, `bufferedBytes peaked at ${highest}`);
    assert.equal(h.conn.bufferedBytes, 0);
    await h.closed();
    assert.deepEqual(h.closes, [`send buffer over ${hardLimitBytes} bytes`]);
    c.socket.destroy();
  });

  test('a slow reader that catches up gets onDrain', async () => {
    const { l, acc } = await start({ congestedTimeoutMs: 10_000 });
    const c = await connectTcp(l);
    c.socket.pause();
    const h = await acc.next();
    let sent = 0;
    sendUntil(h.conn, () => {
      sent++;
      return h.conn.congested;
    }, 1000);
    assert.ok(h.conn.congested);
    c.socket.resume();
    await h.until(() => h.drains === 1, 'onDrain');
    assert.equal(h.conn.congested, false);
    assert.ok(h.conn.bufferedBytes <= 16 * 1024);
    await c.waitLines(sent - 1);
    assert.equal(h.conn.closed, false);
    c.socket.destroy();
  });

  test('pause() stops delivery, also of lines already read; resume() delivers them in order', async () => {
    const { l, acc } = await start({}, { onMessage: (h, m) => m === 'stop' && h.conn.pause() });
    const c = await connectTcp(l);
    const h = await acc.next();
    c.socket.write('one\nstop\ntwo\nthree\n');
    await h.until(() => h.messages.length === 2, 'two messages');
    c.socket.write('four\n');
    await settle();
    assert.deepEqual(h.messages, ['one', 'stop']);
    h.conn.resume();
    await h.until(() => h.messages.length === 5, 'the rest');
    assert.deepEqual(h.messages, ['one', 'stop', 'two', 'three', 'four']);
    c.socket.destroy();
  });

  test('close() sends what is queued, then FIN', async () => {
    const big = 'z'.repeat(4 * 1024 * 1024);
    const { l, acc } = await start({}, { onMessage: (h) => (h.conn.send('a'), h.conn.send(big), h.conn.close('bye')) });
    const c = await connectTcp(l);
    const h = await acc.next();
    c.socket.write('go\n');
    await c.waitClosed();
    assert.ok(c.ended);
    assert.equal(c.data.length, 2 + big.length + 1);
    assert.ok(c.text.endsWith('z\n'));
    await h.closed();
    assert.deepEqual(h.closes, ['bye']);
  });

  test('close() cuts a peer that does not read after closeTimeoutMs', async () => {
    const { l, acc } = await start({ closeTimeoutMs: 100, congestedTimeoutMs: 60_000 });
    const c = await connectTcp(l);
    c.socket.pause();
    const h = await acc.next();
    sendUntil(h.conn, () => h.conn.congested);
    h.conn.close('going away');
    assert.equal(h.conn.send('x'), false);
    await h.closed();
    assert.deepEqual(h.closes, ['going away']);
    c.socket.destroy();
  });

  test('accept returning null closes the socket at once', async () => {
    const { l, acc } = await start();
    acc.refuse = true;
    const c = await connectTcp(l);
    await c.waitClosed();
    assert.equal(c.data.length, 0);
    assert.equal(l.connections, 0);
  });

  test('a peer reset mid-write is an onClose, not a crash', async () => {
    const { l, acc } = await start({ congestedTimeoutMs: 60_000 });
    const c = await connectTcp(l);
    c.socket.pause();
    const h = await acc.next();
    sendUntil(h.conn, () => h.conn.congested);
    c.socket.resetAndDestroy();
    // Keep writing into the dying socket: EPIPE/ECONNRESET must stay inside the transport.
    await h.until(() => !h.conn.send('more') || h.closes.length > 0, 'send to fail');
    await h.closed();
    assert.equal(h.closes.length, 1);
    assert.match(h.closes[0]!, /ECONNRESET|EPIPE|peer closed/);
  });

  test('a throwing handler costs its connection only', async () => {
    const { l, acc } = await start({}, { onMessage: () => { throw new Error('boom'); } });
    const c = await connectTcp(l);
    const h = await acc.next();
    c.socket.write('x\n');
    await h.closed();
    assert.deepEqual(h.closes, ['handler error in onMessage']);
    await c.waitClosed();
  });

  test('close() stops accepting; closeAll() closes open connections and waits for them', async () => {
    const { l, acc } = await start();
    const c1 = await connectTcp(l);
    const c2 = await connectTcp(l);
    const [h1, h2] = [await acc.next(), await acc.next()];
    assert.equal(l.connections, 2);
    h1.conn.send('last words');
    await l.close();
    await assert.rejects(
      new Promise((resolve, reject) => net.connect(l.address.port, '127.0.0.1').once('connect', resolve).once('error', reject)),
      /ECONNREFUSED/,
    );
    await l.closeAll('shutdown');
    assert.deepEqual([h1.closes, h2.closes], [['shutdown'], ['shutdown']]);
    assert.equal(l.connections, 0);
    await Promise.all([c1.waitClosed(), c2.waitClosed()]);
    assert.equal(c1.text, 'last words\n');
  });
});
