// Benchmark helper process: one clean sync into an empty index, measured in its own process so
// that its peak RSS is the syncer's alone. Settings come from the environment; the result goes
// to the parent over IPC.
import { readdirSync, readFileSync } from 'node:fs';
import { findCoin } from '../../src/config/coins.js';
import { DaemonPool } from '../../src/daemon/pool.js';
import { openIndex } from '../../src/index/index.js';
import { silentLogger, logger } from '../../src/log.js';
import { Syncer, type SyncStats } from '../../src/sync/syncer.js';
import { memoryPlan } from '../../src/sync/budget.js';

export interface SyncResult {
  readonly type: 'result';
  readonly seconds: number;
  readonly blocks: number;
  readonly txs: number;
  readonly peakRss: number;
  readonly stats: SyncStats;
  /** CPU seconds of the whole sync process (all threads: main, workers, RocksDB, GC). */
  readonly cpuSeconds: number;
  /** CPU seconds per thread name (Linux /proc), over the process's life; empty elsewhere. */
  readonly cpuByThread: Record<string, number>;
  /** Memory when RSS peaked (sampled every 100 ms). */
  readonly atPeak: { pendingMb: number; heapMb: number; externalMb: number; memtablesMb: number };
  /** RocksDB operations the sync issued: rows written (puts, deletes) and point reads. */
  readonly ops: { puts: number; deletes: number; gets: number };
}

/**
 * CPU seconds per thread, sampled from /proc (Linux only) so that threads which end before the
 * sync does (the fetch worker) are still counted. Summed by role at the end.
 */
class ThreadCpu {
  private readonly seen = new Map<string, { name: string; seconds: number }>();

  sample(): void {
    try {
      for (const tid of readdirSync('/proc/self/task')) {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        this.seen.set(tid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 }); // utime + stime
      }
    } catch {
      // not Linux: no per-thread figures
    }
  }

  byRole(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [tid, { name, seconds }] of this.seen) {
      // Node names all its threads 'node': only the main thread (tid = pid) and RocksDB's own
      // threads can be told apart.
      const role = tid === String(process.pid) ? 'main' : /^rocksdb/.test(name) ? 'RocksDB compaction/flush' : 'fetch worker, GC helpers, libuv pool';
      out[role] = (out[role] ?? 0) + seconds;
    }
    return out;
  }
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/lib/sync-child: run me with child_process.fork');
  const env = process.env;
  const coin = findCoin('Bitcoin', 'regtest');
  const cacheMb = Number(env.CACHE_MB ?? 1200);
  let peakRss = process.memoryUsage.rss();
  let atPeak = { pendingMb: 0, heapMb: 0, externalMb: 0, memtablesMb: 0 };
  let writerRef: { pendingBytes: number } | null = null;
  let dbRef: { getProperty(name: string): Promise<unknown> } | null = null;
  let memtablesMb = 0;
  const sampleMemtables = async () => {
    if (!dbRef) return;
    const v = Number(await dbRef.getProperty('rocksdb.size-all-mem-tables').catch(() => NaN));
    if (Number.isFinite(v)) memtablesMb = Math.round(v / 2 ** 20);
  };
  const threads = new ThreadCpu();
  const sampler = setInterval(() => {
    threads.sample();
    const m = process.memoryUsage();
    if (env.BENCH_TRACE) console.error(`trace rss ${Math.round(m.rss / 2 ** 20)} pending ${Math.round((writerRef?.pendingBytes ?? 0) / 2 ** 20)} heap ${Math.round(m.heapUsed / 2 ** 20)} ext ${Math.round(m.external / 2 ** 20)} heapTotal ${Math.round(m.heapTotal / 2 ** 20)} ab ${Math.round(m.arrayBuffers / 2 ** 20)} memtables ${memtablesMb}`);
    void sampleMemtables();
    if (m.rss > peakRss) {
      peakRss = m.rss;
      atPeak = { pendingMb: Math.round((writerRef?.pendingBytes ?? 0) / 2 ** 20), heapMb: Math.round(m.heapUsed / 2 ** 20), externalMb: Math.round(m.external / 2 ** 20), memtablesMb };
    }
  }, 100);
  const daemon = new DaemonPool([{ url: env.BENCH_RPC_URL!, user: env.BENCH_RPC_USER, password: env.BENCH_RPC_PASSWORD }], {
    timeoutMs: 120_000,
  });
  const index = await openIndex(env.BENCH_DB_DIR!, { coin, cacheMb: memoryPlan(cacheMb).indexCacheMb, logger: silentLogger() });
  const writer = index.writer!;
  writerRef = writer;
  dbRef = index.db as unknown as typeof dbRef;
  const syncer = new Syncer({
    daemon,
    reader: index.reader,
    writer,
    coin,
    reorgLimit: coin.reorgLimit,
    cacheMb,
    pollMs: 1000,
    follow: false,
    fetchWorker: memoryPlan(cacheMb).fetchWorker,
    logger: env.BENCH_LOG ? logger('sync') : silentLogger(),
    progressIntervalMs: 5000,
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await syncer.run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  threads.sample();
  const cpuByThread = threads.byRole();
  const state = writer.state;
  const { puts, deletes, gets } = index.db.stats;
  await index.close();
  daemon.close();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
  const result: SyncResult = { type: 'result', seconds, blocks: state.height + 1, txs: state.txCount, peakRss, stats: syncer.stats, atPeak, ops: { puts, deletes, gets }, cpuSeconds: (cpu.user + cpu.system) / 1e6, cpuByThread };
  process.send(result, () => process.exit(0));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
