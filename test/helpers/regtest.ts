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

/** A devnet chain's operations as the Regtest interface has them (mined to the wallet's first address). */
function devnetChainOps(node: DevnetNode): Pick<Regtest, 'mine' | 'pay' | 'newAddress' | 'reorg'> {
  const miningAddress = node.wallet.address('p2wpkh');
  return {
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
  };
}

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
  const r: DevnetRegtest = {
    kind: 'devnet',
    endpoint,
    zmqUrl: server.zmqUrl,
    coin: node.coin,
    devnet: { node, server },
    ...devnetChainOps(node),
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

// ---- two daemons sharing one chain (failover and fault tests) ----

/**
 * Two daemons on one chain. On devnet: one DevnetNode behind two DevnetServers (each with its own RPC
 * port, ZMQ publisher and FaultInjector). With BITCOIND: two `bitcoind -regtest` connected to each other
 * over P2P (the second with -connect to the first; both whitelisted noban so transactions relay at once),
 * each with -txindex, every ZMQ topic on its own port and a wallet.
 */
export interface RegtestPair {
  readonly kind: 'devnet' | 'bitcoind';
  readonly coin: CoinParams;
  /** Each daemon as a Regtest of its own: its endpoint and ZMQ, RPC to it alone, mining and payments with its wallet. */
  readonly nodes: readonly [Regtest, Regtest];
  readonly endpoints: readonly [DaemonEndpoint, DaemonEndpoint];
  readonly zmqUrls: readonly [string, string];
  /**
   * The shared chain through the first daemon that is up (RPC, mining, payments, reorgs): for walkChain
   * and the test's own moves. On devnet mining and payments work even with both down (the node lives on).
   */
  readonly regtest: Regtest;
  isUp(i: number): boolean;
  /** The first daemon up, -1 when none is. */
  live(): number;
  /** Dies at once: bitcoind SIGKILL; devnet: its server stops (RPC refused, ZMQ publisher gone), the chain lives on. */
  kill(i: number): Promise<void>;
  /** A clean stop: bitcoind `stop` (mempool.dat saved); devnet as kill. */
  shutdown(i: number): Promise<void>;
  /**
   * Starts it again on the same ports (and datadir); resolves once its RPC answers (bitcoind: wallet
   * loaded and, when the other one is up, connected to it again).
   */
  restart(i: number): Promise<void>;
  /** Waits until both daemons are up at the same tip with the same mempool (bitcoind: relays what P2P did not). */
  waitSynced(timeoutMs?: number): Promise<void>;
  /**
   * Replaces the last `depth` blocks by a branch of `blocks.length` blocks (more than depth), each holding
   * exactly the listed mempool transactions (txids), on the first daemon up; returns the new blocks' hashes.
   */
  reorgTo(depth: number, blocks: readonly (readonly string[])[]): Promise<string[]>;
  /** devnet only: the node, and server i as it runs now (a restart makes a new one). */
  readonly devnet?: { readonly node: DevnetNode; server(i: number): DevnetServer };
  stop(): Promise<void>;
}

export interface RegtestPairOptions {
  /** Blocks mined at start; default 110 (with bitcoind, the first 5 pay the second node's wallet, so both can pay). */
  readonly blocks?: number;
  /** 'password' (default): user/password on both endpoints, as one DAEMON_URL lists them; 'cookie': each its cookie file. */
  readonly auth?: 'cookie' | 'password';
}

export async function startRegtestPair(opts: RegtestPairOptions = {}): Promise<RegtestPair> {
  const pair = usingBitcoind ? await startBitcoindPair(process.env.BITCOIND as string, opts) : await startDevnetPair(opts);
  try {
    const blocks = opts.blocks ?? 110;
    if (blocks > 0) {
      if (pair.kind === 'bitcoind') {
        const n = Math.min(5, blocks);
        const second = await pair.nodes[1].newAddress();
        await pair.nodes[0].rpc('generatetoaddress', [n, second]);
        if (blocks > n) await pair.nodes[0].mine(blocks - n);
      } else {
        await pair.regtest.mine(blocks);
      }
    }
    await pair.waitSynced(60_000);
  } catch (e) {
    await pair.stop();
    throw e;
  }
  return pair;
}

/** Polls `check` until it gives something other than false/undefined, or fails after timeoutMs naming `what`. */
export async function pollUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | false | undefined> | T | false | undefined, describe?: () => Promise<string> | string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    try {
      const r = await check();
      if (r !== false && r !== undefined) return r;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const state = describe ? await Promise.resolve().then(describe).catch((e: Error) => e.message) : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? `; ${state}` : ''}${lastError ? `; last error: ${(lastError as Error).message}` : ''}`);
    }
    await sleep(wait);
  }
}

/** The pair operations both kinds implement; startRegtestPair adds the initial blocks. */
function pairFacade(kind: 'devnet' | 'bitcoind', coin: CoinParams, nodes: readonly [Regtest, Regtest], isUp: (i: number) => boolean): Regtest {
  const live = (): Regtest => {
    if (isUp(0)) return nodes[0];
    if (isUp(1)) return nodes[1];
    throw new DaemonUnavailableError('both daemons of the pair are down');
  };
  return {
    kind,
    get endpoint() {
      return live().endpoint;
    },
    get zmqUrl() {
      return live().zmqUrl;
    },
    coin,
    mine: async (n) => (kind === 'devnet' ? nodes[0].mine(n) : live().mine(n)),
    pay: async (address, sats) => (kind === 'devnet' ? nodes[0].pay(address, sats) : live().pay(address, sats)),
    newAddress: async (type) => (kind === 'devnet' ? nodes[0].newAddress(type) : live().newAddress(type)),
    reorg: async (depth) => live().reorg(depth),
    rpc: async (method, params) => live().rpc(method, params),
    stop: async () => undefined,
  };
}

async function reorgOn(r: Regtest, depth: number, blocks: readonly (readonly string[])[]): Promise<string[]> {
  if (!(depth >= 1) || blocks.length <= depth) throw new RangeError(`a reorg of ${depth} needs a longer branch (got ${blocks.length} blocks)`);
  const height = await r.rpc<number>('getblockcount');
  const first = await r.rpc<string>('getblockhash', [height - depth + 1]);
  await r.rpc('invalidateblock', [first]);
  const address = await r.newAddress('bech32');
  const hashes: string[] = [];
  for (const txids of blocks) hashes.push((await r.rpc<{ hash: string }>('generateblock', [address, [...txids]])).hash);
  await r.rpc('reconsiderblock', [first]);
  return hashes;
}

async function startDevnetPair(opts: RegtestPairOptions): Promise<RegtestPair> {
  const dir = makeTempDir('anode-devnet-pair-');
  const node = await DevnetNode.create();
  const user = 'anode';
  const password = randomBytes(16).toString('hex');
  const servers: Array<DevnetServer | null> = [null, null];
  const ports: Array<{ rpc: number; zmq: number }> = [];
  const cookieFiles = [path.join(dir, 'a', '.cookie'), path.join(dir, 'b', '.cookie')];
  const launch = async (i: number, port: { rpc: number; zmq: number } | undefined): Promise<DevnetServer> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await DevnetServer.start({ node, cookieFile: cookieFiles[i], rpcUser: user, rpcPassword: password, rpcPort: port?.rpc ?? 0, zmqPort: port?.zmq ?? 0, log: silentLogger() });
      } catch (e) {
        // The ports of the server just stopped may take a moment to be free again.
        const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' || /in use/i.test(String((e as Error).message));
        if (!inUse || attempt >= 50) throw e;
        await sleep(100);
      }
    }
  };
  try {
    for (const i of [0, 1]) {
      const s = await launch(i, undefined);
      servers[i] = s;
      ports.push({ rpc: s.rpcPort, zmq: Number(new URL(s.zmqUrl.replace(/^tcp:/, 'http:')).port) });
    }
  } catch (e) {
    for (const s of servers) await s?.stop();
    removeTempDir(dir);
    throw e;
  }
  const endpoints = [0, 1].map((i): DaemonEndpoint => {
    const url = `http://127.0.0.1:${ports[i]!.rpc}`;
    return opts.auth === 'cookie' ? { url, cookieFile: cookieFiles[i] } : { url, user, password };
  }) as [DaemonEndpoint, DaemonEndpoint];
  const zmqUrls = [0, 1].map((i) => `tcp://127.0.0.1:${ports[i]!.zmq}`) as [string, string];
  const clients = endpoints.map((e) => new RpcClient(e));
  // chain-ops and other helpers reach devnet's node through `devnet` (DevnetRegtest).
  const devnetOf = (i: number): DevnetRegtest['devnet'] => ({
    node,
    get server(): DevnetServer {
      const s = servers[i] ?? servers[1 - i];
      if (!s) throw new Error('both devnet servers are down');
      return s;
    },
  });
  const nodeOf = (i: number): DevnetRegtest => ({
    kind: 'devnet',
    devnet: devnetOf(i),
    endpoint: endpoints[i]!,
    zmqUrl: zmqUrls[i]!,
    coin: node.coin,
    ...devnetChainOps(node),
    rpc: (method, params) => clients[i]!.call(method, params),
    stop: () => down(i),
  });
  const nodes = [nodeOf(0), nodeOf(1)] as const;
  const isUp = (i: number): boolean => servers[i] !== null;
  const down = async (i: number): Promise<void> => {
    const s = servers[i];
    servers[i] = null;
    await s?.stop();
  };
  const regtest: DevnetRegtest = Object.defineProperty(pairFacade('devnet', node.coin, nodes, isUp), 'devnet', { value: devnetOf(0), enumerable: true }) as DevnetRegtest;
  return {
    kind: 'devnet',
    coin: node.coin,
    nodes,
    endpoints,
    zmqUrls,
    regtest,
    isUp,
    live: () => (isUp(0) ? 0 : isUp(1) ? 1 : -1),
    kill: down,
    shutdown: down,
    async restart(i) {
      if (servers[i]) return;
      servers[i] = await launch(i, ports[i]);
    },
    async waitSynced() {
      // One node behind both servers: always the same chain and mempool.
    },
    reorgTo: (depth, blocks) => reorgOn(regtest, depth, blocks),
    devnet: {
      node,
      server(i) {
        const s = servers[i];
        if (!s) throw new Error(`devnet server ${i} is down`);
        return s;
      },
    },
    async stop() {
      for (const c of clients) c.close();
      for (const i of [0, 1]) await down(i);
      removeTempDir(dir);
    },
  };
}

