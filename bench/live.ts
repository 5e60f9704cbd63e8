// `npm run bench:live`: the server following a live mempool. devnet (its own process) holds a
// 50,000-tx mempool before the server starts (the server loads it at start), then churns it: real
// signed payments at 200 tx/s to scripthashes that 1,000 sessions (a load-generator process)
// subscribe to, k per session, and a block every ~30 s taking a few thousand txs by fee rate. A
// watcher process timestamps each ZMQ sequence 'A'; the load generator each notification. Targets
// on the 2-core build machine, the server following the ZMQ sequence stream (as `anode serve`
// does against a bitcoind with -zmqpubsequence):
//   ZMQ 'A' -> blockchain.scripthash.subscribe notification received    p50 <= 20 ms, p99 <= 100 ms
//   the server's CPU while churning (mempool upkeep), share of one core  <= 20%
// Then the same churn, shorter, against a server polling the mempool (DAEMON_ZMQ=off,
// MEMPOOL_POLL_MS=2000), for comparison. Knobs: LIVE_SECONDS (60), LIVE_RATE (200), LIVE_SESSIONS
// (1000), LIVE_K (8), LIVE_FILL (50000), LIVE_BLOCK_EVERY (30), LIVE_BLOCK_TXS (3000),
// LIVE_POLL_SECONDS (24), LIVE_PROFILE_SECONDS (20), BENCH_PROFILE_DIR, LIVE_DUMP (a file for the
// live window's raw recordings, JSON).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveDevnetInfo } from './lib/live-devnet.js';
import { analyse, printAnalysis, type Analysis } from './lib/live-analysis.js';
import { jobsOf, printJobs } from './lib/live-profile.js';
import { blockOffsets, churnWindow, idleWindow, shareBetween, startChild, startServer, type ChurnWindow, type Links, type ServerChild } from './lib/live-run.js';
import { boundBy, cpuLine, fmt, machine, printProfile, printTable, type CpuWindow, type Row } from './lib/serve-report.js';
import type { ChildLink } from './lib/serve-ipc.js';

const num = (name: string, def: number): number => {
  const v = Number((process.env[name] ?? '').replace(/_/g, '') || def);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};
const SECONDS = num('LIVE_SECONDS', 60);
const RATE = num('LIVE_RATE', 200);
const SESSIONS = num('LIVE_SESSIONS', 1000);
const K = num('LIVE_K', 8);
const FILL = num('LIVE_FILL', 50_000);
const BLOCK_EVERY = num('LIVE_BLOCK_EVERY', 30);
const BLOCK_TXS = num('LIVE_BLOCK_TXS', 3000);
const POLL_SECONDS = num('LIVE_POLL_SECONDS', 24);
const PROFILE_SECONDS = num('LIVE_PROFILE_SECONDS', 20);
const WARM_SECONDS = 5;
const P50_MS = 20;
const P99_MS = 100;
const UPKEEP_SHARE = 0.2;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const share = (w: CpuWindow, name: string) => (w.by[name]?.process ?? NaN) / w.wall;

function threadsLine(t: Record<string, number>, wall: number): string {
  return Object.entries(t)
    .filter(([, s]) => s >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([n, s]) => `${n} ${pct(s / wall)}`)
    .join(', ');
}

async function sessions(load: ChildLink, server: ServerChild, info: LiveDevnetInfo): Promise<void> {
  const o = await load.call<{ sessions: number; subscriptions: number; errors: number; seconds: number }>('openSessions', { port: server.ready.port, sets: info.sets, parallel: 50 });
  console.log(`  ${fmt(o.sessions)} sessions, ${fmt(o.subscriptions)} scripthash subscriptions (+ headers) opened in ${o.seconds.toFixed(1)} s${o.errors ? `, ${o.errors} errors` : ''}`);
}

/** CPU around blocks (from the orchestrator's /proc samples) against the rest of the window. */
function blockCpuLine(w: ChurnWindow): string {
  const near = w.churn.blocks.map((b) => shareBetween(w.samples, 'server', b.startAt, b.minedAt + 3000));
  return `server CPU in the 3 s after each block was mined: ${near.map(pct).join(', ')} of one core`;
}

