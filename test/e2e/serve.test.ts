// `anode serve` (the default command) as an operator runs it: the wallet ports open only once the
// index has caught up and the mempool is loaded, the log says where it listens, wallets are served
// over tcp and ssl (certificates from SSL_CERTFILE/SSL_KEYFILE), and SIGTERM stops it cleanly.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { startRegtest, freePorts, type Regtest } from '../helpers/regtest.js';
import { TestClient } from '../helpers/electrum-client.js';
import { AnodeProcess, anodeEnv } from '../sync/cli-helpers.js';
import { TempDirs } from '../sync/helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/tls/${name}`, import.meta.url));

/** One JSON-RPC exchange over TLS (server.version), returning the answer line. */
function tlsVersion(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => s.write('{"jsonrpc":"2.0","id":1,"method":"server.version","params":["t","1.4"]}\n'));
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      if (buf.includes('\n')) {
        s.destroy();
        resolve(buf.trim());
      }
    });
    s.on('error', reject);
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

describe('anode serve', () => {
  let r: Regtest;
  const dirs = new TempDirs();

  before(async () => {
    r = await startRegtest({ blocks: 110 });
    for (let i = 0; i < 5; i++) await r.pay(await r.newAddress('bech32'), 1_000_000 + i);
  });
  after(async () => {
    await r?.stop();
    dirs.cleanup();
  });

  test('opens tcp and ssl once caught up with the mempool loaded, answers, and stops on SIGTERM', async () => {
    const [tcp, ssl] = await freePorts(2);
    const proc = new AnodeProcess(
      ['serve'],
      anodeEnv(r.endpoint, dirs.make(), {
        SERVICES: `tcp://127.0.0.1:${tcp},ssl://127.0.0.1:${ssl}`,
        SSL_CERTFILE: fixture('a.crt'),
        SSL_KEYFILE: fixture('a.key'),
        MEMPOOL_POLL_MS: '200',
      }),
    );
    try {
      await proc.waitFor(/serving Electrum wallets on tcp:\/\/127\.0\.0\.1:\d+, ssl:\/\/127\.0\.0\.1:\d+/);
      const out = proc.stdout;
      assert.ok(out.indexOf('caught up at height') < out.indexOf('mempool loaded: 5 transactions'), 'the mempool loads after the catch-up');
      assert.ok(out.indexOf('mempool loaded') < out.indexOf('serving Electrum wallets'), 'the ports open after the mempool loaded');
      const c = await TestClient.open(tcp!, '1.4');
      assert.equal((await c.request<{ height: number }>('blockchain.headers.subscribe')).height, 110);
      assert.match(await tlsVersion(ssl!), /"result":\["Anode [0-9.]+","1\.4"\]/);
      // A new block reaches the headers subscriber.
      await r.mine(1);
      const n = await c.nextNotification((x) => x.method === 'blockchain.headers.subscribe');
      assert.equal((n.params[0] as { height: number }).height, 111);
      c.close();
      proc.child.kill('SIGTERM');
      const done = await proc.done;
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /sync stopped/);
      assert.equal(await refused(tcp!), true, 'the port is closed after the stop');
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  test('a bad certificate stops start-up with one line naming the setting', async () => {
    const proc = new AnodeProcess(['serve'], anodeEnv(r.endpoint, dirs.make(), { SERVICES: 'ssl://127.0.0.1:1', SSL_CERTFILE: fixture('a.crt'), SSL_KEYFILE: fixture('b.key') }));
    const done = await proc.done;
    assert.equal(done.code, 1);
    assert.match(done.stderr, /^anode: invalid setting SSL_KEYFILE: .+/m);
  });
});
