// `npm run bench:serve [-- a b c d e]`: the Electrum server under load, in separate processes:
// this orchestrator, a devnet child (fast chain over RPC + ZMQ), server children (Anode's index
// synced from devnet, ChainState, ElectrumServer, assembled as `anode serve` does) and load-
// generator children. Scenarios, each against its target:
//   (a) wallet syncs, C=10 S=1000 and C=200 S=20, cold then warm    >= 12,000 req/s, p99 <= 300 ms
//   (b) 10,000 idle sessions x 20 subscriptions                      <= 16 KB RSS per session
//   (c) get_history of a 100,000-entry script, 20 requests           p50 <= 150 ms
//   (d) a block touching 10,000 subscriptions over 1,000 sessions    <= 500 ms commit -> last sent
//   (e) a 50,000-tx mempool loaded by ChainState.start()             <= 1.5 KB per tx
// BENCH_TXS (default 1,000,000) sizes the chain; BENCH_HEAVY_SHARE the share of outputs paying
// the 3 heavy scripts (default: ~120k history entries each at any size); BENCH_PROFILE=1
// profiles every scenario (otherwise only missed targets bound by the server, in a re-run);
// BENCH_PROFILE_DIR keeps the profiles; CACHE_MB the index's memory plan (default 1200).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkChild } from './lib/serve-ipc.js';
import type { DevnetInfo } from './lib/serve-devnet.js';
import { BenchContext } from './lib/serve-context.js';
import { walletSync } from './lib/serve-wallet-sync.js';
import { idleSessions, mempoolLoad } from './lib/serve-memory.js';
import { blockNotifications, longHistory } from './lib/serve-latency.js';
import { fmt, machine, printTable } from './lib/serve-report.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const SCENARIOS = { a: walletSync, b: idleSessions, c: longHistory, d: blockNotifications, e: mempoolLoad } as const;
type Name = keyof typeof SCENARIOS;

function numberEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${text}`);
  return n;
}

function selected(): Name[] {
  const args = process.argv.slice(2).map((a) => a.toLowerCase().replace(/^\(|\)$/g, ''));
  const bad = args.filter((a) => !(a in SCENARIOS));
  if (bad.length > 0) throw new Error(`unknown scenario ${bad.join(', ')}: pick from ${Object.keys(SCENARIOS).join(' ')}`);
  // Always in this order: (e) fills devnet's mempool, which every later server would load.
  return (Object.keys(SCENARIOS) as Name[]).filter((n) => args.length === 0 || args.includes(n));
}

async function main(): Promise<void> {
  const scenarios = selected();
  const txs = Math.round(numberEnv('BENCH_TXS', 1_000_000));
  // Three heavy scripts get this share of outputs: at 1M txs 0.11 gives each ~120k history entries
  // (funding plus spends), the same at any size; the answer stays well under MAX_SEND (16 MB).
  const heavyShare = Math.min(0.5, numberEnv('BENCH_HEAVY_SHARE', (0.11 * 1_000_000) / txs));
  const profileDir = process.env.BENCH_PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'anode-bench-serve-profiles-'));
  console.log(`machine: ${machine()}`);
  console.log(`scenarios: ${scenarios.join(' ')}; building devnet's fast chain of ${fmt(txs)} transactions (heavy share ${heavyShare.toFixed(3)}) in a child process ...`);
  const t0 = performance.now();
  const devnet = forkChild('devnet', join(here, 'lib', 'serve-devnet.js'), { BENCH_TXS: String(txs), BENCH_HEAVY_SHARE: String(heavyShare) }, ['--max-old-space-size=8192']);
  const dbDir = mkdtempSync(join(tmpdir(), 'anode-bench-serve-'));
  try {
    const info = await devnet.event<DevnetInfo>('ready');
    console.log(
      `chain: ${fmt(info.height + 1)} blocks, ${fmt(info.txCount)} transactions (built in ${info.buildSeconds.toFixed(1)} s, walked in ${info.walkSeconds.toFixed(1)} s); ` +
        `heavy scripts ${info.heavy.map((h) => fmt(h.entries)).join(', ')} entries; ${fmt(info.available.single)} scripts paid once, ${fmt(info.available.few)} paid 2-20 times`,
    );
    const ctx = new BenchContext(devnet, info, dbDir, profileDir, process.env.BENCH_PROFILE === '1');
    console.log(`sync: Anode's index from devnet over RPC into ${dbDir} ...`);
    const syncer = forkChild('server', join(here, 'lib', 'serve-server.js'), ctx.serverEnv({ BENCH_MODE: 'sync' }), ['--max-semi-space-size=64']);
    const synced = await syncer.event<{ seconds: number; quiesceSeconds: number; height: number; txCount: number }>('synced');
    await syncer.stop();
    console.log(`  synced ${fmt(synced.txCount)} txs to height ${synced.height} in ${synced.seconds.toFixed(1)} s (${fmt(synced.txCount / synced.seconds)} tx/s); RocksDB compactions done ${synced.quiesceSeconds.toFixed(1)} s later`);
    for (const name of scenarios) {
      try {
        await SCENARIOS[name](ctx);
      } catch (err) {
        // One broken scenario must not hide the others' figures.
        console.log(`  (${name}) failed: ${(err as Error).stack ?? String(err)}`);
        ctx.rows.push({ scenario: `(${name})`, figure: `error: ${(err as Error).message.split('\n')[0]!.slice(0, 80)}`, target: '-', pass: false });
      }
    }

    console.log(`\nsummary (${fmt(info.txCount)}-tx chain, whole bench ${((performance.now() - t0) / 60_000).toFixed(1)} min)`);
    printTable(ctx.rows);
    for (const print of ctx.misses) print();
    console.log(`\nprofiles, if any, in ${profileDir}`);
    process.exitCode = ctx.rows.every((r) => r.pass) ? 0 : 1;
  } finally {
    await devnet.stop();
    rmSync(dbDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
