// Worker thread body for WorkerBlockStream: runs the prefetch pipeline (its own DaemonPool and
// BlockFetcher) and prepares each block for the index, so that the main thread neither parses
// JSON replies nor hashes transactions. Prepared buffers are transferred, not copied; the main
// thread returns credit as it takes blocks, which bounds what waits in its queue.
import { parentPort } from 'node:worker_threads';
import { DaemonPool } from '../daemon/pool.js';
import { DaemonRpcError } from '../daemon/types.js';
import { prepareBlock } from '../index/prepared-block.js';
import { logger, setLogLevel, silentLogger } from '../log.js';
import { BlockFetcher } from './fetcher.js';
import type { FromFetchWorker, ToFetchWorker, StartFetch, WireError } from './worker-blocks.js';

const port = parentPort;
if (!port) throw new Error('fetch-worker must run as a worker thread');

interface Session {
  readonly round: number;
  readonly fetcher: BlockFetcher;
  readonly daemon: DaemonPool;
  stopped: boolean;
  /** Prepared bytes sent and not yet taken by the main thread. */
  outstanding: number;
  wake: (() => void) | null;
}

let session: Session | null = null;

const post = (m: FromFetchWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

function stopSession(): void {
  const s = session;
  if (!s) return;
  session = null;
  s.stopped = true;
  s.fetcher.stop();
  s.daemon.close();
  s.wake?.();
}

function wire(err: unknown): WireError {
  if (err instanceof DaemonRpcError) return { name: err.name, message: err.message, code: err.code, method: err.method };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

async function run(m: StartFetch): Promise<void> {
  stopSession();
  const level = m.spec.options.logLevel;
  if (level) setLogLevel(level);
  const daemon = DaemonPool.fromSpec(m.spec, level && level !== 'silent' ? logger('daemon') : silentLogger());
  const fetcher = new BlockFetcher({ daemon, from: m.from, to: m.to, inFlight: m.inFlight, maxQueueBytes: m.maxQueueBytes, maxBatchBlocks: m.maxBatchBlocks });
  const s: Session = { round: m.round, fetcher, daemon, stopped: false, outstanding: 0, wake: null };
  session = s;
  try {
    for (;;) {
      while (!s.stopped && s.outstanding >= m.maxAheadBytes) await new Promise<void>((resolve) => (s.wake = resolve));
      if (s.stopped) return;
      const item = await fetcher.next();
      if (s.stopped) return;
      if (!item) {
        post({ type: 'end', round: s.round });
        return;
      }
      const b = prepareBlock(item.raw);
      s.outstanding += b.buffer.byteLength;
      const dims = { txCount: b.txCount, inputCount: b.inputCount, outputCount: b.outputCount, size: b.size };
      post({ type: 'block', round: s.round, height: item.height, hash: item.hash, buffer: b.buffer, dims, held: fetcher.heldBytes, daemon: s.daemon.current().index }, [b.buffer]);
    }
  } catch (err) {
    if (!s.stopped) post({ type: 'error', round: s.round, error: wire(err) });
  } finally {
    if (session === s) stopSession();
  }
}

port.on('message', (m: ToFetchWorker) => {
  if (m.type === 'start') void run(m);
  else if (m.type === 'taken') {
    if (session && session.round === m.round) {
      session.outstanding -= m.bytes;
      session.wake?.();
      session.wake = null;
    }
  } else if (m.type === 'stop') {
    if (session && session.round === m.round) stopSession();
  }
});
