// bench:serve's server process, assembled as `anode serve` assembles it (src/cli/serve.ts): the
// index synced from devnet and following it (ZMQ hashblock + polling), then the mempool
// (ChainState) and the Electrum server on 127.0.0.1 with the production session limits. With
// BENCH_MODE=sync it only syncs and exits, so that each scenario's server starts on a synced
// index in a fresh process (memory figures are then its own, not left over from the sync).
// Everything measured is measured from outside src/: a commit listener, wrapped conn.send.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { findCoin } from '../../src/config/coins.js';
import { DaemonPool } from '../../src/daemon/pool.js';
import { openIndex } from '../../src/index/index.js';
import { logger } from '../../src/log.js';
import { Syncer } from '../../src/sync/syncer.js';
import { memoryPlan } from '../../src/sync/budget.js';
import { subscribeHashblock } from '../../src/sync/zmq-blocks.js';
import { ChainState } from '../../src/mempool/chain-state.js';
import { DaemonMempoolSource } from '../../src/mempool/source.js';
import { ElectrumServer } from '../../src/electrum/server.js';
import { SOFTWARE } from '../../src/version.js';
import { absNow, cpuSeconds, emitEvent, serveCommands, type CpuTimes } from './serve-ipc.js';
import { startCpuProfile, startHeapSampling, stopCpuProfile, stopHeapSampling, type ProfileSummary } from './serve-profile.js';

export interface Memory {
  readonly rss: number;
  /** VmRSS from /proc/self/status (bytes): the kernel's figure, same moment. */
  readonly vmRss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** V8's committed young generation (semi-spaces): it grows under allocation to --max-semi-space-size. */
  readonly newSpace: number;
}

export interface ServerReady {
  readonly port: number;
  readonly height: number;
  readonly syncSeconds: number;
  /** ChainState.start(): how long, how many txs, memory after a GC before and after. */
  readonly mempool: {
    readonly seconds: number;
    readonly txs: number;
    readonly before: Memory;
    readonly after: Memory;
    /** CPU seconds of this process during ChainState.start(). */
    readonly cpu: CpuTimes;
    /** With BENCH_HEAP_MEMPOOL=1: where the heap that start() left alive was allocated. */
    readonly heapProfile: ProfileSummary | null;
  };
}

export interface NotifyResult {
  readonly count: number;
  readonly commitAt: number;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly height: number;
}

const NOTIFICATION = '{"jsonrpc":"2.0","method":"blockchain.scripthash.subscribe"';
const MB = 1024 * 1024;

function vmRss(): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Memory after full GCs (--expose-gc), with a turn of the event loop for finalizers between. */
async function memory(gc: boolean): Promise<Memory> {
  const g = (globalThis as { gc?: () => void }).gc;
  if (gc && g) {
    for (let i = 0; i < 3; i++) {
      g();
      await new Promise((r) => setImmediate(r));
    }
  }
  const m = process.memoryUsage();
  const newSpace = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size ?? NaN;
  return { rss: m.rss, vmRss: vmRss(), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, newSpace };
}

/**
 * Waits (up to 2 minutes) until RocksDB has no flush or compaction running or pending: the
 * compaction that follows an initial sync would otherwise compete with the first scenario.
 */
