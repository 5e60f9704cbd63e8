// bench:serve's load generator process: wallet syncs (scenario a), idle subscribed sessions
// (b), one client asking for a long history (c), sessions waiting for notifications (d). Its
// own process, so that its CPU is never the server's; the orchestrator may start several.
import { absNow, cpuSeconds, serveCommands } from './serve-ipc.js';
import { Latencies, WireClient } from './serve-wire.js';

export interface WalletSyncResult {
  readonly startAt: number;
  readonly endAt: number;
  readonly requests: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly byMethod: Record<string, number>;
  readonly latencies: Float64Array;
  /** The same latencies split by method (where the tail comes from). */
  readonly latenciesByMethod: Record<string, Float64Array>;
}

export interface SessionsResult {
  readonly sessions: number;
  readonly subscriptions: number;
  readonly withHistory: number;
  readonly errors: number;
  readonly seconds: number;
}

type Step = [method: string, params: string, then: (line: string) => void];

/** One wallet's sync, Electrum's way, with up to `window` requests in flight. */
interface SyncTotals {
  requests: number;
  errors: number;
  firstError: string | null;
  byMethod: Record<string, number>;
  latByMethod: Map<string, Latencies>;
}

async function syncWallet(port: number, scripthashes: readonly string[], window: number, lat: Latencies, out: SyncTotals): Promise<void> {
  const c = await WireClient.connect(port);
  const steps: Step[] = [];
  let head = 0;
  const seen = new Set<string>();
  const count = (method: string, line: string, error: boolean, ms: number) => {
    lat.add(ms);
    let m = out.latByMethod.get(method);
    if (!m) out.latByMethod.set(method, (m = new Latencies()));
    m.add(ms);
    out.requests++;
    out.byMethod[method] = (out.byMethod[method] ?? 0) + 1;
    if (error) {
      out.errors++;
      out.firstError ??= line.slice(0, 300);
    }
  };
  await new Promise<void>((resolve) => c.request('server.version', '["anode-bench","1.4"]', (line, error, ms) => (count('server.version', line, error, ms), resolve())));
  steps.push(['blockchain.headers.subscribe', '[]', () => undefined]);
  for (const sh of scripthashes) {
    steps.push(['blockchain.scripthash.subscribe', `["${sh}"]`, (line) => {
      if (WireClient.result<string | null>(line) === null) return;
      steps.push(['blockchain.scripthash.get_history', `["${sh}"]`, (hl) => {
        for (const e of WireClient.result<Array<{ tx_hash: string }>>(hl)) {
          if (seen.has(e.tx_hash)) continue;
          seen.add(e.tx_hash);
          steps.push(['blockchain.transaction.get', `["${e.tx_hash}"]`, () => undefined]);
        }
      }]);
    }]);
  }
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (c.inFlight < window && head < steps.length) {
        const [method, params, then] = steps[head++]!;
        c.request(method, params, (line, error, ms) => {
          count(method, line, error, ms);
          if (!error) then(line);
          pump();
        });
      }
      if (c.inFlight === 0 && head === steps.length) resolve();
    };
    pump();
  });
  c.close();
}

/** Opens a session per set: server.version, then a subscribe of each scripthash (pipelined). */
async function openSessions(port: number, sets: readonly string[][], parallel: number, keep: WireClient[]): Promise<SessionsResult> {
  const t0 = performance.now();
  let subscriptions = 0;
  let withHistory = 0;
  let errors = 0;
  let next = 0;
  const one = async (set: readonly string[]) => {
    const c = await WireClient.connect(port);
    keep.push(c);
    await c.call('server.version', '["anode-bench","1.4"]');
    await Promise.all(
      set.map((sh) =>
        c.call('blockchain.scripthash.subscribe', `["${sh}"]`).then(
          (line) => {
            subscriptions++;
            if (WireClient.result<string | null>(line) !== null) withHistory++;
          },
          () => errors++,
        ),
      ),
    );
  };
  const worker = async () => {
    while (next < sets.length) await one(sets[next++]!);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { sessions: keep.length, subscriptions, withHistory, errors, seconds: (performance.now() - t0) / 1000 };
}

const held: WireClient[] = [];
let notified = { count: 0, firstAt: 0, lastAt: 0 };
let notifyWaiter: { expected: number; resolve: () => void } | null = null;

serveCommands(
  {
    cpu: () => cpuSeconds(),
    walletSync: async ({ port, wallets, window }: { port: number; wallets: string[][]; window: number }): Promise<WalletSyncResult> => {
      const lat = new Latencies();
      const out: SyncTotals = { requests: 0, errors: 0, firstError: null, byMethod: {}, latByMethod: new Map() };
      const startAt = absNow();
      await Promise.all(wallets.map((w) => syncWallet(port, w, window, lat, out)));
      const endAt = absNow();
      const latenciesByMethod = Object.fromEntries([...out.latByMethod].map(([k, v]) => [k, v.values()]));
      return { startAt, endAt, requests: out.requests, errors: out.errors, firstError: out.firstError, byMethod: out.byMethod, latencies: lat.values(), latenciesByMethod };
    },
    openSessions: ({ port, sets, parallel }: { port: number; sets: string[][]; parallel: number }) => openSessions(port, sets, parallel, held),
    /** Counts status notifications on the held sessions from now until `expected` arrived (or timeout). */
    awaitNotifications: ({ expected, timeoutMs }: { expected: number; timeoutMs: number }) => {
      notified = { count: 0, firstAt: 0, lastAt: 0 };
      for (const c of held) {
        c.onNotification = (_line, at) => {
          const t = performance.timeOrigin + at;
          if (notified.count++ === 0) notified.firstAt = t;
          notified.lastAt = t;
          if (notifyWaiter && notified.count >= notifyWaiter.expected) notifyWaiter.resolve();
        };
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => finish(), timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          notifyWaiter = null;
          resolve({ ...notified });
        };
        notifyWaiter = { expected, resolve: finish };
      });
    },
    closeSessions: () => {
      for (const c of held) c.close();
      const n = held.length;
      held.length = 0;
      return n;
    },
    /** `n` sequential get_history of one scripthash: latencies, answer size, entries (first answer). */
    history: async ({ port, scripthash, n }: { port: number; scripthash: string; n: number }) => {
      const c = await WireClient.connect(port);
      await c.call('server.version', '["anode-bench","1.4"]');
      const lat = new Latencies();
      let bytes = 0;
      let entries = 0;
      for (let i = 0; i < n; i++) {
        const line = await new Promise<string>((resolve, reject) =>
          c.request('blockchain.scripthash.get_history', `["${scripthash}"]`, (l, error, ms) => {
            lat.add(ms);
            if (error) reject(new Error(l.slice(0, 300)));
            else resolve(l);
          }),
        );
        bytes = line.length;
        if (i === 0) entries = WireClient.result<unknown[]>(line).length;
      }
      c.close();
      return { latencies: lat.values(), bytes, entries };
    },
  },
  () => {
    for (const c of held) c.close();
  },
);
