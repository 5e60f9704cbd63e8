// The regtest chain every integration test runs on: devnet in-process by default, or a real
// `bitcoind -regtest` when BITCOIND=/path/to/bitcoind is set. Same API either way (harness.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findCoin, type CoinParams } from '../../src/config/coins.js';
import { toDisplayHex } from '../../src/chain/hash.js';
import { RpcClient } from '../../src/daemon/rpc-client.js';
import { DaemonUnavailableError, type DaemonEndpoint } from '../../src/daemon/types.js';
import { silentLogger } from '../../src/log.js';
import { DevnetNode, type OutputKind } from '../../src/devnet/node.js';
import { DevnetServer } from '../../src/devnet/server.js';

export type AddressType = 'legacy' | 'p2sh-segwit' | 'bech32' | 'bech32m';

export interface Regtest {
  readonly kind: 'devnet' | 'bitcoind';
  readonly endpoint: DaemonEndpoint;
  readonly zmqUrl: string;
  readonly coin: CoinParams;
  /** Mines n blocks (to the harness wallet), returns their hashes (display hex). */
  mine(n: number): Promise<string[]>;
  /** Pays to an address from the harness wallet; returns txid (display hex). Real signed tx. */
  pay(address: string, sats: number): Promise<string>;
  /** A fresh address of the harness wallet. */
  newAddress(type?: AddressType): Promise<string>;
  /** Replaces the last `depth` blocks with a longer branch (depth + 1 blocks); returns the new tip hash. */
  reorg(depth: number): Promise<string>;
  /** Any RPC through a plain client. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

export interface DevnetRegtest extends Regtest {
  readonly kind: 'devnet';
  readonly devnet: { readonly node: DevnetNode; readonly server: DevnetServer };
}

export interface RegtestOptions {
  /** Blocks mined at start (to the harness wallet); default 101 so one coinbase is spendable. */
  readonly blocks?: number;
  /** 'password': the endpoint carries user/password instead of the cookie file. Default 'cookie'. */
  readonly auth?: 'cookie' | 'password';
  /** Start the node in manual pruning mode (bitcoind -prune=1, without -txindex). */
  readonly prune?: boolean;
}

export const usingBitcoind: boolean = !!process.env.BITCOIND;

export async function startRegtest(opts: RegtestOptions = {}): Promise<Regtest> {
  return usingBitcoind ? startBitcoind(process.env.BITCOIND as string, opts) : startDevnet(opts);
}

// A test that never calls stop() must not leave a bitcoind running or a temp dir behind.
const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

const ADDRESS_KINDS: Record<AddressType, OutputKind> = {
  legacy: 'p2pkh',
  'p2sh-segwit': 'p2sh-p2wpkh',
  bech32: 'p2wpkh',
  bech32m: 'p2tr',
};

async function startDevnet(opts: RegtestOptions): Promise<DevnetRegtest> {
  const dir = makeTempDir('anode-devnet-');
  const node = await DevnetNode.create();
  const cookieFile = path.join(dir, '.cookie');
  const password = randomBytes(16).toString('hex');
  let server: DevnetServer;
  try {
    server = await DevnetServer.start({
      node,
      cookieFile,
      log: silentLogger(),
      prune: opts.prune ?? false,
      ...(opts.auth === 'password' ? { rpcUser: 'anode', rpcPassword: password } : {}),
    });
  } catch (e) {
    removeTempDir(dir);
    throw e;
  }
  const endpoint: DaemonEndpoint =
    opts.auth === 'password' ? { url: server.rpcUrl, user: 'anode', password } : { url: server.rpcUrl, cookieFile: server.cookieFile ?? cookieFile };
  const client = new RpcClient(endpoint);
  const miningAddress = node.wallet.address('p2wpkh');
  const r: DevnetRegtest = {
    kind: 'devnet',
    endpoint,
    zmqUrl: server.zmqUrl,
    coin: node.coin,
    devnet: { node, server },
    async mine(n) {
      return node.generateToAddress(n, miningAddress).map(toDisplayHex);
    },
    async pay(address, sats) {
      return toDisplayHex(node.wallet.pay([{ address, value: sats }]));
    },
    async newAddress(type = 'bech32') {
      return node.wallet.newAddress(ADDRESS_KINDS[type]);
    },
    async reorg(depth) {
      // A fresh address makes the new branch differ from the blocks it replaces.
      const hashes = node.reorg(depth, { address: node.wallet.newAddress('p2wpkh') });
      return toDisplayHex(hashes[hashes.length - 1]);
    },
    rpc: (method, params) => client.call(method, params),
    async stop() {
      client.close();
      await server.stop();
      removeTempDir(dir);
    },
  };
  await mineInitial(r, opts);
  return r;
}

// ---- real bitcoind ----


