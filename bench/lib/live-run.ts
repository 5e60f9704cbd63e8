// bench:live's phases, driven from the orchestrator: start a server child (ZMQ live or polling),
// open the sessions, and run one window (idle, or churn with blocks) with every child's CPU
// measured around it, the recordings collected after it, and optionally the server's profile.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkChild, type ChildLink } from './serve-ipc.js';
import { cpuSnap, cpuWindow, type CpuWindow } from './serve-report.js';
import type { ProfileSummary } from './serve-profile.js';
import type { ChurnResult, LiveDevnetInfo } from './live-devnet.js';
import type { LiveServerReady, LiveStatus, ServerRecord } from './live-server.js';
import type { LoadRecord } from './live-load.js';
import type { WatchRecord } from './live-watch.js';
import type { WindowData } from './live-analysis.js';
import { monoNow, sleep } from './live-clock.js';

const here = fileURLToPath(new URL('.', import.meta.url));
/** After the last payment: the notifications still on their way are waited for this long. */
const DRAIN_MS = 3000;

export interface Links {
  readonly devnet: ChildLink;
  readonly watch: ChildLink;
  readonly server: ChildLink;
  readonly load: ChildLink;
}

export interface ServerChild {
  readonly link: ChildLink;
  readonly ready: LiveServerReady;
  readonly status: LiveStatus;
}

/** A server child on `dbDir`; with ZMQ, resolves once the mempool follows the sequence stream. */
export async function startServer(info: LiveDevnetInfo, dbDir: string, zmq: 'auto' | 'off', pollMs: number): Promise<ServerChild> {
  // LOG_LEVEL in the environment: modules' loggers made before runSync applies the setting keep 'info'.
  const env = { BENCH_RPC_URL: info.rpcUrl, BENCH_DB_DIR: dbDir, BENCH_ZMQ: zmq, BENCH_POLL_MS: String(pollMs), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
  // The flags the Docker image runs anode with (package.json's demo, bench:serve).
  const link = forkChild('server', join(here, 'live-server.js'), env, ['--max-semi-space-size=64']);
  const ready = await link.event<LiveServerReady>('ready');
  const deadline = Date.now() + 15_000;
  let status = await link.call<LiveStatus>('status');
  while (zmq === 'auto' && !status.live && Date.now() < deadline) {
    await sleep(100);
    status = await link.call<LiveStatus>('status');
  }
  return { link, ready, status };
}

export function startChild(name: string, file: string, env: Record<string, string> = {}, execArgv: string[] = []): ChildLink {
  return forkChild(name, join(here, file), env, execArgv);
}

/** CPU seconds of each process by pid, sampled from /proc by the orchestrator (a busy child cannot delay it). */
export function sampleCpu(pids: Record<string, number>, everyMs: number): () => Array<{ at: number; by: Record<string, number> }> {
  const samples: Array<{ at: number; by: Record<string, number> }> = [];
  const take = () => {
    const by: Record<string, number> = {};
    for (const [name, pid] of Object.entries(pids)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        by[name] = (Number(f[11]) + Number(f[12])) / 100;
      } catch {
        by[name] = NaN;
      }
    }
    samples.push({ at: monoNow(), by });
  };
  take();
  const timer = setInterval(take, everyMs);
  return () => {
    clearInterval(timer);
    take();
    return samples;
  };
}

/** Share of one core a process used between two monotonic times, from the samples. */
export function shareBetween(samples: ReadonlyArray<{ at: number; by: Record<string, number> }>, name: string, from: number, to: number): number {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  if (inside.length < 2) return NaN;
  const a = inside[0]!;
  const b = inside[inside.length - 1]!;
  return (b.by[name]! - a.by[name]!) / ((b.at - a.at) / 1000);
}

function threadDiff(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(b)) out[k] = b[k]! - (a[k] ?? 0);
  return out;
}

export interface IdleResult {
  readonly cpu: CpuWindow;
  readonly threads: Record<string, number>;
}

export async function idleWindow(l: Links, seconds: number): Promise<IdleResult> {
  const links = [l.server, l.load, l.devnet, l.watch];
  const t0 = await l.server.call<Record<string, number>>('threads');
  const a = await cpuSnap(links);
  await sleep(seconds * 1000);
  const b = await cpuSnap(links);
  const t1 = await l.server.call<Record<string, number>>('threads');
  return { cpu: cpuWindow(a, b), threads: threadDiff(t0, t1) };
}

export interface ChurnOptions {
  readonly seconds: number;
  readonly rate: number;
  /** Offsets (s) into the churn at which a block is mined. */
  readonly blocksAt: number[];
  readonly blockTxs: number;
  /** Record the timestamps (false: a warm-up). */
  readonly record: boolean;
  readonly profile?: { dir: string; name: string };
}

export interface ChurnWindow {
  readonly data: WindowData | null;
  readonly churn: ChurnResult;
  readonly cpu: CpuWindow;
  readonly threads: Record<string, number>;
  readonly samples: Array<{ at: number; by: Record<string, number> }>;
  readonly profile: ProfileSummary | null;
}

export async function churnWindow(l: Links, pool: LiveDevnetInfo['pool'], o: ChurnOptions): Promise<ChurnWindow> {
  const recorders = [l.watch, l.server, l.load];
  if (o.record) await Promise.all(recorders.map((r) => r.call('record', { on: true })));
  if (o.profile) await l.server.call('profileStart');
  const links = [l.server, l.load, l.devnet, l.watch];
  const pids = Object.fromEntries(links.map((x) => [x.name, x.child.pid!]));
  const stopSampling = sampleCpu(pids, 250);
  const t0 = await l.server.call<Record<string, number>>('threads');
  const a = await cpuSnap(links);
  const churn = await l.devnet.call<ChurnResult>('churn', { seconds: o.seconds, rate: o.rate, blocksAt: o.blocksAt, blockTxs: o.blockTxs });
  const b = await cpuSnap(links);
  const t1 = await l.server.call<Record<string, number>>('threads');
  const profile = o.profile ? await l.server.call<ProfileSummary>('profileStop', o.profile) : null;
  await sleep(DRAIN_MS);
  const samples = stopSampling();
  let data: WindowData | null = null;
  if (o.record) {
    const [watch, server, load] = await Promise.all([
      l.watch.call<WatchRecord>('record', { on: false }),
      l.server.call<ServerRecord>('record', { on: false }),
      l.load.call<LoadRecord>('record', { on: false }),
    ]);
    data = { pool, churn, watch, server, load };
  }
  return { data, churn, cpu: cpuWindow(a, b), threads: threadDiff(t0, t1), samples, profile };
}

/** Offsets of blocks every `every` seconds, the first half-way (so the window starts and ends in plain churn). */
export function blockOffsets(seconds: number, every: number): number[] {
  const out: number[] = [];
  for (let t = every / 2; t < seconds; t += every) out.push(t);
  return out;
}
