// `npm run bench:sync`: a clean sync of devnet's fast chain served over real RPC by a devnet
// server in a child process. Prints tx/s, blocks/s, the syncer's peak RSS, size on disk and the
// ceiling (the same blocks through the same pipeline, discarded), against the targets.
// BENCH_TXS (default 2,000,000) sets the chain size; CACHE_MB (default 1200) the sync budget.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonPool } from '../src/daemon/pool.js';
import { BlockFetcher, defaultFetchTuning } from '../src/sync/fetcher.js';
import type { DevnetReady } from './lib/devnet-child.js';
import type { SyncResult } from './lib/sync-child.js';

const MB = 1024 * 1024;
const here = fileURLToPath(new URL('.', import.meta.url));

function parseTxs(): number {
  const flag = process.argv.find((a) => a.startsWith('--txs='));
  const text = flag ? flag.slice(6) : (process.env.BENCH_TXS ?? '2000000');
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1000) throw new Error(`BENCH_TXS / --txs must be a whole number of at least 1000, got ${text}`);
  return n;
}

function waitFor<T extends { type: string }>(child: ChildProcess, type: T['type'], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (m && typeof m === 'object' && (m as { type?: unknown }).type === type) {
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve(m as T);
      }
    };
    const onExit = (code: number | null, signal: string | null) => reject(new Error(`${what} exited early (code ${code}, signal ${signal})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    total += st.isDirectory() ? dirBytes(join(dir, name)) : st.size;
  }
  return total;
}

async function measureCeiling(ready: DevnetReady, cacheMb: number): Promise<{ seconds: number; bytes: number }> {
  const daemon = new DaemonPool([{ url: ready.rpcUrl, user: ready.rpcUser, password: ready.rpcPassword }], { timeoutMs: 120_000 });
  try {
    const fetcher = new BlockFetcher({ daemon, from: 0, to: ready.height, ...defaultFetchTuning(cacheMb) });
    let bytes = 0;
    const t0 = performance.now();
    for (let b = await fetcher.next(); b; b = await fetcher.next()) bytes += b.raw.length;
    return { seconds: (performance.now() - t0) / 1000, bytes };
  } finally {
    daemon.close();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const txs = parseTxs();
  const cacheMb = Number(process.env.CACHE_MB ?? 1200);
  const cpu = cpus();
  console.log(`machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GB RAM, node ${process.version}`);
  console.log(`building devnet fast chain of ${fmt(txs)} transactions in a child process ...`);
  const devnet = fork(join(here, 'lib', 'devnet-child.js'), [], {
    env: { ...process.env, BENCH_TXS: String(txs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--max-old-space-size=8192'],
  });
  const dbDir = mkdtempSync(join(tmpdir(), 'anode-bench-sync-'));
  try {
    const ready = await waitFor<DevnetReady>(devnet, 'ready', 'the devnet server');
    console.log(`chain: ${fmt(ready.height + 1)} blocks, ${fmt(ready.txCount)} transactions (built in ${ready.buildSeconds.toFixed(1)} s), served at ${ready.rpcUrl}`);

    console.log('ceiling: fetching every block through the sync pipeline and discarding it ...');
    const ceiling = await measureCeiling(ready, cacheMb);

    console.log(`sync: clean sync into ${dbDir} with CACHE_MB=${cacheMb} ...`);
    const child = fork(join(here, 'lib', 'sync-child.js'), [], {
      env: {
        ...process.env,
        CACHE_MB: String(cacheMb),
        BENCH_RPC_URL: ready.rpcUrl,
        BENCH_RPC_USER: ready.rpcUser,
        BENCH_RPC_PASSWORD: ready.rpcPassword,
        BENCH_DB_DIR: dbDir,
        // As the anode command and the Docker image run.
        MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // BENCH_PROFILE=dir writes a V8 CPU profile of the syncer there.
      // BENCH_NODE_ARGS adds V8/Node flags (e.g. --trace-gc) to the syncer's process.
      // The young-generation size the anode command and the Docker image run with (and, in env, their malloc arenas).
      execArgv: [
        '--max-semi-space-size=64',
        ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
        ...(process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
      ],
    });
    const devnetCpu = async () => {
      const reply = waitFor<{ type: 'cpu'; seconds: number }>(devnet, 'cpu', 'the devnet server');
      devnet.send('cpu');
      return (await reply).seconds;
    };
    const devnetCpu0 = await devnetCpu();
    const sync = await waitFor<SyncResult>(child, 'result', 'the sync process');
    const devnetSyncCpu = (await devnetCpu()) - devnetCpu0;
    const disk = dirBytes(dbDir);

    const txPerSec = sync.txs / sync.seconds;
    const ceilingTxPerSec = ready.txCount / ceiling.seconds;
    const rssLimit = (cacheMb + 300) * MB;
    const rows: Array<[string, string]> = [
      ['transactions', fmt(sync.txs)],
      ['blocks', fmt(sync.blocks)],
      ['sync time', `${sync.seconds.toFixed(1)} s`],
      [
        '  of which',
        `waiting for blocks (fetch, prepare) ${(sync.stats.fetchWaitMs / 1000).toFixed(1)} s, apply ${(sync.stats.applyMs / 1000).toFixed(1)} s, ` +
          `event loop ${(sync.stats.eventLoopMs / 1000).toFixed(1)} s, ` +
          `${sync.stats.flushes} flushes ${(sync.stats.flushMs / 1000).toFixed(1)} s`,
      ],
      [
        '  CPU',
        `syncer ${sync.cpuSeconds.toFixed(1)} s (all threads), devnet serving ${devnetSyncCpu.toFixed(1)} s, ` +
          `of ${(cpu.length * sync.seconds).toFixed(1)} s on ${cpu.length} cores`,
      ],
      [
        '  CPU by thread',
        Object.entries(sync.cpuByThread)
          .sort((a, b) => b[1] - a[1])
          .filter(([, s]) => s >= 0.1)
          .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
          .join(', ') || 'n/a',
      ],
      [
        '  RocksDB rows per tx',
        `${((sync.ops.puts + sync.ops.deletes) / sync.txs).toFixed(2)} written (puts ${(sync.ops.puts / sync.txs).toFixed(2)}, deletes ${(sync.ops.deletes / sync.txs).toFixed(2)}), ` +
          `point reads ${(sync.ops.gets / sync.txs).toFixed(2)}`,
      ],
      ['sync tx/s', fmt(txPerSec)],
      ['sync blocks/s', fmt(sync.blocks / sync.seconds)],
      ['peak RSS (syncer)', `${fmt(sync.peakRss / MB)} MB`],
      ['  at the peak', `index pending ${sync.atPeak.pendingMb} MB, JS heap ${sync.atPeak.heapMb} MB, buffers ${sync.atPeak.externalMb} MB, RocksDB memtables ${sync.atPeak.memtablesMb} MB`],
      ['size on disk', `${fmt(disk / MB)} MB`],
      ['ceiling tx/s (RPC only)', fmt(ceilingTxPerSec)],
      ['ceiling blocks/s', fmt((ready.height + 1) / ceiling.seconds)],
      ['ceiling MB/s raw blocks', (ceiling.bytes / MB / ceiling.seconds).toFixed(1)],
      ['sync / ceiling', `${((txPerSec / ceilingTxPerSec) * 100).toFixed(0)}%`],
    ];
    console.log('');
    for (const [k, v] of rows) console.log(`${k.padEnd(26)} ${v}`);
    const targets: Array<[string, boolean]> = [
      ['at least 20,000 tx/s', txPerSec >= 20_000],
      ['at least half the ceiling', txPerSec >= ceilingTxPerSec / 2],
      [`peak RSS within CACHE_MB + 300 MB (${fmt(rssLimit / MB)} MB)`, sync.peakRss <= rssLimit],
    ];
    console.log('');
    for (const [what, ok] of targets) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`);
    process.exitCode = targets.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    devnet.kill('SIGTERM');
    rmSync(dbDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