async function quiesce(db: { getProperty(name: string): Promise<unknown> }): Promise<void> {
  const busy = async () => {
    const props = ['rocksdb.compaction-pending', 'rocksdb.num-running-compactions', 'rocksdb.num-running-flushes'];
    const v = await Promise.all(props.map((p) => db.getProperty(p).then(Number, () => 0)));
    return v.some((x) => x > 0);
  };
  const deadline = Date.now() + 120_000;
  while ((await busy()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
}

async function main(): Promise<void> {
  const env = process.env;
  const coin = findCoin('Bitcoin', 'regtest');
  const cacheMb = Number(env.CACHE_MB ?? 1200);
  const plan = memoryPlan(cacheMb);
  const log = logger('bench-server');
  const daemon = new DaemonPool([{ url: env.BENCH_RPC_URL!, user: env.BENCH_RPC_USER, password: env.BENCH_RPC_PASSWORD }], { timeoutMs: 120_000, logger: logger('daemon') });
  const index = await openIndex(env.BENCH_DB_DIR!, { coin, cacheMb: plan.indexCacheMb, logger: logger('index') });
  // First listener: its time is the commit's, before ChainState and the hub hear of it.
  const commits: Array<{ at: number; height: number }> = [];
  index.onCommit((c) => commits.push({ at: absNow(), height: c.state.height }));
  const syncer = new Syncer({
    daemon, reader: index.reader, writer: index.writer!, coin, reorgLimit: coin.reorgLimit, cacheMb,
    fetchWorker: plan.fetchWorker, pollMs: 5000, follow: true, logger: logger('sync'),
  });
  const t0 = performance.now();
  const caughtUp = new Promise<void>((resolve) => syncer.events.on('caughtUp', () => resolve()));
  const running = syncer.run();
  running.catch((err) => {
    console.error('bench server: the syncer failed', err);
    process.exit(1);
  });
  await caughtUp;
  const syncSeconds = (performance.now() - t0) / 1000;
  const q0 = performance.now();
  await quiesce(index.db);
  const quiesceSeconds = (performance.now() - q0) / 1000;
  const zmq = subscribeHashblock(env.BENCH_ZMQ_URL!, () => syncer.announceBlock(), log);
  const shutdown = async () => {
    syncer.stop();
    await running.catch(() => undefined);
    await zmq.close();
    daemon.close();
    await index.close();
  };
  if (env.BENCH_MODE === 'sync') {
    await shutdown();
    emitEvent('synced', { seconds: syncSeconds, quiesceSeconds, height: index.state.height, txCount: index.state.txCount });
    return;
  }

  const profileDir = env.BENCH_PROFILE_DIR!;
  const heapMempool = env.BENCH_HEAP_MEMPOOL === '1';
  const before = await memory(true);
  const chain = new ChainState({ index, source: new DaemonMempoolSource(daemon), pollMs: 2000, logger: logger('mempool') });
  if (heapMempool) await startHeapSampling();
  const m0 = performance.now();
  const c0 = cpuSeconds();
  await chain.start();
  const mempoolSeconds = (performance.now() - m0) / 1000;
  const c1 = cpuSeconds();
  const heapProfile = heapMempool ? await stopHeapSampling(profileDir, 'e-mempool') : null;
  const after = await memory(true);
  const maxSend = 16_000_000;
  const server = await ElectrumServer.start({
    chain,
    daemon,
    info: { coin, software: SOFTWARE, banner: `You are connected to an ${SOFTWARE} server.`, donationAddress: '', reportServices: [] },
    limits: { maxSend, maxHistory: 2_000_000, maxSubs: 100_000 },
    sessions: { maxSessions: 20_000, maxBatch: 2000, maxConcurrent: 16, maxQueued: 512, requestTimeoutMs: 30_000, sessionTimeoutMs: 600_000, maxRecv: 1_000_000 },
    transport: { highWaterBytes: 1024 * 1024, lowWaterBytes: 256 * 1024, hardLimitBytes: maxSend + 8 * MB, congestedTimeoutMs: 120_000, closeTimeoutMs: 5000 },
    services: [{ protocol: 'tcp', host: '127.0.0.1', port: 0 }],
    certificates: null,
    logger: logger('electrum'),
  });
  serveCommands(
    {
      cpu: () => cpuSeconds(),
      mem: ({ gc }: { gc: boolean }) => memory(gc),
      sessions: () => ({ sessions: server.sessions.size, subscriptions: server.context.hub.size }),
      /** Resolves once the served tip is at least `height` and no status is being recomputed. */
      settle: async ({ height }: { height: number }) => {
        const deadline = Date.now() + 120_000;
        while (chain.tip.height < height) {
          if (Date.now() > deadline) throw new Error(`server stuck at height ${chain.tip.height}, waiting for ${height}`);
          syncer.announceBlock();
          await new Promise((r) => setTimeout(r, 50));
        }
        await server.context.hub.idle();
        return { height: chain.tip.height };
      },
      historyLength: async ({ scripthash }: { scripthash: string }) => {
        const served = chain.current();
        try {
          return (await served.view.reader.getHistory(Buffer.from(scripthash, 'hex').reverse(), { limit: 10_000_000 })).length;
        } finally {
          served.view.release();
        }
      },
      /**
       * Counts status notifications written to the sessions connected now, from the next index
       * commit on, until `expected` went out (or 120 s): the time is taken after conn.send
       * returned, i.e. once the message is in the socket's write queue.
       */
      armNotify: ({ expected }: { expected: number }) =>
        new Promise<NotifyResult>((resolve) => {
          const from = commits.length;
          let count = 0;
          let firstAt = 0;
          let lastAt = 0;
          const restore: Array<() => void> = [];
          const done = () => {
            clearTimeout(timer);
            for (const r of restore) r();
            const c = commits[from];
            resolve({ count, commitAt: c?.at ?? NaN, firstAt, lastAt, height: c?.height ?? -1 });
          };
          const timer = setTimeout(done, 120_000);
          for (const s of server.sessions) {
            const conn = s.conn as { send(m: string): void };
            const original = conn.send;
            conn.send = function (m: string) {
              original.call(this, m);
              if (commits.length > from && m.startsWith(NOTIFICATION)) {
                lastAt = absNow();
                if (count++ === 0) firstAt = lastAt;
                if (count === expected) done();
              }
            };
            restore.push(() => (conn.send = original));
          }
        }),
      profileStart: () => startCpuProfile(),
      profileStop: ({ name }: { name: string }) => stopCpuProfile(profileDir, name),
      heapStart: () => startHeapSampling(),
      heapStop: ({ name }: { name: string }) => stopHeapSampling(profileDir, name),
    },
    async () => {
      await server.stop();
      chain.stop();
      await shutdown();
    },
  );
  const ready: ServerReady = {
    port: server.addresses[0]!.port,
    height: chain.tip.height,
    syncSeconds,
    mempool: { seconds: mempoolSeconds, txs: chain.mempool.size, before, after, cpu: { process: c1.process - c0.process, main: c1.main - c0.main, rocksdb: c1.rocksdb - c0.rocksdb }, heapProfile },
  };
  emitEvent('ready', ready);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