/** One bitcoind of a pair: spawned, killed or stopped, and spawned again with the same arguments. */
class PairBitcoind {
  private proc: ChildProcess | null = null;
  private exit: Promise<void> | null = null;
  private exitCode: number | null | undefined;
  private stderr = '';
  readonly client: RpcClient;
  readonly wallet: RpcClient;

  constructor(
    private readonly bin: string,
    private readonly args: readonly string[],
    readonly endpoint: DaemonEndpoint,
  ) {
    this.client = new RpcClient(endpoint);
    this.wallet = new RpcClient({ ...endpoint, url: `${endpoint.url}/wallet/harness` });
  }

  get up(): boolean {
    return this.proc !== null;
  }

  /** Spawns bitcoind and waits until its RPC answers (through "connection refused", the cookie, -28). */
  async start(): Promise<void> {
    if (this.proc) return;
    const proc = spawn(this.bin, this.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    this.exitCode = undefined;
    live.add(proc);
    proc.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.exit = new Promise<void>((resolve) =>
      proc.on('exit', (code) => {
        this.exitCode = code;
        live.delete(proc);
        resolve();
      }),
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.exitCode !== undefined) {
        this.proc = null;
        throw new Error(`bitcoind exited with code ${this.exitCode}: ${this.stderr.trim()}`);
      }
      try {
        await this.client.call('getblockchaininfo');
        return;
      } catch (e) {
        if (!(e instanceof DaemonUnavailableError) || Date.now() > deadline) throw e;
        await sleep(50);
      }
    }
  }

