// bench:live's server process: `anode serve` itself (runServe with settings from the environment,
// as the CLI does), so the ZMQ sequence feed, the syncer's block announcements and the mempool's
// polling are wired exactly as in production. Measured from outside src/: ChainState.start() and
// setLive() wrapped on the prototype (load time, live mode), and while recording, chain.txAdded
// (when the server got each ZMQ 'A') and conn.send (when each status notification was written).
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { toDisplayHex } from '../../src/chain/hash.js';
import { loadSettings } from '../../src/config/settings.js';
import { runServe } from '../../src/cli/serve.js';
import { ChainState } from '../../src/mempool/chain-state.js';
import { MempoolRefresher } from '../../src/mempool/refresh.js';
import type { ElectrumServer } from '../../src/electrum/server.js';
import type { SyncRuntime } from '../../src/cli/sync.js';
import { cpuSeconds, emitEvent, serveCommands } from './serve-ipc.js';
import { startCpuProfile, stopCpuProfile } from './serve-profile.js';
import { monoNow, sleep } from './live-clock.js';

export interface LiveServerReady {
  readonly port: number;
  readonly height: number;
  /** From start to the index at devnet's tip. */
  readonly syncSeconds: number;
  /** ChainState.start(): the 50,000-tx mempool loaded over RPC. */
  readonly load: { readonly seconds: number; readonly txs: number; readonly cpu: number };
}

export interface LiveStatus {
  readonly live: boolean;
  /** Every setLive() call: ZMQ sequence stream connected/lost, and why. */
  readonly modes: Array<{ on: boolean; why: string }>;
  readonly mempool: number;
  readonly height: number;
  readonly sessions: number;
  readonly subscriptions: number;
}

export interface ServerRecord {
  /** ZMQ 'A' as ChainState got it: display txid, monotonic ms. */
  readonly zmqTxids: string[];
  readonly zmqAt: Float64Array;
  /** Status notifications written to a session's connection: scripthash, monotonic ms. */
  readonly sentHashes: string[];
  readonly sentAt: Float64Array;
  /** Index commits (blocks), monotonic ms: the syncer's part of a block. */
  readonly commits: Array<{ height: number; at: number }>;
  /** Full mempool refreshes (getrawmempool diffs: the 30 s safety poll, or the poll): sequence events wait meanwhile. */
  readonly refreshes: Array<{ start: number; end: number; applied: boolean }>;
  /** Announced transactions fetched: calls of fetchAdded (one getrawtransaction batch and one index read each), txs, and each call's ms. */
  readonly fetches: { calls: number; keys: number; ms: Float64Array };
  /** The main thread's event-loop delay (ms): how long ready work waited for it. */
  readonly loopDelay: { p50: number; p99: number; max: number };
}

const NOTIFY_PREFIX = '{"jsonrpc":"2.0","method":"blockchain.scripthash.subscribe","params":["';

/** CPU seconds of each of this process's threads, summed by thread name (Linux /proc). */
export function threadSeconds(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = tid === String(process.pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[\d/:]+$/, '').trim();
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / 100;
    }
  } catch {
    // not Linux
  }
  return out;
}

type Proto = { start(): Promise<void>; setLive(on: boolean, why: string): void };
const proto = ChainState.prototype as unknown as Proto;
let load: LiveServerReady['load'] | null = null;
const modes: LiveStatus['modes'] = [];
const start0 = proto.start;
proto.start = async function (this: ChainState) {
  const t0 = performance.now();
  const c0 = cpuSeconds().process;
  await start0.call(this);
  load = { seconds: (performance.now() - t0) / 1000, txs: this.mempool.size, cpu: cpuSeconds().process - c0 };
};
// While recording: full refreshes (private refreshOnce, wrapped on the prototype) and fetch batches.
let recording = false;
let refreshes: ServerRecord['refreshes'] = [];
const fetches = { calls: 0, keys: 0, ms: [] as number[] };
const refreshProto = ChainState.prototype as unknown as { refreshOnce(): Promise<boolean> };
const refreshOnce0 = refreshProto.refreshOnce;
refreshProto.refreshOnce = async function (this: ChainState) {
  const start = monoNow();
  const applied = await refreshOnce0.call(this);
  if (recording) refreshes.push({ start, end: monoNow(), applied });
  return applied;
};
const fetchAdded0 = MempoolRefresher.prototype.fetchAdded;
MempoolRefresher.prototype.fetchAdded = function (this: MempoolRefresher, ...args: Parameters<MempoolRefresher['fetchAdded']>) {
  if (!recording) return fetchAdded0.apply(this, args);
  fetches.calls++;
  fetches.keys += args[2].length;
  const t = monoNow();
  const p = fetchAdded0.apply(this, args);
  void p.then(() => fetches.ms.push(monoNow() - t), () => undefined);
  return p;
};
const setLive0 = proto.setLive;
proto.setLive = function (this: ChainState, on: boolean, why: string) {
  modes.push({ on, why });
  setLive0.call(this, on, why);
};

