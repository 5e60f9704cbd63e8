// `npm run demo` end to end: devnet mines, Anode syncs and serves wallets, follows new blocks over ZMQ,
// survives a reorg; while it runs, a wallet connects on the printed TCP and ws addresses, and the
// printed pay command pays the printed funded seed's address, seen through the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as bitcoin from 'bitcoinjs-lib';
import { WebSocket } from 'ws';
import { findCoin } from '../../src/config/coins.js';
import { bitcoinjsNetwork } from '../../src/config/network.js';
import { scriptHashHex } from '../../src/chain/scripthash.js';
import { electrumSegwitAddresses } from '../../src/cli/demo.js';
import { TestClient } from '../helpers/electrum-client.js';

const demo = fileURLToPath(new URL('../../src/cli/demo.js', import.meta.url));
const network = bitcoinjsNetwork(findCoin('Bitcoin', 'regtest'));
const scripthashOf = (address: string) => scriptHashHex(bitcoin.address.toOutputScript(address, network));

function hasCurl(): Promise<boolean> {
  return new Promise((resolve) => execFile('curl', ['--version'], (err) => resolve(!err)));
}

function sh(command: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('sh', ['-c', command], { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${command}: ${err.message}\n${stderr}`)) : resolve(stdout))),
  );
}

/** server.version over a WebSocket: one JSON-RPC message per frame. */
function wsVersion(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer on ${url}`));
    }, 10_000);
    ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server.version', params: ['demo-test', '1.4'] })));
    ws.on('message', (data) => {
      clearTimeout(timer);
      ws.close();
      resolve((JSON.parse(data.toString()) as { result: unknown }).result);
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

test('the demo serves wallets on devnet, follows new blocks and a reorg, then stops cleanly', { timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, [demo, '--blocktime', '1', '--blocks', '6', '--reorg-every', '3', '--txs-per-block', '8'], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onOutput: () => void = () => undefined;
  child.stdout.on('data', (d) => {
    out += d;
    onOutput();
  });
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const printed = (re: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(out);
        if (m) resolve(m);
      };
      onOutput = check;
      check();
      void exited.then(() => reject(new Error(`the demo exited before printing ${re}\nstdout:\n${out}\nstderr:\n${err}`)));
    });

  try {
    // The connection instructions, printed once the wallet ports are open.
    const curlLine = (await printed(/^ {11}(curl -s .*devnet_pay.*)$/m))[1]!;
    const [, port] = /^ {2}wallet {3}electrum --regtest --oneserver --server 127\.0\.0\.1:(\d+):t$/m.exec(out) ?? [];
    assert.ok(port, `no electrum line in:\n${out}`);
    assert.ok(port === '50001' || /port 50001 is taken: Electrum TCP on \d+ instead/.test(out), `port ${port} without a note`);
    assert.match(out, new RegExp(`electrum --regtest daemon -d --oneserver --server 127\\.0\\.0\\.1:${port}:t`));
    const [, wsUrl] = /^ {2}ws {7}(ws:\/\/127\.0\.0\.1:\d+) /m.exec(out) ?? [];
    assert.ok(wsUrl, `no ws:// URL in:\n${out}`);
    const [, seed] = /^ {11}electrum --regtest --offline restore "([a-z ]+)"$/m.exec(out) ?? [];
    assert.equal(seed?.split(' ').length, 12, 'a 12-word funded seed');
    assert.match(curlLine, /^curl -s --user "\$\(cat \S+\/\.cookie\)" --data-binary '\{.*"method":"devnet_pay","params":\["bcrt1[a-z0-9]+",\d+\]\}' http:\/\/127\.0\.0\.1:\d+\/$/);

    // A wallet connects and negotiates on the printed port while the demo runs.
    const c = await TestClient.connect(Number(port));
    try {
      const version = await c.request<[string, string]>('server.version', ['demo-test', '1.4']);
      assert.match(version[0], /^Anode /);
      assert.equal(version[1], '1.4');
      const tip = await c.request<{ height: number }>('blockchain.headers.subscribe');
      assert.ok(tip.height >= 102, `tip ${tip.height}`);
      assert.deepEqual(await wsVersion(wsUrl), version, 'the same negotiation over the ws:// URL');
      // The printed seed is funded: its first two addresses hold 1 and 0.5 BTC, confirmed.
      const [a0, a1, a2] = electrumSegwitAddresses(seed!, 3, network);
      assert.deepEqual(await c.request('blockchain.scripthash.get_balance', [scripthashOf(a0!)]), { confirmed: 100_000_000, unconfirmed: 0 });
      assert.deepEqual(await c.request('blockchain.scripthash.get_balance', [scripthashOf(a1!)]), { confirmed: 50_000_000, unconfirmed: 0 });
      assert.ok(curlLine.includes(a2!), "the pay command's example address is the seed's third");

      if (await hasCurl()) {
        // The pay command, as printed: it pays the funded seed's third address, which the server then shows.
        const [, address, sats] = /"params":\["(bcrt1[a-z0-9]+)",(\d+)\]/.exec(curlLine)!;
        const sh1 = scripthashOf(address!);
        await c.request('blockchain.scripthash.subscribe', [sh1]);
        const answer = JSON.parse(await sh(curlLine)) as { result: string; error: unknown };
        assert.equal(answer.error, null);
        assert.match(answer.result, /^[0-9a-f]{64}$/);
        await c.nextNotification((n) => n.method === 'blockchain.scripthash.subscribe' && n.params[0] === sh1, 20_000);
        const pool = await c.request<Array<{ tx_hash: string; value?: number }>>('blockchain.scripthash.get_mempool', [sh1]);
        const history = await c.request<Array<{ tx_hash: string }>>('blockchain.scripthash.get_history', [sh1]);
        assert.ok([...pool, ...history].some((h) => h.tx_hash === answer.result), `paid ${sats} sats in ${answer.result}, not in the address's history`);
      } else {
        process.stdout.write('curl is not installed: the printed pay command was not run\n');
      }
    } finally {
      c.close();
    }
  } catch (e) {
    child.kill('SIGTERM');
    throw e;
  }

  const code = await exited;
  assert.equal(code, 0, `demo exited ${code}\nstdout:\n${out}\nstderr:\n${err}`);
  assert.match(out, /devnet\s+RPC http:\/\/127\.0\.0\.1:\d+ \(cookie /);
  assert.match(out, /ZMQ tcp:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /index caught up at height 102 /);
  assert.match(out, /confirmed balance: [1-9]\d*\.\d{8} BTC/);
  assert.match(out, /anode:   serving Electrum wallets on tcp:\/\/127\.0\.0\.1:\d+, ws:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /indexed block 103 /);
  assert.match(out, /devnet:  reorg — replaced the last 2 blocks/);
  assert.match(out, /anode:   reorg — rolled back 2 block\(s\) to the fork/);
  assert.match(out, /demo stopped/);
});
