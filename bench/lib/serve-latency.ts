// Scenarios (c) and (d), the latency ones: (c) get_history of one script with 100,000+ entries,
// 20 sequential requests from one client; (d) one block paying 10,000 subscribed scripthashes
// spread over 1,000 sessions, timed from the index commit to the last notification written (in
// the server) and received (in the load generator).
import type { ChildLink } from './serve-ipc.js';
import type { NotifyResult } from './serve-server.js';
import type { SessionsResult } from './serve-load.js';
import { BenchContext, type Server } from './serve-context.js';
import { boundBy, cpuLine, fmt, MB, percentiles, type CpuWindow } from './serve-report.js';
import type { ProfileSummary } from './serve-profile.js';

const HISTORY_REQUESTS = 20;
const HISTORY_MIN = 100_000;
const HISTORY_TARGET_MS = 150;
const NOTIFY_SESSIONS = 1000;
const NOTIFY_PER_SESSION = 10;
const NOTIFY_TARGET_MS = 500;

export async function longHistory(ctx: BenchContext): Promise<void> {
  console.log(`\n(c) get_history of one scripthash with ${fmt(HISTORY_MIN)}+ entries`);
  // The lightest heavy script that still has 100k entries (answers grow with it), else the heaviest.
  const heavy = [...ctx.info.heavy].sort((a, b) => a.entries - b.entries);
  const chosen = heavy.find((h) => h.entries >= HISTORY_MIN) ?? heavy[heavy.length - 1]!;
  const server = await ctx.startServer();
  const [load] = ctx.startLoads(1);
  try {
    const entries = await server.link.call<number>('historyLength', { scripthash: chosen.scripthash });
    const run = () => load!.call<{ latencies: Float64Array; bytes: number; entries: number }>('history', { port: server.ready.port, scripthash: chosen.scripthash, n: HISTORY_REQUESTS });
    const measured = ctx.profileAll ? await ctx.profiled(server, 'c-history', () => ctx.window([server.link, load!, ctx.devnet], run)).then((x) => ({ ...x.result, profile: x.profile as ProfileSummary | null })) : { ...(await ctx.window([server.link, load!, ctx.devnet], run)), profile: null };
    const { result: r, cpu } = measured;
    const [p50, p99, max] = percentiles(r.latencies, [50, 99, 100]);
    console.log(`  scripthash ${chosen.scripthash}: ${fmt(entries)} entries in the index, ${fmt(r.entries)} in the answer of ${fmt(r.bytes / MB, 1)} MB`);
    console.log(`  ${HISTORY_REQUESTS} sequential requests: p50 ${p50!.toFixed(1)} ms, p99 ${p99!.toFixed(1)} ms, first ${r.latencies[0]!.toFixed(1)} ms, max ${max!.toFixed(1)} ms`);
    console.log(`  ${cpuLine(cpu)}`);
    const pass = p50! <= HISTORY_TARGET_MS && r.entries >= HISTORY_MIN;
    ctx.row({ scenario: `(c) get_history, ${fmt(r.entries)} entries`, figure: `p50 ${p50!.toFixed(0)} ms, p99 ${p99!.toFixed(0)} ms`, target: `p50 <= ${HISTORY_TARGET_MS} ms`, pass });
    if (!pass) {
      let profile = measured.profile;
      if (!profile && boundBy(cpu).serverBound) profile = (await ctx.profiled(server, 'c-history', run)).profile;
      ctx.missed('(c) long history', cpu, profile);
    }
  } finally {
    await load!.stop();
    await server.link.stop();
  }
}

interface NotifyRun {
  readonly server: NotifyResult;
  readonly client: { count: number; firstAt: number; lastAt: number };
  readonly mined: { minedAt: number; height: number; txs: number };
  readonly cpu: CpuWindow;
}