async function main(): Promise<void> {
  const env = process.env;
  const t0 = performance.now();
  const base = loadSettings({
    env: {
      COIN: 'Bitcoin', NET: 'regtest', DAEMON_URL: env.BENCH_RPC_URL, DB_DIRECTORY: env.BENCH_DB_DIR,
      DAEMON_ZMQ: env.BENCH_ZMQ ?? 'auto', MEMPOOL_POLL_MS: env.BENCH_POLL_MS ?? '2000',
      LOG_LEVEL: env.LOG_LEVEL ?? 'warn', MAX_SESSIONS: '5000', CACHE_MB: env.CACHE_MB,
    },
  });
  // Port 0 (any free one): SERVICES itself wants 1-65535. No admin RPC.
  const settings = { ...base, services: [{ protocol: 'tcp' as const, host: '127.0.0.1', port: 0 }] };
  const commits: ServerRecord['commits'] = [];
  let runtime: SyncRuntime | null = null;
  let running: Promise<void> = Promise.resolve();
  const served = new Promise<{ server: ElectrumServer; chain: ChainState }>((resolve) => {
    running = runServe(settings, {
      handleSignals: false,
      // First commit listener: before ChainState's, so its time is the commit's.
      onStart: (r) => {
        runtime = r;
        r.index.onCommit((c) => commits.push({ height: c.state.height, at: monoNow() }));
      },
      onServing: (server, chain) => resolve({ server, chain }),
    });
    running.catch((err) => {
      console.error('bench:live server: anode serve failed', err);
      process.exit(1);
    });
  });
  const { server, chain } = await served;
  const syncSeconds = (performance.now() - t0) / 1000 - (load?.seconds ?? 0);

  // Recording state: the wrappers push here while `recording`.
  let loop: IntervalHistogram | null = null;
  let rec: { zmqKeys: string[]; zmqAt: number[]; sentHashes: string[]; sentAt: number[] } = { zmqKeys: [], zmqAt: [], sentHashes: [], sentAt: [] };
  const txAdded0 = chain.txAdded;
  chain.txAdded = function (key, seq) {
    if (recording) {
      rec.zmqKeys.push(key);
      rec.zmqAt.push(monoNow());
    }
    txAdded0.call(chain, key, seq);
  };
  const wrapped = new WeakSet<object>();
  const wrapSessions = () => {
    for (const s of server.sessions) {
      const conn = s.conn as { send(m: string): void };
      if (wrapped.has(conn)) continue;
      wrapped.add(conn);
      const send0 = conn.send;
      conn.send = function (m: string) {
        send0.call(this, m);
        if (recording && m.startsWith(NOTIFY_PREFIX)) {
          rec.sentHashes.push(m.substr(NOTIFY_PREFIX.length, 64));
          rec.sentAt.push(monoNow());
        }
      };
    }
  };

  serveCommands(
    {
      cpu: () => cpuSeconds(),
      threads: () => threadSeconds(),
      status: (): LiveStatus => ({
        live: chain.mode === 'zmq',
        modes,
        mempool: chain.mempool.size,
        height: chain.tip.height,
        sessions: server.sessions.size,
        subscriptions: server.context.hub.size,
      }),
      /** Resolves once the served tip is at least `height` and no status is being recomputed. */
      settle: async ({ height }: { height: number }) => {
        const deadline = Date.now() + 60_000;
        while (chain.tip.height < height) {
          if (Date.now() > deadline) throw new Error(`server stuck at height ${chain.tip.height}, waiting for ${height}`);
          await sleep(50);
        }
        await server.context.hub.idle();
        return { height: chain.tip.height, mempool: chain.mempool.size };
      },
      record: ({ on }: { on: boolean }): ServerRecord | null => {
        if (on) {
          wrapSessions();
          rec = { zmqKeys: [], zmqAt: [], sentHashes: [], sentAt: [] };
          commits.length = 0;
          refreshes = [];
          fetches.calls = fetches.keys = 0;
          fetches.ms = [];
          loop = monitorEventLoopDelay({ resolution: 5 });
          loop.enable();
          recording = true;
          return null;
        }
        recording = false;
        loop?.disable();
        return {
          zmqTxids: rec.zmqKeys.map((k) => toDisplayHex(Buffer.from(k, 'latin1'))),
          zmqAt: Float64Array.from(rec.zmqAt),
          sentHashes: rec.sentHashes,
          sentAt: Float64Array.from(rec.sentAt),
          commits: [...commits],
          refreshes,
          fetches: { calls: fetches.calls, keys: fetches.keys, ms: Float64Array.from(fetches.ms) },
          loopDelay: loop ? { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 } : { p50: NaN, p99: NaN, max: NaN },
        };
      },
      profileStart: () => startCpuProfile(),
      profileStop: ({ dir, name }: { dir: string; name: string }) => stopCpuProfile(dir, name, 15),
    },
    async () => {
      // As a signal would: the syncer stops, then the server, the chain state and the index close.
      (runtime as SyncRuntime | null)?.stop();
      await Promise.race([running.catch(() => undefined), sleep(15_000)]);
    },
  );
  emitEvent('ready', { port: server.addresses[0]!.port, height: chain.tip.height, syncSeconds, load: load! } satisfies LiveServerReady);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
