// `npm run demo`: Anode on devnet. Starts a local regtest chain (devnet, in this process) and the full
// server on it (`anode serve`: the syncer over real RPC and ZMQ, the mempool and the Electrum server on
// 127.0.0.1, tcp 50001 and ws 50003 by default), funds an Electrum seed, prints how to connect a wallet
// and get coins, then keeps devnet mining a block every few seconds (with an occasional reorg).
import { createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { findCoin } from '../config/coins.js';
import { bitcoinjsNetwork } from '../config/network.js';
import { loadSettings } from '../config/settings.js';
import { formatService } from '../config/services.js';
import { toDisplayHex } from '../chain/hash.js';
import { formatBtc } from '../devnet/rpc/json.js';
import { startDevnet } from '../devnet/main.js';
import { reorg } from '../devnet/scenario.js';
import { setLogLevel, silentLogger } from '../log.js';
import type { SyncRuntime } from './sync.js';
import { runServe, type ServeHooks } from './serve.js';
import { runQuery } from './query.js';

interface DemoOptions {
  blocktime: number;
  txsPerBlock: number;
  /** Stop after this many new blocks are mined and indexed (0 = run until Ctrl-C). */
  blocks: number;
  /** Reorg the last 2 blocks every N blocks (0 = never). */
  reorgEvery: number;
  keep: boolean;
  /** Electrum TCP port on 127.0.0.1 (a free one if taken; 0 = any free port). */
  port: number;
  /** Electrum-over-WebSocket port on 127.0.0.1 (same rules). */
  wsPort: number;
}

const USAGE =
  'usage: npm run demo -- [--blocktime SECONDS] [--txs-per-block N] [--blocks N] [--reorg-every N] [--port TCP_PORT] [--ws-port WS_PORT] [--keep]';

function parseDemoArgs(argv: readonly string[]): DemoOptions {
  const opts: DemoOptions = { blocktime: 5, txsPerBlock: 20, blocks: 0, reorgEvery: 6, keep: false, port: 50001, wsPort: 50003 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--keep') {
      opts.keep = true;
      continue;
    }
    const value = Number(argv[++i]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} needs a non-negative number\n${USAGE}`);
    if (flag === '--blocktime') opts.blocktime = value;
    else if (flag === '--txs-per-block') opts.txsPerBlock = value;
    else if (flag === '--blocks') opts.blocks = value;
    else if (flag === '--reorg-every') opts.reorgEvery = value;
    else if (flag === '--port' || flag === '--ws-port') {
      if (!Number.isInteger(value) || value > 65535) throw new Error(`${flag} needs a port number (0 = any free port)\n${USAGE}`);
      if (flag === '--port') opts.port = value;
      else opts.wsPort = value;
    } else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  return opts;
}

const say = (line = '') => process.stdout.write(line + '\n');

// ---- the demo's Electrum wallet ----

/** An Electrum segwit seed (`electrum make_seed --seed_type segwit`), funded at start. Regtest only! */
export const DEMO_SEED = 'royal turkey angry field clump soap amused zone sort inch dash rude';

/** What the demo pays the seed's first receiving addresses before the server starts. */
const DEMO_FUNDS = [100_000_000, 50_000_000];

/**
 * The first receiving (chain 0) or change (chain 1) addresses of an Electrum segwit seed: Electrum's
 * seed to BIP32 root (PBKDF2-HMAC-SHA512, salt "electrum", 2048 rounds), then m/0'/chain/i as P2WPKH.
 */
export function electrumSegwitAddresses(seed: string, count: number, network: bitcoin.Network, chain: 0 | 1 = 0): string[] {
  const words = seed.normalize('NFKD').toLowerCase().trim().split(/\s+/).join(' ');
  const version = createHmac('sha512', 'Seed version').update(words).digest('hex');
  if (!version.startsWith('100')) throw new Error('not an Electrum segwit seed');
  const root = createHmac('sha512', 'Bitcoin seed').update(pbkdf2Sync(words, 'electrum', 2048, 64, 'sha512')).digest();
  let key = root.subarray(0, 32);
  let code = root.subarray(32);
  const child = (index: number): void => {
    const data = Buffer.alloc(37);
    if (index >= 0x80000000) key.copy(data, 1);
    else Buffer.from(ecc.pointFromScalar(key, true)!).copy(data);
    data.writeUInt32BE(index, 33);
    const i = createHmac('sha512', code).update(data).digest();
    key = Buffer.from(ecc.privateAdd(key, i.subarray(0, 32))!);
    code = i.subarray(32);
  };
  child(0x80000000); // m/0'
  child(chain);
  const [chainKey, chainCode] = [key, code];
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    [key, code] = [chainKey, chainCode];
    child(n);
    out.push(bitcoin.payments.p2wpkh({ pubkey: Buffer.from(ecc.pointFromScalar(key, true)!), network }).address!);
  }
  return out;
}

/** `preferred` on 127.0.0.1 if it can be bound, else (or for 0) a free port chosen by the system. */
async function pickPort(preferred: number): Promise<{ port: number; taken: boolean }> {
  const tryListen = (port: number) =>
    new Promise<number | null>((done) => {
      const s = net.createServer();
      s.once('error', () => done(null));
      s.listen(port, '127.0.0.1', () => {
        const got = (s.address() as net.AddressInfo).port;
        s.close(() => done(got));
      });
    });
  if (preferred > 0) {
    const got = await tryListen(preferred);
    if (got !== null) return { port: got, taken: false };
  }
  const free = await tryListen(0);
  if (free === null) throw new Error('cannot find a free port on 127.0.0.1');
  return { port: free, taken: preferred > 0 };
}

/** Single-quotes for a POSIX shell. */
const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

async function main(): Promise<void> {
  const opts = parseDemoArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'anode-demo-'));
  const logLevel = process.env.LOG_LEVEL ?? 'error';
  setLogLevel(logLevel);
  const devnet = await startDevnet({ datadir: join(dir, 'devnet'), blocktime: 0, txsPerBlock: opts.txsPerBlock, log: silentLogger() });
  const { node } = devnet;
  const coin = findCoin('Bitcoin', 'regtest');
  const watched = node.wallet.address('p2wpkh');

  // The demo seed's first addresses get coins before the index syncs, so a wallet restored from it
  // sees a balance and a history at once; its third address is the example in the pay command.
  const seedAddresses = electrumSegwitAddresses(DEMO_SEED, 3, bitcoinjsNetwork(coin));
  for (const [i, sats] of DEMO_FUNDS.entries()) node.wallet.pay([{ address: seedAddresses[i]!, value: sats }]);
  devnet.mineBlock();

  const [tcp, ws] = [await pickPort(opts.port), await pickPort(opts.wsPort)];
  if (ws.port === tcp.port) Object.assign(ws, await pickPort(0), { taken: true });
  const settings = loadSettings({
    env: {
      COIN: 'Bitcoin',
      NET: 'regtest',
      DAEMON_URL: devnet.rpcUrl,
      DAEMON_COOKIE_FILE: devnet.cookieFile,
      DB_DIRECTORY: join(dir, 'index'),
      CACHE_MB: '256',
      DAEMON_POLL_INTERVAL_BLOCKS: '2000',
      MEMPOOL_POLL_MS: '500',
      SERVICES: `tcp://127.0.0.1:${tcp.port},ws://127.0.0.1:${ws.port}`,
      LOG_LEVEL: logLevel,
    },
  });
  const cli = `NET=regtest DB_DIRECTORY=${settings.dbDirectory} node dist/src/cli/main.js`;
  const cookie = devnet.cookieFile!;
  say('Anode demo');
  say(`  devnet   RPC ${devnet.rpcUrl} (cookie ${cookie})`);
  say(`           ZMQ ${devnet.zmqUrl}; ${node.tipHeight() + 1} blocks, a funded wallet`);
  say(`  index    ${settings.dbDirectory}`);
  if (tcp.taken) say(`  note     port ${opts.port} is taken: Electrum TCP on ${tcp.port} instead (--port N picks one)`);
  if (ws.taken) say(`  note     port ${opts.wsPort} is taken: Electrum WebSocket on ${ws.port} instead (--ws-port N picks one)`);
  say(`  try, in another terminal while this runs:`);
  say(`           ${cli} query ${watched}`);
  say(`           DAEMON_URL=${devnet.rpcUrl} DAEMON_COOKIE_FILE=${cookie} NET=regtest node dist/src/cli/main.js settings`);
  say();

  let runtime: SyncRuntime | null = null;
  let mined = 0;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    if (timer) clearInterval(timer);
    runtime?.stop();
  };
  process.on('SIGINT', finish);
  process.on('SIGTERM', finish);

  const mine = () => {
    if (opts.reorgEvery > 0 && mined > 0 && mined % opts.reorgEvery === 0) {
      const result = reorg(node, 2, { newBlocks: 3 });
      say(`devnet:  reorg — replaced the last ${result.staleBlocks.length} blocks with ${result.newBlocks.length} new ones`);
    } else {
      devnet.mineBlock();
    }
    mined++;
  };

  // Once caught up: the query's answer, then (the wallet ports open) how to connect, then mining.
  let queried!: () => void;
  const queryPrinted = new Promise<void>((r) => (queried = r));

  const onStart = (rt: SyncRuntime) => {
    runtime = rt;
    const s = rt.syncer;
    s.events.on('caughtUp', (tip) => {
      say(`anode:   index caught up at height ${tip.height} (${toDisplayHex(tip.hash)})`);
      void runQuery(settings, watched, { json: false, out: (t) => say(t.replace(/^/gm, '         ')) }).then(queried, (err: unknown) => {
        say(`anode:   query failed: ${(err as Error).message}`);
        queried();
      });
    });
    s.events.on('tip', (tip) => {
      if (!s.isCaughtUp) return;
      const block = node.block(tip.hash);
      say(`anode:   indexed block ${tip.height} ${toDisplayHex(tip.hash).slice(0, 16)}… (${block?.txCount ?? '?'} txs)`);
      if (opts.blocks > 0 && mined >= opts.blocks && tip.height === node.tipHeight()) finish();
    });
    s.events.on('reorg', (r) => say(`anode:   reorg — rolled back ${r.depth} block(s) to the fork at height ${r.fork.height}`));
  };

  const onServing: NonNullable<ServeHooks['onServing']> = (server) => {
    const tcpAt = server.addresses.find((a) => a.protocol === 'tcp')!;
    const wsAt = server.addresses.find((a) => a.protocol === 'ws')!;
    const listening = server.addresses.map((a) => formatService({ protocol: a.protocol as 'tcp', host: a.host, port: a.port }));
    const payBody = JSON.stringify({ jsonrpc: '1.0', id: 'demo', method: 'devnet_pay', params: [seedAddresses[2], 1_000_000] });
    const funds = formatBtc(DEMO_FUNDS.reduce((a, b) => a + b, 0));
    void queryPrinted.then(() => {
      if (finished) return;
      say(`anode:   serving Electrum wallets on ${listening.join(', ')}`);
      say(`  wallet   electrum --regtest --oneserver --server 127.0.0.1:${tcpAt.port}:t`);
      say(`           (the GUI; headless: electrum --regtest daemon -d --oneserver --server 127.0.0.1:${tcpAt.port}:t, then electrum --regtest load_wallet, getbalance, ...)`);
      say(`  seed     a wallet with ${funds} BTC and history: before connecting, restore it in a fresh Electrum regtest directory with`);
      say(`           electrum --regtest --offline restore "${DEMO_SEED}"`);
      say(`  ws       ws://127.0.0.1:${wsAt.port} (the Electrum protocol over WebSocket, one JSON-RPC message per frame)`);
      say("  coins    pay any regtest address from devnet's wallet (sats; the next block confirms it), e.g. the seed's third address:");
      say(`           curl -s --user "$(cat ${cookie})" --data-binary ${shq(payBody)} ${devnet.rpcUrl}/`);
      say(`devnet:  mining a block every ${opts.blocktime} s with ${opts.txsPerBlock} payments; Ctrl-C stops`);
      timer = setInterval(mine, opts.blocktime * 1000);
    });
  };

  try {
    await runServe(settings, { handleSignals: false, onStart, onServing });
  } finally {
    if (timer) clearInterval(timer);
    await devnet.stop();
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    else say(`kept ${dir}`);
    say('demo stopped');
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
