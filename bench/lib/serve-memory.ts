// Scenarios (b) and (e), the memory ones, each in a fresh server process so that what it holds
// is the scenario's: (b) 10,000 idle sessions with 20 subscriptions each, (e) a mempool of
// 50,000 transactions loaded by ChainState.start(). Memory is read after full GCs in the server.
import type { ProfileSummary } from './serve-profile.js';
import type { Memory } from './serve-server.js';
import type { SessionsResult } from './serve-load.js';
import { BenchContext, type Server } from './serve-context.js';
import { KB, MB, cpuLine, fmt, type CpuWindow } from './serve-report.js';

const SESSIONS = 10_000;
const SUBS = 20;
/** Of each session's 20 scripthashes, this many have a history (paid once); the rest are unused. */
const USED = 15;
const SESSION_TARGET = 16 * KB;
const MEMPOOL_TXS = 50_000;
const TX_TARGET = 1.5 * KB;
const SETTLE_MS = 10_000;

function memLine(label: string, a: Memory, b: Memory, n: number, unit: string): string {
  const mb = (x: number) => fmt(x / MB);
  const per = (x: number) => `${fmt(x / n)} B`;
  return (
    `${label}: RSS ${mb(a.rss)} -> ${mb(b.rss)} MB (VmRSS ${mb(a.vmRss)} -> ${mb(b.vmRss)} MB), V8 heap committed ${mb(a.heapTotal)} -> ${mb(b.heapTotal)} MB ` +
    `(young generation ${mb(a.newSpace)} -> ${mb(b.newSpace)} MB), heap used ${mb(a.heapUsed)} -> ${mb(b.heapUsed)} MB, external ${mb(a.external)} -> ${mb(b.external)} MB\n` +
    `    per ${unit}: RSS ${per(b.rss - a.rss)}, heap used ${per(b.heapUsed - a.heapUsed)}, external ${per(b.external - a.external)}; ` +
    `RSS not in V8's heap nor external: ${per(b.rss - b.heapTotal - b.external - (a.rss - a.heapTotal - a.external))}, committed but unused heap: ${per(b.heapTotal - b.heapUsed - (a.heapTotal - a.heapUsed))}`
  );
}

