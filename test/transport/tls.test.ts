// ssl:// and the CertificateStore: TLS connections, certificate reload by file change, reload() and
// SIGHUP without dropping open sessions, refused replacements, handshake deadlines, back-pressure.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/log.js';
import { listenTls } from '../../src/transport/tcp.js';
import { CertificateStore, type CertificateStoreOptions } from '../../src/transport/tls-context.js';
import type { TransportListener } from '../../src/transport/listener.js';
import { Acceptor, Client, limits, sendUntil, within } from './helpers.js';

// dist/test/transport -> test/fixtures/tls in the source tree.
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/tls');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const fingerprint = (name: string): string => new crypto.X509Certificate(fixture(name)).fingerprint256;
const FP_A = fingerprint('a.crt');
const FP_B = fingerprint('b.crt');

/** A directory holding cert.pem/key.pem that the tests replace like certbot would (write + rename). */
class CertDir {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anode-tls-'));
  readonly cert = path.join(this.dir, 'cert.pem');
  readonly key = path.join(this.dir, 'key.pem');

  put(pair: 'a' | 'b'): void {
    this.write(this.cert, fixture(`${pair}.crt`));
    this.write(this.key, fixture(`${pair}.key`));
  }

  write(file: string, text: string): void {
    fs.writeFileSync(file + '.tmp', text);
    fs.renameSync(file + '.tmp', file);
  }

  store(over: Partial<CertificateStoreOptions> = {}): CertificateStore {
    return new CertificateStore({ certFile: this.cert, keyFile: this.key, logger: silentLogger(), watchIntervalMs: 0, reloadOnSighup: false, ...over });
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

async function connectTls(l: TransportListener): Promise<{ client: Client; fp: string }> {
  const socket = tls.connect({ host: '127.0.0.1', port: l.address.port, servername: 'localhost', rejectUnauthorized: false });
  await within(new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  }), 'the TLS handshake');
  return { client: new Client(socket), fp: socket.getPeerCertificate().fingerprint256 };
}

/** Echoes every message back with a prefix. */
const echo = new Acceptor({ onMessage: (h, m) => h.conn.send(`echo ${m}`) });

async function roundTrip(client: Client, text: string): Promise<void> {
  const n = client.lines.length;
  client.socket.write(text + '\n');
  await client.waitLines(n + 1);
  assert.equal(client.lines[n], `echo ${text}`);
}

function nextReload(store: CertificateStore): Promise<unknown> {
  return new Promise((resolve) => store.once('reload', resolve));
}

describe('ssl transport and certificate reload', () => {
  const d = new CertDir();
  let store: CertificateStore;
  let l: TransportListener;

  before(async () => {
    d.put('a');
    store = d.store({ watchIntervalMs: 20 });
    l = await listenTls({ host: '127.0.0.1', port: 0, limits: limits(), accept: echo.accept, logger: silentLogger(), certificates: store, handshakeTimeoutMs: 300 });
  });

  after(async () => {
    await l.close();
    await l.closeAll('test over');
    store.close();
    d.remove();
  });

  test('a connection over TLS works', async () => {
    const { client, fp } = await connectTls(l);
    assert.equal(fp, FP_A);
    assert.equal(store.info.fingerprint256, FP_A);
    assert.equal(store.info.subject, 'CN=localhost');
    assert.match(store.info.validTo, /21\d\d GMT$/);
    await roundTrip(client, 'hello');
    assert.equal(echo.handlers.at(-1)!.conn.kind, 'ssl');
    client.socket.destroy();
  });

  test('replaced files: new connections get the new certificate, an old one keeps working', async () => {
    const old = await connectTls(l);
    await roundTrip(old.client, 'before');
    const reloaded = nextReload(store);
    d.put('b');
    await within(reloaded, 'a reload after the files changed');
    assert.equal(store.info.fingerprint256, FP_B);
    const fresh = await connectTls(l);
    assert.equal(fresh.fp, FP_B);
    await roundTrip(old.client, 'after');
    await roundTrip(fresh.client, 'new');
    old.client.socket.destroy();
    fresh.client.socket.destroy();
  });

  test('a bad replacement is refused and the old certificate stays', async () => {
    const quiet = d.store();
    const refused = new Promise((resolve) => store.once('reloadFailed', resolve));
    d.write(d.cert, fixture('a.crt')); // a's certificate with b's key
    await within(refused, 'the watcher to refuse the pair');
    assert.equal(quiet.reload(), false);
    d.write(d.cert, 'not a certificate\n');
    assert.equal(quiet.reload(), false);
    assert.equal(store.reload(), false);
    assert.equal(store.info.fingerprint256, FP_B);
    const { client, fp } = await connectTls(l);
    assert.equal(fp, FP_B);
    await roundTrip(client, 'still fine');
    client.socket.destroy();
    // A good pair again: reload() succeeds.
    d.put('a');
    assert.equal(quiet.reload(), true);
    assert.equal(quiet.info.fingerprint256, FP_A);
    quiet.close();
  });

  test('a client that never finishes its handshake is cut after the handshake timeout', async () => {
    const raw = net.connect(l.address.port, '127.0.0.1');
    const c = new Client(raw);
    await c.waitClosed();
    const garbage = new Client(net.connect(l.address.port, '127.0.0.1'));
    garbage.socket.write('GET / HTTP/1.0\r\n\r\n');
    await garbage.waitClosed();
  });

  test('back-pressure over TLS: bytes queue in the TLS socket and congest the connection', async () => {
    const n = echo.handlers.length;
    const { client } = await connectTls(l);
    client.socket.pause();
    // With TLS 1.3 the client is done before the server: wait for the server's side.
    await echo.until(() => echo.handlers.length > n, 'the server side');
    const h = echo.handlers[n]!;
    sendUntil(h.conn, () => h.conn.congested);
    assert.ok(h.conn.congested, 'congested');
    client.socket.resume();
    await h.until(() => h.drains === 1, 'onDrain');
    client.socket.destroy();
    await h.closed();
  });
});

