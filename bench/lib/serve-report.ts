// Formatting for bench:serve: the machine line, percentiles, CPU windows and the final table.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import type { ChildLink, CpuTimes } from './serve-ipc.js';
import type { ProfileSummary, TopEntry } from './serve-profile.js';

export const KB = 1024;
export const MB = 1024 * 1024;

export const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');

export function machine(): string {
  const c = cpus();
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${c[0]?.model ?? 'unknown cpu'}, ${c.length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GB RAM, node ${process.version}, load average at start ${load}`;
}

/** Nearest-rank percentile of unsorted samples (sorts a copy). */
export function percentiles(samples: Float64Array, ps: readonly number[]): number[] {
  const s = Float64Array.from(samples).sort();
  return ps.map((p) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!));
}

export interface CpuSnap {
  readonly at: number;
  readonly by: Record<string, CpuTimes>;
  /** Busy CPU seconds of the whole machine (/proc/stat): the machine is shared, others use it too. */
  readonly machine: number;
}

function machineBusy(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal, in ticks of 10 ms
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds of each process, read at one moment (the calls go out together). */
export async function cpuSnap(links: readonly ChildLink[]): Promise<CpuSnap> {
  const at = performance.now();
  const machine = machineBusy();
  const all = await Promise.all(links.map((l) => l.call<CpuTimes>('cpu')));
  const by: Record<string, CpuTimes> = {};
  links.forEach((l, i) => {
    const prev = by[l.name];
    const v = all[i]!;
    // Several load processes add up under one name.
    by[l.name] = prev ? { process: prev.process + v.process, main: prev.main + v.main, rocksdb: prev.rocksdb + v.rocksdb } : v;
  });
  return { at, by, machine };
}

export interface CpuWindow {
  readonly wall: number;
  readonly by: Record<string, CpuTimes>;
  /** CPU seconds the rest of the machine used meanwhile (not the bench's processes). */
  readonly others?: number;
}

export function cpuWindow(a: CpuSnap, b: CpuSnap): CpuWindow {
  const by: Record<string, CpuTimes> = {};
  let ours = 0;
  for (const k of Object.keys(b.by)) {
    by[k] = { process: b.by[k]!.process - (a.by[k]?.process ?? 0), main: b.by[k]!.main - (a.by[k]?.main ?? 0), rocksdb: b.by[k]!.rocksdb - (a.by[k]?.rocksdb ?? 0) };
    ours += by[k]!.process;
  }
  return { wall: (b.at - a.at) / 1000, by, others: Math.max(0, b.machine - a.machine - ours) };
}

export function cpuLine(w: CpuWindow): string {
  const parts = Object.entries(w.by).map(
    ([k, v]) =>
      `${k} ${v.process.toFixed(1)} s` +
      (k === 'server' && Number.isFinite(v.main) ? ` (main thread ${v.main.toFixed(1)} s, RocksDB background ${v.rocksdb.toFixed(1)} s, other threads ${Math.max(0, v.process - v.main - v.rocksdb).toFixed(1)} s: libuv pool with RocksDB reads, GC helpers)` : ''),
  );
  if (w.others !== undefined && Number.isFinite(w.others)) parts.push(`other processes on the machine ${w.others.toFixed(1)} s`);
  return `CPU over ${w.wall.toFixed(1)} s wall: ${parts.join(', ')}; ${(w.wall * cpus().length).toFixed(1)} CPU s on ${cpus().length} cores`;
}

/**
 * What bounded a window, in words, and whether it was the server: the bench process that used
 * the most CPU (or the server if its main thread was busy 70% of the wall time). The machine is
 * shared: when other processes took more than any of ours, that is said too.
 */
export function boundBy(w: CpuWindow): { text: string; serverBound: boolean } {
  const [top, v] = Object.entries(w.by).sort((x, y) => y[1].process - x[1].process)[0] ?? ['none', { process: 0 } as CpuTimes];
  const server = w.by.server;
  const serverBound = !!server && (top === 'server' || server.main >= 0.7 * w.wall);
  let text = `${top} used the most CPU of the bench's processes (${v.process.toFixed(1)} s of ${w.wall.toFixed(1)} s wall)`;
  if (server && Number.isFinite(server.main)) text += `; the server's main thread was busy ${((server.main / w.wall) * 100).toFixed(0)}% of the time`;
  if ((w.others ?? 0) > v.process) text += `; other processes on this shared machine used more still (${w.others!.toFixed(1)} s)`;
  const used = Object.values(w.by).reduce((sum, x) => sum + x.process, 0) + (w.others ?? 0);
  const available = w.wall * cpus().length;
  if (used >= 0.9 * available) text += `; the machine's ${cpus().length} cores were saturated (${used.toFixed(1)} of ${available.toFixed(1)} CPU s busy)`;
  return { text: serverBound ? `${text}: the server is the bottleneck` : text, serverBound };
}

export function printProfile(title: string, p: ProfileSummary, unit: 'ms' | 'bytes'): void {
  const total = unit === 'ms' ? `${fmt(p.total)} ms sampled (idle excluded)` : `${fmt(p.total / MB, 1)} MB sampled alive`;
  console.log(`  ${title}: ${total}; ${p.file}`);
  const list = (entries: readonly TopEntry[]) => {
    for (const e of entries) {
      const v = unit === 'ms' ? `${fmt(e.value, 1)} ms` : `${fmt(e.value / KB)} KB`;
      console.log(`    ${(e.share * 100).toFixed(1).padStart(5)}%  ${v.padStart(12)}  ${e.name}`);
    }
  };
  list(p.top);
  if (p.inclusive) {
    console.log('  by total time (the function and what it called; script functions only):');
    list(p.inclusive);
  }
}

export interface Row {
  readonly scenario: string;
  readonly figure: string;
  readonly target: string;
  readonly pass: boolean;
}

export function printTable(rows: readonly Row[]): void {
  const w = [8, 0, 0].map((min, i) => Math.max(min, ...rows.map((r) => [r.scenario, r.figure, r.target][i]!.length), ['scenario', 'figure', 'target'][i]!.length));
  const line = (a: string, b: string, c: string, d: string) => console.log(`${a.padEnd(w[0]!)}  ${b.padEnd(w[1]!)}  ${c.padEnd(w[2]!)}  ${d}`);
  line('scenario', 'figure', 'target', 'result');
  for (const r of rows) line(r.scenario, r.figure, r.target, r.pass ? 'PASS' : 'FAIL');
}