async function waitSessions(server: Server, n: number): Promise<{ sessions: number; subscriptions: number }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = await server.link.call<{ sessions: number; subscriptions: number }>('sessions');
    if (s.sessions === n || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function idleSessions(ctx: BenchContext): Promise<void> {
  console.log(`\n(b) ${fmt(SESSIONS)} idle sessions with ${SUBS} subscriptions each`);
  const picked = await ctx.pick(SESSIONS * USED, 0);
  const sets = Array.from({ length: SESSIONS }, (_, i) => [...picked.single.slice(i * USED, (i + 1) * USED), ...BenchContext.unused(SUBS - USED)]);
  const server = await ctx.startServer();
  // Two load processes: 10,000 sockets on each side is within one process's fd limit, but only just.
  const loads = ctx.startLoads(2);
  const open = async (): Promise<{ opened: SessionsResult[]; cpu: CpuWindow; sessions: number; subscriptions: number }> => {
    const half = Math.ceil(SESSIONS / loads.length);
    const { result: opened, cpu } = await ctx.window([server.link, ...loads, ctx.devnet], async () => {
      const r = await Promise.all(loads.map((l, k) => l.call<SessionsResult>('openSessions', { port: server.ready.port, sets: sets.slice(k * half, (k + 1) * half), parallel: 100 })));
      await server.link.call('settle', { height: server.ready.height });
      return r;
    });
    return { opened, cpu, ...(await waitSessions(server, SESSIONS)) };
  };
  try {
    await server.link.call('settle', { height: server.ready.height });
    const before = await server.link.call<Memory>('mem', { gc: true });
    const o = await open();
    const after = await server.link.call<Memory>('mem', { gc: true });
    const seconds = Math.max(...o.opened.map((r) => r.seconds));
    const subs = o.opened.reduce((s, r) => s + r.subscriptions, 0);
    const errors = o.opened.reduce((s, r) => s + r.errors, 0);
    console.log(`  opened ${fmt(o.sessions)} sessions, ${fmt(subs)} subscriptions (${fmt(o.subscriptions)} distinct in the server, ${fmt(o.opened.reduce((s, r) => s + r.withHistory, 0))} with a history, ${errors} errors) in ${seconds.toFixed(1)} s`);
    console.log(`  ${cpuLine(o.cpu)}`);
    console.log(`  ${memLine('server, right after', before, after, o.sessions, 'session')}`);
    // V8 gives back unused heap pages some seconds after a burst (its memory reducer): idle, then read again.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const settled = await server.link.call<Memory>('mem', { gc: true });
    console.log(`  ${memLine(`server, ${SETTLE_MS / 1000} s later`, before, settled, o.sessions, 'session')}`);
    // Judged on the settled reading: the steady state of a server holding these sessions.
    const rssPer = (settled.rss - before.rss) / o.sessions;
    const heapPer = (settled.heapUsed - before.heapUsed) / o.sessions;
    const pass = rssPer <= SESSION_TARGET && o.sessions === SESSIONS && errors === 0;
    ctx.row({ scenario: `(b) ${fmt(SESSIONS)} idle sessions x ${SUBS} subs`, figure: `${(rssPer / KB).toFixed(1)} KB RSS (${((after.rss - before.rss) / o.sessions / KB).toFixed(1)} KB at once), ${(heapPer / KB).toFixed(1)} KB heap per session`, target: `<= ${SESSION_TARGET / KB} KB RSS per session`, pass });
    if (!pass || ctx.profileAll) {
      // Where the per-session memory goes: the same sessions again under the sampling heap profiler.
      await Promise.all(loads.map((l) => l.call('closeSessions')));
      await waitSessions(server, 0);
      await server.link.call('heapStart');
      const again = await open();
      const profile = await server.link.call<ProfileSummary>('heapStop', { name: 'b-sessions' });
      if (!pass) ctx.missed(`(b) idle sessions`, o.cpu, profile, 'bytes', `heap profile from a second opening of the ${fmt(again.sessions)} sessions (live objects only, after a GC)`);
      else console.log(`  heap profile: ${profile.file}`);
    }
  } finally {
    await Promise.all(loads.map((l) => l.stop()));
    await server.link.stop();
  }
}

export async function mempoolLoad(ctx: BenchContext): Promise<void> {
  console.log(`\n(e) a mempool of ${fmt(MEMPOOL_TXS)} transactions`);
  const fill = await ctx.devnet.call<{ txs: number; seconds: number; fundingBlocks: number; mempool: number }>('fill', { n: MEMPOOL_TXS });
  console.log(`  devnet filled its mempool: ${fmt(fill.txs)} signed txs in ${fill.seconds.toFixed(1)} s (${fill.fundingBlocks} funding blocks mined first), mempool holds ${fmt(fill.mempool)}`);
  const start = async (extra: Record<string, string>) => {
    const { result: server, cpu } = await ctx.window([ctx.devnet], () => ctx.startServer(extra));
    return { server, devnetCpu: cpu.by.devnet!.process };
  };
  const { server, devnetCpu } = await start({});
  const m = server.ready.mempool;
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const settled = await server.link.call<Memory>('mem', { gc: true });
  await server.link.stop();
  console.log(`  ChainState.start() loaded ${fmt(m.txs)} txs in ${m.seconds.toFixed(2)} s; server CPU in it ${m.cpu.process.toFixed(1)} s (main thread ${m.cpu.main.toFixed(1)} s), devnet CPU while the server started ${devnetCpu.toFixed(1)} s`);
  console.log(`  ${memLine('server, right after', m.before, m.after, m.txs, 'tx')}`);
  console.log(`  ${memLine(`server, ${SETTLE_MS / 1000} s later`, m.before, settled, m.txs, 'tx')}`);
  const rssPer = (settled.rss - m.before.rss) / m.txs;
  const heapPer = (settled.heapUsed - m.before.heapUsed + settled.external - m.before.external) / m.txs;
  const loaded = m.txs >= MEMPOOL_TXS;
  // The brief names both heap and RSS: each gets its row.
  ctx.row({ scenario: `(e) mempool of ${fmt(MEMPOOL_TXS)} txs, RSS`, figure: `${fmt(rssPer)} B RSS per tx; loaded in ${m.seconds.toFixed(1)} s`, target: `<= ${TX_TARGET / KB} KB per tx`, pass: rssPer <= TX_TARGET && loaded });
  ctx.row({ scenario: `(e) mempool of ${fmt(MEMPOOL_TXS)} txs, heap`, figure: `${fmt(heapPer)} B heap used + external per tx`, target: `<= ${TX_TARGET / KB} KB per tx`, pass: heapPer <= TX_TARGET && loaded });
  const pass = rssPer <= TX_TARGET && heapPer <= TX_TARGET && loaded;
  if (!pass || ctx.profileAll) {
    const again = await start({ BENCH_HEAP_MEMPOOL: '1' });
    await again.server.link.stop();
    const profile = again.server.ready.mempool.heapProfile!;
    const cpu: CpuWindow = { wall: m.seconds, by: { server: m.cpu, devnet: { process: devnetCpu, main: NaN, rocksdb: 0 } } };
    if (!pass) ctx.missed('(e) mempool memory', cpu, profile, 'bytes', 'heap profile from a second server loading the same mempool (live objects only, after a GC)');
    else console.log(`  heap profile: ${profile.file}`);
  }
}
