// Where the server's CPU goes during the churn, by job rather than by function: each sample of the
// server's CPU profile (serve-profile.ts wrote it) is charged to the innermost frame on its stack
// whose file says what the work is for. Shared layers (the index reader, chain/ parsing and
// hashing, RocksDB's binding, node internals) are charged to whoever called them: the index read of
// an input's coin is input resolution, the one of a history is status recomputation; a socket
// write inside an HTTP request is daemon RPC.
import { readFileSync } from 'node:fs';
import { fmt } from './serve-report.js';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** [pattern on the frame's URL, job]; the first match from the leaf upwards decides. */
const JOBS: ReadonlyArray<[RegExp, string]> = [
  [/src\/(daemon\/zmq-listener|mempool\/zmq-feed)|node_modules\/zeromq/, 'ZMQ receive and dispatch'],
  [/src\/daemon\/|node_modules\/jayson|node:_?http|node:https/, 'daemon RPC (getrawtransaction, getrawmempool, blocks): HTTP + JSON'],
  [/src\/mempool\/refresh/, 'fetching and resolving inputs (refresh.ts)'],
  [/src\/mempool\/tx/, 'parsing mempool transactions (tx.ts)'],
  [/src\/mempool\//, 'mempool updates (mempool.ts, chain-state.ts, histogram)'],
  [/src\/electrum\/(status|subscriptions|history-text)/, 'status recomputation (status.ts, subscriptions.ts)'],
  [/src\/electrum\/|src\/transport\//, 'sessions: notifications and headers out (session, transport, socket writes)'],
  [/^node:(net|stream|internal\/stream)/, 'socket I/O, caller unknown'],
  [/src\/sync\/|src\/index\/(writer|prepared|batch|flush)/, 'block sync: fetch, prepare, index writes'],
  [/src\/index\/|rocksdb-native/, 'index reads (RocksDB), caller unknown'],
  [/node_modules\/pino|sonic-boom/, 'logging'],
];
/** Charged to their caller when there is one (see the file comment). */
const SHARED = /src\/index\/|src\/chain\/|rocksdb-native|^node:/;

export interface JobShare {
  readonly job: string;
  readonly ms: number;
  readonly share: number;
}

export function jobsOf(file: string): { total: number; jobs: JobShare[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, Node>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const jobOfNode = new Map<number, string | null>();
  const jobOf = (leaf: Node): string | null => {
    if (jobOfNode.has(leaf.id)) return jobOfNode.get(leaf.id)!;
    let fallback = -1;
    let job: string | null = null;
    for (let n: Node | undefined = leaf; n && job === null; n = parent.get(n.id)) {
      const url = n.callFrame.url;
      if (!url) continue;
      const at = JOBS.findIndex(([re]) => re.test(url));
      if (at < 0) continue;
      // Of the shared layers on the stack, the one listed first says most (HTTP over a socket read).
      if (SHARED.test(url.replace(/^.*\/dist\//, ''))) fallback = fallback < 0 ? at : Math.min(fallback, at);
      else job = JOBS[at]![1];
    }
    if (job === null && fallback >= 0) job = JOBS[fallback]![1];
    if (job === null) {
      const f = leaf.callFrame.functionName;
      job = f === '(garbage collector)' ? 'garbage collection' : f === '(program)' ? 'V8 and native work outside JS (program)' : 'other JS and natives';
    }
    jobOfNode.set(leaf.id, job);
    return job;
  };
  const ms = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)!;
    if (node.callFrame.functionName === '(idle)') continue;
    const d = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const job = jobOf(node)!;
    ms.set(job, (ms.get(job) ?? 0) + d);
    total += d;
  }
  const jobs = [...ms].sort((a, b) => b[1] - a[1]).map(([job, v]) => ({ job, ms: v, share: total > 0 ? v / total : 0 }));
  return { total, jobs };
}

export function printJobs(title: string, r: { total: number; jobs: JobShare[] }, seconds: number): void {
  // Samples measure time not idle, descheduled time included: on a contended machine it exceeds CPU time.
  console.log(`  ${title}: ${fmt(r.total)} ms of the main thread sampled busy over ${seconds.toFixed(0)} s (${(r.total / 10 / seconds).toFixed(1)}% of the wall time)`);
  for (const j of r.jobs) console.log(`    ${(j.share * 100).toFixed(1).padStart(5)}%  ${fmt(j.ms).padStart(7)} ms  ${j.job}`);
}
