// bench:live's ZMQ watcher: a process of its own subscribed to devnet's `sequence` topic (with the
// server's own ZmqListener), doing nothing else, so that the moment each 'A' message arrives is
// timestamped without waiting on a busy event loop. That moment starts each latency.
import { toDisplayHex } from '../../src/chain/hash.js';
import { ZmqListener } from '../../src/daemon/zmq-listener.js';
import { cpuSeconds, serveCommands } from './serve-ipc.js';
import { monoNow } from './live-clock.js';

export interface WatchRecord {
  /** 'A' messages: display txid, monotonic ms. */
  readonly txids: string[];
  readonly at: Float64Array;
  /** 'C' messages (blocks connected), monotonic ms. */
  readonly blocks: number[];
  /** Counter gaps seen (messages lost: the measurement would miss their transactions). */
  readonly gaps: number;
}

const listener = new ZmqListener({ addresses: process.env.BENCH_ZMQ_URL!, topics: ['sequence'] });
let recording = false;
let txids: string[] = [];
let at: number[] = [];
let blocks: number[] = [];
let gaps = 0;
let seen = 0;

listener.on('sequence', (e) => {
  const t = monoNow();
  seen++;
  if (!recording) return;
  if (e.label === 'A') {
    txids.push(toDisplayHex(e.hash));
    at.push(t);
  } else if (e.label === 'C') blocks.push(t);
});
listener.on('gap', () => gaps++);
listener.start();

serveCommands(
  {
    cpu: () => cpuSeconds(),
    seen: () => seen,
    record: ({ on }: { on: boolean }): WatchRecord | null => {
      if (on) {
        txids = [];
        at = [];
        blocks = [];
        gaps = 0;
        recording = true;
        return null;
      }
      recording = false;
      return { txids, at: Float64Array.from(at), blocks, gaps };
    },
  },
  () => listener.close(),
);