describe('reload() and SIGHUP (no file watching)', () => {
  const d = new CertDir();
  let store: CertificateStore;
  let l: TransportListener;

  before(async () => {
    d.put('a');
    store = d.store({ reloadOnSighup: true });
    l = await listenTls({ host: '127.0.0.1', port: 0, limits: limits(), accept: echo.accept, logger: silentLogger(), certificates: store });
  });

  after(async () => {
    await l.close();
    await l.closeAll('test over');
    store.close();
    d.remove();
  });

  test('reload() switches new connections to the new pair; an old connection keeps working', async () => {
    const old = await connectTls(l);
    d.put('b');
    assert.equal((await connectTls(l)).fp, FP_A, 'without watching nothing changes by itself');
    assert.equal(store.reload(), true);
    assert.equal((await connectTls(l)).fp, FP_B);
    await roundTrip(old.client, 'old session');
    old.client.socket.destroy();
  });

  test('SIGHUP to the own process reloads (the store handles it, the process lives)', async () => {
    d.put('a');
    let reloads = 0;
    store.on('reload', () => reloads++);
    // Our own listener runs after the store's (registered later): once it fires, the store reloaded.
    await within(new Promise<void>((resolve) => {
      process.once('SIGHUP', () => resolve());
      process.kill(process.pid, 'SIGHUP');
    }), 'SIGHUP');
    assert.equal(reloads, 1);
    assert.equal((await connectTls(l)).fp, FP_A);
  });
});

test('closeAll() also cuts sockets still in their TLS handshake', async () => {
  const d = new CertDir();
  d.put('a');
  const store = d.store();
  const acc = new Acceptor();
  const l = await listenTls({ host: '127.0.0.1', port: 0, limits: limits({ closeTimeoutMs: 100 }), accept: acc.accept, logger: silentLogger(), certificates: store });
  try {
    const { client } = await connectTls(l);
    const h = await acc.next();
    const idle = new Client(net.connect(l.address.port, '127.0.0.1'));
    await new Promise((r) => idle.socket.once('connect', r));
    await l.close();
    await within(l.closeAll('shutdown'), 'closeAll');
    await Promise.all([idle.waitClosed(), client.waitClosed(), h.closed()]);
    assert.deepEqual(h.closes, ['shutdown']);
  } finally {
    store.close();
    d.remove();
  }
});

describe('CertificateStore first load', () => {
  test('a missing or invalid file throws, naming it', () => {
    const d = new CertDir();
    try {
      assert.throws(() => d.store(), (err: Error) => err.message.includes('SSL_CERTFILE') && err.message.includes(d.cert));
      d.put('a');
      d.write(d.key, 'garbage');
      assert.throws(() => d.store(), (err: Error) => /SSL_KEYFILE .*key\.pem/.test(err.message));
      d.write(d.key, fixture('b.key'));
      assert.throws(() => d.store(), /is not the key of the certificate/);
      d.write(d.key, fixture('a.key'));
      const s = d.store();
      assert.equal(s.info.fingerprint256, FP_A);
      s.close();
    } finally {
      d.remove();
    }
  });

  test('close() removes the SIGHUP handler', () => {
    const d = new CertDir();
    d.put('a');
    const before = process.listenerCount('SIGHUP');
    const s = d.store({ reloadOnSighup: true });
    assert.equal(process.listenerCount('SIGHUP'), before + 1);
    s.close();
    assert.equal(process.listenerCount('SIGHUP'), before);
    d.remove();
  });
});
