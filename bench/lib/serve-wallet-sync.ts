// Scenario (a): wallet syncs as Electrum does them, C clients at once, each pipelining up to 50
// requests: server.version, headers.subscribe, a subscribe per scripthash, get_history where the
// status is not null, transaction.get of every distinct tx. Each shape runs twice: cold (the
// server has never fetched these txs from the daemon) and warm (its raw-tx cache has them).
import type { ChildLink } from './serve-ipc.js';
import type { WalletSyncResult } from './serve-load.js';
import type { ProfileSummary } from './serve-profile.js';
import { BenchContext, type Server } from './serve-context.js';
import { boundBy, cpuLine, fmt, percentiles, type CpuWindow } from './serve-report.js';

const WINDOW = 50;
const TARGET_RPS = 12_000;
const TARGET_P99_MS = 300;

interface Shape {
  readonly clients: number;
  readonly scripts: number;
}

export const SHAPES: readonly Shape[] = [
  { clients: 10, scripts: 1000 },
  { clients: 200, scripts: 20 },
];

/** Per wallet: 80% scripts paid once, 10% paid 2-20 times, 10% never used (at the end, as a gap limit). */
export function walletNeeds(shape: Shape): { single: number; few: number; unused: number } {
  const few = Math.max(1, Math.round(shape.scripts * 0.1));
  const unused = Math.max(1, Math.round(shape.scripts * 0.1));
  return { single: shape.scripts - few - unused, few, unused };
}

async function wallets(ctx: BenchContext, shape: Shape): Promise<string[][]> {
  const need = walletNeeds(shape);
  const picked = await ctx.pick(need.single * shape.clients, need.few * shape.clients);
  return Array.from({ length: shape.clients }, (_, i) => [
    ...picked.single.slice(i * need.single, (i + 1) * need.single),
    ...picked.few.slice(i * need.few, (i + 1) * need.few),
    ...BenchContext.unused(need.unused),
  ]);
}

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly res: WalletSyncResult;
  readonly cpu: CpuWindow;
}

async function runOnce(ctx: BenchContext, server: Server, load: ChildLink, list: string[][]): Promise<Run> {
  const { result: res, cpu } = await ctx.window([server.link, load, ctx.devnet], () => load.call<WalletSyncResult>('walletSync', { port: server.ready.port, wallets: list, window: WINDOW }));
  if (res.errors > 0) console.log(`  ${res.errors} error answers, e.g. ${res.firstError}`);
  const [p50, p99] = percentiles(res.latencies, [50, 99]);
  return { rps: res.requests / ((res.endAt - res.startAt) / 1000), p50: p50!, p99: p99!, res, cpu };
}

function describe(r: Run): string {
  const m = r.res.byMethod;
  return `${fmt(r.res.requests)} requests (${fmt(m['blockchain.scripthash.subscribe'] ?? 0)} subscribe, ${fmt(m['blockchain.scripthash.get_history'] ?? 0)} get_history, ${fmt(m['blockchain.transaction.get'] ?? 0)} transaction.get) in ${((r.res.endAt - r.res.startAt) / 1000).toFixed(2)} s`;
}

function byMethod(res: WalletSyncResult): string {
  return Object.entries(res.latenciesByMethod)
    .filter(([, v]) => v.length > 1)
    .map(([m, v]) => {
      const [p50, p99] = percentiles(v, [50, 99]);
      return `${m.replace(/^blockchain\./, '')} ${p50!.toFixed(0)}/${p99!.toFixed(0)} ms`;
    })
    .join(', ');
}

export async function walletSync(ctx: BenchContext): Promise<void> {
  console.log('\n(a) wallet sync');
  const server = await ctx.startServer();
  const [load] = ctx.startLoads(1);
  try {
    for (const shape of SHAPES) {
      const list = await wallets(ctx, shape);
      const label = `C=${shape.clients} S=${shape.scripts}`;
      const missed: Array<{ temp: string; cpu: CpuWindow; profile: ProfileSummary | null }> = [];
      for (const temp of ['cold', 'warm'] as const) {
        const r = ctx.profileAll
          ? await ctx.profiled(server, `a-${shape.clients}x${shape.scripts}-${temp}`, () => runOnce(ctx, server, load!, list)).then((x) => ({ ...x.result, profile: x.profile as ProfileSummary | null }))
          : { ...(await runOnce(ctx, server, load!, list)), profile: null };
        console.log(`  ${label} ${temp}: ${describe(r)}`);
        console.log(`    ${fmt(r.rps)} req/s, latency p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; by method p50/p99: ${byMethod(r.res)}`);
        console.log(`    ${cpuLine(r.cpu)}`);
        const pass = r.rps >= TARGET_RPS && r.p99 <= TARGET_P99_MS && r.res.errors === 0;
        ctx.row({ scenario: `(a) wallet sync ${label} ${temp}`, figure: `${fmt(r.rps)} req/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms`, target: `>= ${fmt(TARGET_RPS)} req/s, p99 <= ${TARGET_P99_MS} ms`, pass });
        if (!pass) missed.push({ temp, cpu: r.cpu, profile: r.profile });
      }
      let note: string | undefined;
      if (missed.length > 0 && !missed.some((m) => m.profile) && missed.some((m) => boundBy(m.cpu).serverBound)) {
        // The server was the bound: one more (warm) run under the profiler, for where its time goes.
        const { result, profile } = await ctx.profiled(server, `a-${shape.clients}x${shape.scripts}-profiled`, () => runOnce(ctx, server, load!, list));
        console.log(`  ${label} profiled re-run (warm): ${fmt(result.rps)} req/s, p99 ${result.p99.toFixed(1)} ms; profile ${profile.file}`);
        missed[missed.length - 1]!.profile = profile;
        note = `profile from a warm re-run under the profiler: ${fmt(result.rps)} req/s, p99 ${result.p99.toFixed(0)} ms`;
      }
      missed.forEach((m, i) => {
        const last = i === missed.length - 1;
        ctx.missed(`(a) ${label} ${m.temp}`, m.cpu, m.profile, 'ms', last ? note : !m.profile && missed[missed.length - 1]!.profile ? 'server profile: see the next entry' : undefined);
      });
    }
  } finally {
    await load!.stop();
    await server.link.stop();
  }
}