async function main(): Promise<void> {
  const profileDir = process.env.BENCH_PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'anode-bench-live-profiles-'));
  const t0 = performance.now();
  console.log(`machine: ${machine()}`);
  const poolSize = Math.ceil(RATE * (WARM_SECONDS * 2 + SECONDS + PROFILE_SECONDS + POLL_SECONDS) * 1.05) + 200;
  console.log(`setup: devnet with a ${fmt(FILL)}-tx mempool, ${fmt(SESSIONS)} sessions x ${K} scripthashes, ${fmt(poolSize)} payments signed ahead ...`);
  const devnet = startChild('devnet', 'live-devnet.js', { LIVE_SESSIONS: String(SESSIONS), LIVE_K: String(K), LIVE_POOL: String(poolSize), LIVE_FILL: String(FILL) }, ['--max-old-space-size=4096']);
  const dbDir = mkdtempSync(join(tmpdir(), 'anode-bench-live-'));
  const children: ChildLink[] = [devnet];
  const rows: Row[] = [];
  const misses: Array<() => void> = [];
  try {
    const info = await devnet.event<LiveDevnetInfo>('ready');
    console.log(`  chain of ${info.height + 1} blocks; wallet coins in ${info.fundSeconds.toFixed(1)} s, mempool of ${fmt(info.mempool)} txs filled in ${info.fillSeconds.toFixed(1)} s, payments signed in ${info.signSeconds.toFixed(1)} s`);
    const watch = startChild('watcher', 'live-watch.js', { BENCH_ZMQ_URL: info.zmqUrl });
    const load = startChild('load', 'live-load.js');
    children.push(watch, load);

    // --- ZMQ live mode ---
    console.log(`\nlive: the server follows devnet's ZMQ sequence stream (DAEMON_ZMQ=auto, as anode serve runs)`);
    let server = await startServer(info, dbDir, 'auto', 2000);
    children.push(server.link);
    const r = server.ready;
    console.log(`  synced ${r.height + 1} blocks in ${r.syncSeconds.toFixed(1)} s; mempool loaded at start: ${fmt(r.load.txs)} txs in ${r.load.seconds.toFixed(2)} s (${r.load.cpu.toFixed(1)} CPU s)`);
    console.log(`  mempool mode: ${server.status.live ? 'live (ZMQ sequence)' : 'POLLING'}; ${server.status.modes.map((m) => `${m.on ? 'live' : 'polling'}: ${m.why}`).join('; ') || 'no setLive call'}`);
    if (!server.status.live) throw new Error('the server did not switch to the ZMQ sequence stream');
    let links: Links = { devnet, watch, server: server.link, load };
    await sessions(load, server, info);
    let height = info.height;
    await server.link.call('settle', { height });

    const idle = await idleWindow(links, SECONDS);
    console.log(`  idle ${SECONDS} s (no churn; ${fmt(SESSIONS)} sessions, ${fmt(info.mempool)}-tx mempool): server ${pct(share(idle.cpu, 'server'))} of one core (threads: ${threadsLine(idle.threads, idle.cpu.wall) || 'none'})`);
    console.log(`    ${cpuLine(idle.cpu)}`);

    const warm = await churnWindow(links, info.pool, { seconds: WARM_SECONDS, rate: RATE, blocksAt: [], blockTxs: BLOCK_TXS, record: false });
    const seen = await watch.call<number>('seen');
    if (seen === 0) throw new Error('the ZMQ watcher received nothing');
    await server.link.call('settle', { height });
    console.log(`  warm-up: ${fmt(warm.churn.count)} payments in ${WARM_SECONDS} s`);

    const live = await churnWindow(links, info.pool, { seconds: SECONDS, rate: RATE, blocksAt: blockOffsets(SECONDS, BLOCK_EVERY), blockTxs: BLOCK_TXS, record: true });
    height = live.churn.blocks.at(-1)?.height ?? height;
    const a = analyse(live.data!);
    // LIVE_DUMP=file keeps the window's recordings (JSON) for a closer look.
    if (process.env.LIVE_DUMP) writeFileSync(process.env.LIVE_DUMP, JSON.stringify(live.data, (_k, v) => (v instanceof Float64Array ? Array.from(v) : v)));
    const upkeep = share(live.cpu, 'server');
    console.log(`  churn ${SECONDS} s: ${fmt(live.churn.count)} payments at ${RATE}/s (${live.churn.rejected} rejected${live.churn.firstReject ? `: ${live.churn.firstReject}` : ''}; largest burst ${live.churn.maxBurst}), ${live.churn.blocks.length} blocks; devnet mempool now ${fmt(live.churn.mempool)}`);
    printAnalysis(a, '    ');
    console.log(`    server CPU ${pct(upkeep)} of one core (idle: ${pct(share(idle.cpu, 'server'))}); threads: ${threadsLine(live.threads, live.cpu.wall)}`);
    console.log(`    ${blockCpuLine(live)}`);
    console.log(`    ${cpuLine(live.cpu)}`);
    if (live.data!.watch.gaps > 0) console.log(`    the watcher saw ${live.data!.watch.gaps} ZMQ counter gaps`);

    // What the server's CPU is made of: the same churn under the profiler (it costs a little).
    const prof = await churnWindow(links, info.pool, { seconds: PROFILE_SECONDS, rate: RATE, blocksAt: [PROFILE_SECONDS / 2], blockTxs: BLOCK_TXS, record: false, profile: { dir: profileDir, name: 'live-churn' } });
    height = prof.churn.blocks.at(-1)?.height ?? height;
    const jobs = jobsOf(prof.profile!.file);
    console.log(`  profiled churn ${PROFILE_SECONDS} s (one block): server ${pct(share(prof.cpu, 'server'))} of one core under the profiler`);
    printJobs('server main thread by job', jobs, prof.cpu.wall);

    const pass = (ok: boolean, row: Omit<Row, 'pass'>) => rows.push({ ...row, pass: ok });
    pass(a.latency.p50 <= P50_MS && a.missingNotify === 0, { scenario: 'live: ZMQ A -> notification', figure: `p50 ${a.latency.p50.toFixed(1)} ms (${fmt(a.latency.n)} payments)`, target: `p50 <= ${P50_MS} ms` });
    pass(a.latency.p99 <= P99_MS && a.missingNotify === 0, { scenario: 'live: ZMQ A -> notification', figure: `p99 ${a.latency.p99.toFixed(1)} ms, max ${a.latency.max.toFixed(0)} ms`, target: `p99 <= ${P99_MS} ms` });
    pass(upkeep <= UPKEEP_SHARE, { scenario: 'live: server CPU while churning', figure: `${pct(upkeep)} of one core (idle ${pct(share(idle.cpu, 'server'))})`, target: `<= ${pct(UPKEEP_SHARE)}` });
    if (rows.some((x) => !x.pass)) {
      misses.push(() => {
        console.log(`\nlive churn: missed`);
        console.log(`  ${cpuLine(live.cpu)}`);
        console.log(`  ${boundBy(live.cpu).text}`);
        console.log(`  latency: ${a.tail}; ${a.fetches}`);
        printProfile('server CPU profile during churn (profiled re-run), top self time', prof.profile!, 'ms');
      });
    }
    await load.call('closeSessions');
    await server.link.stop();

    // --- polling mode, for comparison ---
    console.log(`\npolling: DAEMON_ZMQ=off, MEMPOOL_POLL_MS=2000 (no sequence feed; blocks found by polling too)`);
    server = await startServer(info, dbDir, 'off', 2000);
    children.push(server.link);
    console.log(`  mempool loaded at start: ${fmt(server.ready.load.txs)} txs in ${server.ready.load.seconds.toFixed(2)} s; mode: ${server.status.live ? 'live' : 'polling'}`);
    links = { devnet, watch, server: server.link, load };
    await sessions(load, server, info);
    await server.link.call('settle', { height });
    await churnWindow(links, info.pool, { seconds: 3, rate: RATE, blocksAt: [], blockTxs: BLOCK_TXS, record: false });
    const poll = await churnWindow(links, info.pool, { seconds: POLL_SECONDS, rate: RATE, blocksAt: [POLL_SECONDS / 2], blockTxs: BLOCK_TXS, record: true });
    const pa: Analysis = analyse(poll.data!);
    console.log(`  churn ${POLL_SECONDS} s: ${fmt(poll.churn.count)} payments, ${poll.churn.blocks.length} block`);
    printAnalysis(pa, '    ');
    console.log(`    server CPU ${pct(share(poll.cpu, 'server'))} of one core; threads: ${threadsLine(poll.threads, poll.cpu.wall)}`);
    console.log(`    ${cpuLine(poll.cpu)}`);

    console.log(`\nsummary (${fmt(FILL)}-tx mempool, ${RATE} tx/s, ${fmt(SESSIONS)} sessions x ${K}; whole bench ${((performance.now() - t0) / 60_000).toFixed(1)} min)`);
    printTable(rows);
    console.log(`comparison, polling every 2 s: p50 ${pa.latency.p50.toFixed(0)} ms, p99 ${pa.latency.p99.toFixed(0)} ms, max ${pa.latency.max.toFixed(0)} ms; server CPU ${pct(share(poll.cpu, 'server'))} of one core`);
    const sh = (n: string) => pct(share(live.cpu, n));
    console.log(`CPU while churning, share of one core: server ${sh('server')} (idle window: ${pct(share(idle.cpu, 'server'))}), devnet ${sh('devnet')}, load generator ${sh('load')}, ZMQ watcher ${sh('watcher')}`);
    console.log(`mempool load at start: ${fmt(r.load.txs)} txs in ${r.load.seconds.toFixed(2)} s`);
    for (const m of misses) m();
    console.log(`\nprofiles in ${profileDir}`);
    process.exitCode = rows.every((x) => x.pass) ? 0 : 1;
  } finally {
    for (const c of children.reverse()) await c.stop();
    rmSync(dbDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