async function notifyOnce(ctx: BenchContext, server: Server, load: ChildLink, scripthashes: string[]): Promise<NotifyRun> {
  const expected = scripthashes.length;
  const prep = await ctx.devnet.call<{ txs: number; fundingBlocks: number; height: number }>('preparePayments', { scripthashes });
  // The server must be at devnet's tip (funding blocks included) before the block is mined.
  await server.link.call('settle', { height: prep.height });
  const a = ctx.window([server.link, load, ctx.devnet], async () => {
    const client = load.call<NotifyRun['client']>('awaitNotifications', { expected, timeoutMs: 120_000 });
    const srv = server.link.call<NotifyResult>('armNotify', { expected });
    // A reply from each after the arming calls means both are armed (IPC messages are in order).
    await Promise.all([load.call('cpu'), server.link.call('cpu')]);
    const mined = await ctx.devnet.call<NotifyRun['mined']>('minePayments');
    return { server: await srv, client: await client, mined };
  });
  const { result, cpu } = await a;
  return { ...result, cpu };
}

export async function blockNotifications(ctx: BenchContext): Promise<void> {
  const expected = NOTIFY_SESSIONS * NOTIFY_PER_SESSION;
  console.log(`\n(d) a block paying ${fmt(expected)} subscribed scripthashes over ${fmt(NOTIFY_SESSIONS)} sessions`);
  const picked = await ctx.pick(expected, 0);
  const sets = Array.from({ length: NOTIFY_SESSIONS }, (_, i) => picked.single.slice(i * NOTIFY_PER_SESSION, (i + 1) * NOTIFY_PER_SESSION));
  const server = await ctx.startServer();
  const [load] = ctx.startLoads(1);
  try {
    const opened = await load!.call<SessionsResult>('openSessions', { port: server.ready.port, sets, parallel: 100 });
    console.log(`  ${fmt(opened.sessions)} sessions, ${fmt(opened.subscriptions)} subscriptions (${fmt(opened.withHistory)} with a history) opened in ${opened.seconds.toFixed(1)} s`);
    const r = ctx.profileAll ? await ctx.profiled(server, 'd-notify', () => notifyOnce(ctx, server, load!, picked.single)).then((x) => ({ ...x.result, profile: x.profile as ProfileSummary | null })) : { ...(await notifyOnce(ctx, server, load!, picked.single)), profile: null };
    const inServer = r.server.lastAt - r.server.commitAt;
    const atClient = r.client.lastAt - r.server.commitAt;
    console.log(`  block ${r.mined.height} (${r.mined.txs} payment txs) mined; indexed and committed ${(r.server.commitAt - r.mined.minedAt).toFixed(0)} ms later (ZMQ, fetch, apply, flush)`);
    console.log(`  from the commit: first notification written after ${(r.server.firstAt - r.server.commitAt).toFixed(0)} ms, last (${fmt(r.server.count)}) after ${inServer.toFixed(0)} ms; load generator had all ${fmt(r.client.count)} after ${atClient.toFixed(0)} ms (${(r.client.lastAt - r.mined.minedAt).toFixed(0)} ms after mining)`);
    console.log(`  ${cpuLine(r.cpu)}`);
    const pass = inServer <= NOTIFY_TARGET_MS && r.server.count === expected && r.client.count === expected;
    ctx.row({ scenario: `(d) block touching ${fmt(expected)} subs`, figure: `commit -> last written ${inServer.toFixed(0)} ms, received ${atClient.toFixed(0)} ms`, target: `<= ${NOTIFY_TARGET_MS} ms`, pass });
    if (!pass) {
      let profile = r.profile;
      if (!profile && boundBy(r.cpu).serverBound) {
        // Same sessions, a second block paying the same scripts, under the profiler.
        const again = await ctx.profiled(server, 'd-notify', () => notifyOnce(ctx, server, load!, picked.single));
        profile = again.profile;
        console.log(`  profiled re-run: last notification written ${(again.result.server.lastAt - again.result.server.commitAt).toFixed(0)} ms after the commit`);
      }
      ctx.missed('(d) block notifications', r.cpu, profile, 'ms', 'the CPU window spans mining the block and indexing it as well');
    }
  } finally {
    await load!.stop();
    await server.link.stop();
  }
}
