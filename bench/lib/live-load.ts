// bench:live's load generator: 1,000 wallet-like sessions over raw TCP (server.version, headers
// subscription, then k scripthash subscriptions each), idle but for the notifications they
// receive; while recording, the arrival of each status notification (scripthash, monotonic ms,
// taken when the chunk carrying it arrived). Its own process, so its CPU is never the server's.
import { cpuSeconds, serveCommands } from './serve-ipc.js';
import { WireClient } from './serve-wire.js';
import { monoOfPerf } from './live-clock.js';

export interface LoadRecord {
  readonly hashes: string[];
  readonly at: Float64Array;
  readonly headers: number;
}

const PREFIX = '{"jsonrpc":"2.0","method":"blockchain.scripthash.subscribe","params":["';
const held: WireClient[] = [];
let recording = false;
let hashes: string[] = [];
let at: number[] = [];
let headers = 0;

function onNotification(line: string, t: number): void {
  if (!recording) return;
  if (line.startsWith(PREFIX)) {
    hashes.push(line.substr(PREFIX.length, 64));
    at.push(monoOfPerf(t));
  } else headers++;
}

serveCommands(
  {
    cpu: () => cpuSeconds(),
    /** One session per set, `parallel` being opened at a time; resolves once all subscribed. */
    openSessions: async ({ port, sets, parallel }: { port: number; sets: string[][]; parallel: number }) => {
      const t0 = performance.now();
      let subscriptions = 0;
      let errors = 0;
      let next = 0;
      const one = async (set: readonly string[]) => {
        const c = await WireClient.connect(port);
        c.onNotification = onNotification;
        held.push(c);
        await c.call('server.version', '["anode-bench-live","1.4"]');
        await c.call('blockchain.headers.subscribe', '[]');
        await Promise.all(set.map((sh) => c.call('blockchain.scripthash.subscribe', `["${sh}"]`).then(() => subscriptions++, () => errors++)));
      };
      const worker = async () => {
        while (next < sets.length) await one(sets[next++]!);
      };
      await Promise.all(Array.from({ length: parallel }, worker));
      return { sessions: held.length, subscriptions, errors, seconds: (performance.now() - t0) / 1000 };
    },
    record: ({ on }: { on: boolean }): LoadRecord | null => {
      if (on) {
        hashes = [];
        at = [];
        headers = 0;
        recording = true;
        return null;
      }
      recording = false;
      return { hashes, at: Float64Array.from(at), headers };
    },
    closeSessions: () => {
      for (const c of held) c.close();
      const n = held.length;
      held.length = 0;
      return n;
    },
  },
  () => {
    for (const c of held) c.close();
  },
);