async function startBitcoind(bin: string, opts: RegtestOptions): Promise<Regtest> {
  const datadir = makeTempDir('anode-bitcoind-');
  const [rpcPort, p2pPort, zmqPort] = await freePorts(3);
  const zmqUrl = `tcp://127.0.0.1:${zmqPort}`;
  const user = 'anode';
  const password = randomBytes(16).toString('hex');
  const salt = randomBytes(16).toString('hex');
  const hmac = createHmac('sha256', salt).update(password).digest('hex');
  const args = [
    '-regtest',
    `-datadir=${datadir}`,
    ...(opts.prune ? ['-prune=1'] : ['-txindex=1']),
    '-server=1',
    `-rpcport=${rpcPort}`,
    '-rpcbind=127.0.0.1',
    '-rpcallowip=127.0.0.1',
    `-rpcauth=${user}:${salt}$${hmac}`,
    '-rpcworkqueue=64',
    '-rpcthreads=8',
    `-port=${p2pPort}`,
    '-listen=0',
    '-dnsseed=0',
    '-connect=0',
    '-fallbackfee=0.0002',
    '-printtoconsole=0',
    ...['hashblock', 'rawblock', 'hashtx', 'rawtx', 'sequence'].map((t) => `-zmqpub${t}=${zmqUrl}`),
  ];
  const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(proc);
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    proc.on('exit', (code) => {
      exited = code;
      live.delete(proc);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${rpcPort}`;
  const cookieFile = path.join(datadir, 'regtest', '.cookie');
  const endpoint: DaemonEndpoint = opts.auth === 'password' ? { url, user, password } : { url, cookieFile };
  const client = new RpcClient(endpoint);
  const wallet = new RpcClient({ ...endpoint, url: `${url}/wallet/harness` });
  const cleanup = async (): Promise<void> => {
    client.close();
    wallet.close();
    if (exited === undefined) {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      proc.kill('SIGTERM');
      await exit;
      clearTimeout(timer);
    }
    removeTempDir(datadir);
  };

  let miningAddress: string;
  try {
    // Poll through "connection refused", the missing cookie and -28 warm-up.
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited !== undefined) throw new Error(`bitcoind exited with code ${exited}: ${stderr.trim()}`);
      try {
        await client.call('getblockchaininfo');
        break;
      } catch (e) {
        if (!(e instanceof DaemonUnavailableError) || Date.now() > deadline) throw e;
        await sleep(100);
      }
    }
    await client.call('createwallet', ['harness']);
    miningAddress = await wallet.call<string>('getnewaddress', ['', 'bech32']);
  } catch (e) {
    await cleanup();
    throw e;
  }
  const r: Regtest = {
    kind: 'bitcoind',
    endpoint,
    zmqUrl,
    coin: findCoin('Bitcoin', 'regtest'),
    mine: (n) => client.call<string[]>('generatetoaddress', [n, miningAddress]),
    pay: (address, sats) => wallet.call<string>('sendtoaddress', [address, btcString(sats)]),
    newAddress: (type = 'bech32') => wallet.call<string>('getnewaddress', ['', type]),
    async reorg(depth) {
      if (!(depth >= 1)) throw new RangeError('reorg depth must be at least 1');
      const height = await client.call<number>('getblockcount');
      const first = await client.call<string>('getblockhash', [height - depth + 1]);
      await client.call('invalidateblock', [first]);
      // A fresh address makes the new branch differ from the invalidated blocks.
      const address = await wallet.call<string>('getnewaddress', ['', 'bech32']);
      const hashes = await client.call<string[]>('generatetoaddress', [depth + 1, address]);
      // The old branch becomes a valid stale fork, as after a natural reorg.
      await client.call('reconsiderblock', [first]);
      return hashes[hashes.length - 1];
    },
    rpc: (method, params) => client.call(method, params),
    async stop() {
      if (exited === undefined) {
        try {
          await client.call('stop');
        } catch {
          // already going down: the kill below covers it
        }
      }
      await cleanup();
    },
  };
  await mineInitial(r, opts);
  return r;
}

async function mineInitial(r: Regtest, opts: RegtestOptions): Promise<void> {
  const blocks = opts.blocks ?? 101;
  if (blocks <= 0) return;
  try {
    await r.mine(blocks);
  } catch (e) {
    await r.stop();
    throw e;
  }
}

/** Sats as an exact BTC decimal string (bitcoind accepts amounts as strings). */
function btcString(sats: number): string {
  if (!Number.isSafeInteger(sats) || sats < 0) throw new RangeError(`bad amount ${sats}`);
  return `${Math.floor(sats / 1e8)}.${String(sats % 1e8).padStart(8, '0')}`;
}

/** Free TCP ports on 127.0.0.1 (held together while picking so they differ). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', resolve);
      });
      ports.push((s.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