  /** SIGKILL: no flush, no mempool.dat. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    proc.kill('SIGKILL');
    await this.exit;
    this.proc = null;
  }

  /** `stop` over RPC (SIGKILL after 30 s). */
  async shutdown(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    if (this.exitCode === undefined) await this.client.call('stop').catch(() => proc.kill('SIGTERM'));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await this.exit;
    clearTimeout(timer);
    this.proc = null;
  }

  close(): void {
    this.client.close();
    this.wallet.close();
  }
}

async function startBitcoindPair(bin: string, opts: RegtestPairOptions): Promise<RegtestPair> {
  const base = makeTempDir('anode-bitcoind-pair-');
  const ports = await freePorts(6);
  const user = 'anode';
  const password = randomBytes(16).toString('hex');
  const salt = randomBytes(16).toString('hex');
  const hmac = createHmac('sha256', salt).update(password).digest('hex');
  const p2p = [ports[1]!, ports[4]!];
  const zmqUrls = [`tcp://127.0.0.1:${ports[2]}`, `tcp://127.0.0.1:${ports[5]}`] as [string, string];
  const daemons = [0, 1].map((i) => {
    const datadir = path.join(base, i === 0 ? 'a' : 'b');
    fs.mkdirSync(datadir);
    const rpcPort = ports[i * 3]!;
    const args = [
      '-regtest',
      `-datadir=${datadir}`,
      '-txindex=1',
      '-server=1',
      `-rpcport=${rpcPort}`,
      '-rpcbind=127.0.0.1',
      '-rpcallowip=127.0.0.1',
      `-rpcauth=${user}:${salt}$${hmac}`,
      '-rpcworkqueue=64',
      '-rpcthreads=8',
      `-port=${p2p[i]}`,
      '-dnsseed=0',
      '-fixedseeds=0',
      // The first listens; the second connects to it (and again after either restarts).
      ...(i === 0 ? ['-listen=1', '-bind=127.0.0.1', '-connect=0'] : ['-listen=0', `-connect=127.0.0.1:${p2p[0]}`]),
      // noban: no trickle delay, so transactions relay between the two at once.
      '-whitelist=noban,in,out@127.0.0.1',
      '-fallbackfee=0.0002',
      '-printtoconsole=0',
      ...['hashblock', 'rawblock', 'hashtx', 'rawtx', 'sequence'].map((t) => `-zmqpub${t}=${zmqUrls[i]}`),
    ];
    const url = `http://127.0.0.1:${rpcPort}`;
    const endpoint: DaemonEndpoint = opts.auth === 'cookie' ? { url, cookieFile: path.join(datadir, 'regtest', '.cookie') } : { url, user, password };
    return new PairBitcoind(bin, args, endpoint);
  });
  const addresses: Array<string | null> = [null, null];
  const ensureWallet = async (i: number): Promise<void> => {
    const d = daemons[i]!;
    const loaded = await d.client.call<string[]>('listwallets');
    if (!loaded.includes('harness')) {
      try {
        await d.client.call('loadwallet', ['harness']);
      } catch {
        // First start: create it, loaded again at every start.
        await d.client.call('createwallet', ['harness', false, false, '', false, true, true]);
      }
    }
    addresses[i] ??= await d.wallet.call<string>('getnewaddress', ['', 'bech32']);
  };
  const connected = async (i: number): Promise<void> => {
    const other = 1 - i;
    if (!daemons[other]!.up) return;
    // The second node retries its -connect with growing pauses: ask for the connection now.
    const second = daemons[1]!;
    await second.client.call('addnode', [`127.0.0.1:${p2p[0]}`, 'onetry']).catch(() => undefined);
    await pollUntil('the two bitcoinds to connect', 30_000, async () => (await daemons[i]!.client.call<number>('getconnectioncount')) > 0);
  };
  try {
    for (const i of [0, 1]) {
      await daemons[i]!.start();
      await ensureWallet(i);
    }
    await connected(1);
  } catch (e) {
    for (const d of daemons) await d.kill();
    for (const d of daemons) d.close();
    removeTempDir(base);
    throw e;
  }
  const coin = findCoin('Bitcoin', 'regtest');
  const nodeOf = (i: number): Regtest => {
    const d = daemons[i]!;
    return {
      kind: 'bitcoind',
      endpoint: d.endpoint,
      zmqUrl: zmqUrls[i]!,
      coin,
      mine: (n) => d.client.call<string[]>('generatetoaddress', [n, addresses[i]!]),
      pay: (address, sats) => d.wallet.call<string>('sendtoaddress', [address, btcString(sats)]),
      newAddress: (type = 'bech32') => d.wallet.call<string>('getnewaddress', ['', type]),
      // As startBitcoind's: the new branch mines the mempool.
      async reorg(depth) {
        if (!(depth >= 1)) throw new RangeError('reorg depth must be at least 1');
        const height = await d.client.call<number>('getblockcount');
        const first = await d.client.call<string>('getblockhash', [height - depth + 1]);
        await d.client.call('invalidateblock', [first]);
        const address = await d.wallet.call<string>('getnewaddress', ['', 'bech32']);
        const hashes = await d.client.call<string[]>('generatetoaddress', [depth + 1, address]);
        await d.client.call('reconsiderblock', [first]);
        return hashes[hashes.length - 1]!;
      },
      rpc: (method, params) => d.client.call(method, params),
      stop: () => d.shutdown(),
    };
  };
  const nodes = [nodeOf(0), nodeOf(1)] as const;
  const isUp = (i: number): boolean => daemons[i]!.up;
  const regtest = pairFacade('bitcoind', coin, nodes, isUp);

  const sameState = async (): Promise<{ same: boolean; missing: Array<[number, string]> }> => {
    const [a, b] = await Promise.all(daemons.map(async (d) => ({ best: await d.client.call<string>('getbestblockhash'), pool: new Set(await d.client.call<string[]>('getrawmempool')) })));
    const missing: Array<[number, string]> = [];
    for (const t of a!.pool) if (!b!.pool.has(t)) missing.push([1, t]);
    for (const t of b!.pool) if (!a!.pool.has(t)) missing.push([0, t]);
    return { same: a!.best === b!.best && missing.length === 0, missing: a!.best === b!.best ? missing : [] };
  };
  return {
    kind: 'bitcoind',
    coin,
    nodes,
    endpoints: [daemons[0]!.endpoint, daemons[1]!.endpoint],
    zmqUrls,
    regtest,
    isUp,
    live: () => (isUp(0) ? 0 : isUp(1) ? 1 : -1),
    kill: (i) => daemons[i]!.kill(),
    shutdown: (i) => daemons[i]!.shutdown(),
    async restart(i) {
      if (daemons[i]!.up) return;
      await daemons[i]!.start();
      await ensureWallet(i);
      await connected(i);
    },
    async waitSynced(timeoutMs = 30_000) {
      const started = Date.now();
      await pollUntil('both bitcoinds at the same tip with the same mempool', timeoutMs, async () => {
        if (!daemons[0]!.up || !daemons[1]!.up) throw new Error('a daemon of the pair is down');
        const s = await sameState();
        if (s.same) return true;
        // P2P does not resend a mempool to a peer that (re)connects: after a second, relay by hand.
        if (Date.now() - started > 1000) {
          for (const [to, txid] of s.missing) {
            const hex = await daemons[1 - to]!.client.call<string>('getrawtransaction', [txid]).catch(() => null);
            if (hex) await daemons[to]!.client.call('sendrawtransaction', [hex]).catch(() => undefined);
          }
        }
        return false;
      }, async () => JSON.stringify(await sameState()));
    },
    reorgTo: (depth, blocks) => reorgOn(regtest, depth, blocks),
    async stop() {
      for (const d of daemons) await d.shutdown().catch(() => d.kill());
      for (const d of daemons) d.close();
      removeTempDir(base);
    },
  };
}
