// Profiles of the server child, taken from inside it with the inspector (only for the window of
// one scenario, unlike --cpu-prof): a CPU profile summarised as the top self-time functions, and
// a sampling heap profile summarised as the allocation sites of what is still alive at the end.
// The raw profiles are written out too, for Chrome DevTools / speedscope.
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TopEntry {
  readonly name: string;
  /** Self time (CPU profile) or retained self bytes (heap profile). */
  readonly value: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  /** CPU: ms sampled, idle excluded. Heap: bytes alive that were sampled. */
  readonly total: number;
  readonly top: TopEntry[];
  /** CPU only: JS functions by total time (themselves and what they called), the same total. */
  readonly inclusive?: TopEntry[];
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface CpuNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

let session: Session | null = null;

async function connected(): Promise<Session> {
  if (!session) {
    session = new Session();
    session.connect();
  }
  return session;
}

function frameName(f: CallFrame): string {
  const file = f.url ? f.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/') : '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
}

function topOf(totals: Map<string, number>, total: number, n: number): TopEntry[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, value]) => ({ name, value, share: total > 0 ? value / total : 0 }));
}

export async function startCpuProfile(): Promise<void> {
  const s = await connected();
  await s.post('Profiler.enable');
  await s.post('Profiler.setSamplingInterval', { interval: 500 });
  await s.post('Profiler.start');
}

export async function stopCpuProfile(dir: string, name: string, n = 15): Promise<ProfileSummary> {
  const s = await connected();
  const { profile } = (await s.post('Profiler.stop')) as unknown as { profile: CpuProfile };
  await s.post('Profiler.disable');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((nd) => [nd.id, nd]));
  const parentOf = new Map<number, CpuNode>();
  for (const nd of profile.nodes) for (const c of nd.children ?? []) parentOf.set(c, nd);
  // A native function (no script) is named with its JS caller: bindings all look alike otherwise
  // (rocksdb-native's show up as "Proxy"), and the caller says which operation it was.
  const nameOf = (nd: CpuNode): string => {
    const f = nd.callFrame;
    const parent = parentOf.get(nd.id);
    if (f.url || f.functionName.startsWith('(') || !parent || parent.callFrame.functionName === '(root)') return frameName(f);
    return `${f.functionName || '(native)'} [native] <- ${frameName(parent.callFrame)}`;
  };
  const totals = new Map<string, number>();
  let total = 0;
  const inclusive = new Map<string, number>();
  // timeDeltas[i + 1] is the time spent in sample i (until the next one was taken).
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)!;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const name = node.callFrame.functionName === '(idle)' ? null : nameOf(node);
    if (name === null) continue;
    total += ms;
    totals.set(name, (totals.get(name) ?? 0) + ms);
    // Each script function on the stack once (recursion would count it twice).
    const seen = new Set<string>();
    for (let at: CpuNode | undefined = node; at; at = parentOf.get(at.id)) {
      if (!at.callFrame.url || at.callFrame.url.startsWith('node:')) continue;
      const fn = frameName(at.callFrame);
      if (seen.has(fn)) continue;
      seen.add(fn);
      inclusive.set(fn, (inclusive.get(fn) ?? 0) + ms);
    }
  }
  return { file, total, top: topOf(totals, total, n), inclusive: topOf(inclusive, total, 10) };
}

export async function startHeapSampling(): Promise<void> {
  const s = await connected();
  await s.post('HeapProfiler.enable');
  await s.post('HeapProfiler.startSampling', { samplingInterval: 4096 });
}

export async function stopHeapSampling(dir: string, name: string, n = 15): Promise<ProfileSummary> {
  const s = await connected();
  // Only what is still alive should count: collect the garbage first (--expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const { profile } = (await s.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode } };
  await s.post('HeapProfiler.disable');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.heapprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const totals = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, parent: HeapNode | null): void => {
    if (node.selfSize > 0) {
      const f = node.callFrame;
      // Builtins (Map set, Buffer slice) are named with the caller that made them keep memory.
      const key = !f.url && parent && parent.callFrame.url ? `${f.functionName || '(native)'} [builtin] <- ${frameName(parent.callFrame)}` : frameName(f);
      totals.set(key, (totals.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const c of node.children) walk(c, node);
  };
  walk(profile.head, null);
  return { file, total, top: topOf(totals, total, n) };
}
