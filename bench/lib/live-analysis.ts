// bench:live's figures from one churn window's recordings: for each payment, ZMQ 'A' (watcher) ->
// the load generator's notification for every scripthash it pays, and the legs in between (ZMQ
// delivery to the server, the server's own work until the notification was written, the socket
// and the load generator). A notification counts for a payment when it is the first one for that
// scripthash after the payment's 'A': payments to one scripthash are ~30 s apart (round-robin).
import type { ChurnResult } from './live-devnet.js';
import type { LoadRecord } from './live-load.js';
import type { ServerRecord } from './live-server.js';
import type { WatchRecord } from './live-watch.js';
import { fmt, percentiles } from './serve-report.js';

export interface WindowData {
  readonly pool: ReadonlyArray<{ txid: string; pays: string[] }>;
  readonly churn: ChurnResult;
  readonly watch: WatchRecord;
  readonly server: ServerRecord;
  readonly load: LoadRecord;
}

export interface Stats {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface Analysis {
  readonly txs: number;
  readonly latency: Stats;
  readonly nearBlocks: Stats;
  /** Payments announced while a full refresh (getrawmempool diff) ran: their events waited for it. */
  readonly duringRefresh: Stats;
  readonly plain: Stats;
  /** Payments whose 'A' neither the watcher nor the server saw, or that no notification followed. */
  readonly missingZmq: number;
  readonly missingNotify: number;
  /** From devnet's acceptance (the 'A' queued for publishing): ZMQ transport and devnet's send queue included. */
  readonly fromAccept: Stats;
  readonly legs: { devnetToZmq: Stats; serverMinusWatcher: Stats; inServer: Stats; toClient: Stats };
  /** Per block: mined (devnet) -> committed by the server's index, and the worst payment latency near it. */
  readonly blocks: Array<{ height: number; txs: number; churn: number; mineMs: number; commitMs: number; worstNearMs: number }>;
  readonly tail: string;
  readonly refreshes: string;
  readonly fetches: string;
  /** When the slowest payment's 'A' came, relative to the nearest block's start (s). */
  readonly worstAt: { ms: number; fromBlockS: number | null };
}

/** Within this long after a block started being mined (the mining itself, the sync, the confirmations) a payment is "near" it. */
const NEAR_BLOCK_MS = 3000;
/** Cross-process clock readings agree within ~0.02 ms; the match starts a little earlier anyway. */
const CLOCK_GUARD_MS = 1;

export function stats(v: ArrayLike<number>): Stats {
  const a = Float64Array.from(v);
  const [p50, p99, max] = percentiles(a, [50, 99, 100]);
  return { n: a.length, p50: p50!, p99: p99!, max: max! };
}

export function statsText(s: Stats): string {
  return s.n === 0 ? 'none' : `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (${fmt(s.n)})`;
}

/** Times by key, each list sorted. */
function byKey(keys: readonly string[], at: ArrayLike<number>): Map<string, number[]> {
  const m = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const list = m.get(k);
    if (list) list.push(at[i]!);
    else m.set(k, [at[i]!]);
  });
  for (const l of m.values()) l.sort((a, b) => a - b);
  return m;
}

/** The first time in a sorted list at or after t. */
function firstAfter(list: readonly number[] | undefined, t: number): number | undefined {
  if (!list) return undefined;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return list[lo];
}

export function analyse(d: WindowData): Analysis {
  const aAt = new Map<string, number>();
  d.watch.txids.forEach((t, i) => aAt.set(t, d.watch.at[i]!));
  const serverA = new Map<string, number>();
  d.server.zmqTxids.forEach((t, i) => serverA.set(t, d.server.zmqAt[i]!));
  const received = byKey(d.load.hashes, d.load.at);
  const written = byKey(d.server.sentHashes, d.server.sentAt);
  const lat: number[] = [];
  const near: number[] = [];
  const inRefresh: number[] = [];
  const plain: number[] = [];
  const refreshes = d.server.refreshes;
  const groups: number[] = [];
  const fromAccept: number[] = [];
  const legs = { devnetToZmq: [] as number[], serverMinusWatcher: [] as number[], inServer: [] as number[], toClient: [] as number[] };
  const blocks = d.churn.blocks;
  const worstNear = blocks.map(() => 0);
  let missingZmq = 0;
  let missingNotify = 0;
  let worst = { ms: -1, at: 0 };
  for (let i = 0; i < d.churn.count; i++) {
    const p = d.pool[d.churn.first + i]!;
    const accepted = d.churn.acceptedAt[i]!;
    const from = accepted - CLOCK_GUARD_MS;
    const tWatch = aAt.get(p.txid);
    const tServer = serverA.get(p.txid);
    // The message's time: its first receipt by either subscriber (a busy machine may delay
    // either process's event loop). Notifications are matched from devnet's acceptance on, which
    // certainly precedes them.
    const tA = tWatch === undefined ? tServer : tServer === undefined ? tWatch : Math.min(tWatch, tServer);
    if (tA === undefined) {
      missingZmq++;
      continue;
    }
    let tClient = -Infinity;
    let tWritten = -Infinity;
    for (const sh of p.pays) {
      const c = firstAfter(received.get(sh), from);
      tClient = c === undefined ? NaN : Math.max(tClient, c);
      const w = firstAfter(written.get(sh), from);
      tWritten = w === undefined ? NaN : Math.max(tWritten, w);
    }
    if (!Number.isFinite(tClient)) {
      missingNotify++;
      continue;
    }
    const ms = tClient - tA;
    lat.push(ms);
    fromAccept.push(tClient - accepted);
    if (ms > worst.ms) worst = { ms, at: tA };
    const b = blocks.findIndex((x) => tA >= x.startAt && tA <= x.minedAt + NEAR_BLOCK_MS);
    const group = b >= 0 ? 0 : refreshes.some((r) => tA >= r.start && tA <= r.end) ? 1 : 2;
    [near, inRefresh, plain][group]!.push(ms);
    groups.push(group);
    if (b >= 0) worstNear[b] = Math.max(worstNear[b]!, ms);
    legs.devnetToZmq.push(tA - accepted);
    if (tServer !== undefined && tWatch !== undefined) legs.serverMinusWatcher.push(tServer - tWatch);
    if (tServer !== undefined && Number.isFinite(tWritten)) legs.inServer.push(tWritten - tServer);
    if (Number.isFinite(tWritten)) legs.toClient.push(tClient - tWritten);
  }
  // The slowest 1% (what sets p99): which circumstances they came in.
  const slowest = lat.map((ms, i) => [ms, groups[i]!] as const).sort((x, y) => y[0] - x[0]).slice(0, Math.max(1, Math.floor(lat.length / 100)));
  const byGroup = [0, 1, 2].map((g) => slowest.filter((x) => x[1] === g).length);
  const tail = `the slowest 1% (${slowest.length} payments, >= ${(slowest.at(-1)?.[0] ?? NaN).toFixed(0)} ms): ${byGroup[0]} near a block, ${byGroup[1]} during a full refresh, ${byGroup[2]} otherwise`;
  let fromBlockS: number | null = null;
  for (const b of blocks) {
    const s = (worst.at - b.startAt) / 1000;
    if (fromBlockS === null || Math.abs(s) < Math.abs(fromBlockS)) fromBlockS = s;
  }
  return {
    txs: d.churn.count,
    latency: stats(lat),
    nearBlocks: stats(near),
    duringRefresh: stats(inRefresh),
    plain: stats(plain),
    missingZmq,
    missingNotify,
    fromAccept: stats(fromAccept),
    legs: { devnetToZmq: stats(legs.devnetToZmq), serverMinusWatcher: stats(legs.serverMinusWatcher), inServer: stats(legs.inServer), toClient: stats(legs.toClient) },
    blocks: blocks.map((b, i) => {
      const commit = d.server.commits.find((c) => c.height === b.height);
      return { height: b.height, txs: b.txs, churn: b.churn, mineMs: b.minedAt - b.startAt, commitMs: commit ? commit.at - b.minedAt : NaN, worstNearMs: worstNear[i]! };
    }),
    worstAt: { ms: worst.ms, fromBlockS },
    tail,
    refreshes: refreshes.length === 0 ? 'none ran' : `${refreshes.length} ran, ${refreshes.map((r) => `${(r.end - r.start).toFixed(0)} ms${r.applied ? '' : ' (thrown away)'}`).join(', ')}`,
    fetches:
      d.server.fetches.calls === 0 ? `server event-loop delay p99 ${d.server.loopDelay.p99.toFixed(0)} ms, max ${d.server.loopDelay.max.toFixed(0)} ms` :
      `${fmt(d.server.fetches.calls)} fetches (getrawtransaction batch + input lookup) for ${fmt(d.server.fetches.keys)} announced txs, ${(d.server.fetches.keys / Math.max(1, d.server.fetches.calls)).toFixed(2)} per fetch, ` +
      `each ${statsText(stats(d.server.fetches.ms)).replace(/ \(.*\)$/, '')}; server event-loop delay p99 ${d.server.loopDelay.p99.toFixed(0)} ms, max ${d.server.loopDelay.max.toFixed(0)} ms`,
  };
}

export function printAnalysis(a: Analysis, indent = '  '): void {
  console.log(`${indent}ZMQ 'A' -> notification received, per payment (all its scripthashes): ${statsText(a.latency)}`);
  console.log(`${indent}  from devnet's acceptance (ZMQ send queue and transport included): ${statsText(a.fromAccept)}`);
  console.log(`${indent}  within ${NEAR_BLOCK_MS / 1000} s of a block being mined: ${statsText(a.nearBlocks)}`);
  console.log(`${indent}  during a full mempool refresh (getrawmempool diff; ${a.refreshes}): ${statsText(a.duringRefresh)}`);
  console.log(`${indent}  the rest: ${statsText(a.plain)}; ${a.fetches}`);
  if (a.missingZmq + a.missingNotify > 0) console.log(`${indent}  unmatched: ${a.missingZmq} payments whose ZMQ 'A' nobody recorded, ${a.missingNotify} without a notification`);
  const l = a.legs;
  const leg = (s: Stats) => (s.n === 0 ? 'n/a' : `p50 ${s.p50.toFixed(1)} / p99 ${s.p99.toFixed(1)} ms`);
  console.log(`${indent}  legs: devnet accept -> first ZMQ receipt ${leg(l.devnetToZmq)}; server's receipt - watcher's ${leg(l.serverMinusWatcher)}; server 'A' -> notification written ${leg(l.inServer)}; written -> received ${leg(l.toClient)}`);
  for (const b of a.blocks) {
    console.log(`${indent}  block ${b.height}: ${fmt(b.txs)} txs (${fmt(b.churn)} churn payments), mined in ${b.mineMs.toFixed(0)} ms (devnet busy), indexed ${b.commitMs.toFixed(0)} ms after; worst payment latency near it ${b.worstNearMs.toFixed(0)} ms`);
  }
  if (a.worstAt.fromBlockS !== null) console.log(`${indent}  slowest payment (${a.worstAt.ms.toFixed(0)} ms) came ${a.worstAt.fromBlockS.toFixed(1)} s from the nearest block's start`);
  console.log(`${indent}  ${a.tail}`);
}
