// Catch-up's block source on a worker thread (fetch-worker.ts): the worker fetches over RPC and
// prepares blocks; this side queues them in height order for the apply loop. One FetchWorker
// lives as long as the syncer and serves one round (a WorkerBlockStream) at a time.
import { Worker } from 'node:worker_threads';
import type { DaemonPoolSpec } from '../daemon/types.js';
import { DaemonRpcError, DaemonUnavailableError } from '../daemon/types.js';
import { viewPrepared, type PreparedBlock, type PreparedDims } from '../index/prepared-block.js';
import type { BlockStream, PreparedAt } from './block-stream.js';

export interface StartFetch {
  readonly type: 'start';
  readonly round: number;
  readonly spec: DaemonPoolSpec;
  readonly from: number;
  readonly to: number;
  readonly inFlight: number;
  readonly maxQueueBytes: number;
  readonly maxBatchBlocks?: number;
  /** Prepared bytes the worker may have sent and the main thread not yet taken. */
  readonly maxAheadBytes: number;
}

export type ToFetchWorker = StartFetch | { readonly type: 'taken'; readonly round: number; readonly bytes: number } | { readonly type: 'stop'; readonly round: number };

export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: number;
  readonly method?: string;
}

export type FromFetchWorker =
  | {
      readonly type: 'block';
      readonly round: number;
      readonly height: number;
      readonly hash: string;
      readonly buffer: ArrayBuffer;
      readonly dims: PreparedDims;
      /** The worker's prefetch queue (raw bytes fetched or in flight) when it sent this block. */
      readonly held: number;
      /** The daemon (index in the spec's endpoints) the worker's pool uses now. */
      readonly daemon: number;
    }
  | { readonly type: 'end'; readonly round: number }
  | { readonly type: 'error'; readonly round: number; readonly error: WireError };

/** Errors keep their class across the thread boundary: the syncer retries daemon errors, not others. */
function revive(e: WireError): Error {
  if (e.name === 'DaemonRpcError') return new DaemonRpcError(e.code ?? 0, e.message, e.method ?? '');
  if (e.name === 'DaemonUnavailableError') return new DaemonUnavailableError(e.message);
  if (e.name === 'RangeError') return new RangeError(`malformed block from the daemon: ${e.message}`);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

export type FetchRound = Omit<StartFetch, 'type' | 'round' | 'spec'>;

export class FetchWorker {
  private readonly worker: Worker;
  private round = 0;
  private current: WorkerBlockStream | null = null;
  private broken: Error | null = null;

  constructor() {
    this.worker = new Worker(new URL('./fetch-worker.js', import.meta.url));
    this.worker.on('message', (m: FromFetchWorker) => {
      if (this.current && m.round === this.current.round) this.current.receive(m);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the block fetch worker exited (code ${code})`)));
    this.worker.unref();
  }

  /**
   * Starts fetching `from`..`to` for a new round (ending the previous one). `onFailover` hears of
   * the worker's pool moving to another daemon, so the pool the spec came from can follow.
   */
  open(spec: DaemonPoolSpec, round: FetchRound, onFailover?: (daemon: number) => void): WorkerBlockStream {
    this.current?.stop();
    const stream = new WorkerBlockStream(this, ++this.round, spec.current, onFailover);
    this.current = stream;
    if (this.broken) {
      stream.receive({ type: 'error', round: stream.round, error: { name: 'Error', message: this.broken.message } });
      return stream;
    }
    this.send({ type: 'start', round: stream.round, spec, ...round });
    this.worker.ref();
    return stream;
  }

  send(m: ToFetchWorker): void {
    if (!this.broken) this.worker.postMessage(m);
  }

  /** Called by a stream that needs no more messages. */
  released(stream: WorkerBlockStream): void {
    if (this.current === stream) {
      this.current = null;
      this.worker.unref();
    }
  }

  async close(): Promise<void> {
    this.current?.stop();
    this.broken ??= new Error('the block fetch worker was closed');
    await this.worker.terminate();
  }

  private fail(err: Error): void {
    if (this.broken) return;
    this.broken = err;
    this.current?.receive({ type: 'error', round: this.current.round, error: { name: err.name, message: err.message } });
  }
}

export class WorkerBlockStream implements BlockStream {
  private readonly queue: PreparedAt[] = [];
  private queuedBytes = 0;
  private workerHeld = 0;
  private ended = false;
  private error: Error | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly owner: FetchWorker,
    readonly round: number,
    private daemon: number,
    private readonly onFailover?: (daemon: number) => void,
  ) {}

  get heldBytes(): number {
    return this.queuedBytes + this.workerHeld;
  }

  receive(m: FromFetchWorker): void {
    if (this.stopped) return;
    if (m.type === 'block') {
      this.queue.push({ height: m.height, hash: m.hash, block: viewPrepared(m.buffer, m.dims) });
      this.queuedBytes += m.buffer.byteLength;
      this.workerHeld = m.held;
      if (m.daemon !== this.daemon) {
        this.daemon = m.daemon;
        this.onFailover?.(m.daemon);
      }
    } else if (m.type === 'end') {
      this.ended = true;
      this.owner.released(this);
    } else {
      this.error = revive(m.error);
      this.owner.released(this);
    }
    this.wake?.();
  }

  async next(): Promise<PreparedAt | null> {
    while (this.queue.length === 0 && !this.ended && !this.error && !this.stopped) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    const item = this.queue.shift();
    if (item) {
      const bytes = item.block.buffer.byteLength;
      this.queuedBytes -= bytes;
      this.owner.send({ type: 'taken', round: this.round, bytes });
      return item;
    }
    if (this.error) throw this.error;
    return null;
  }

  peekReady(n: number): PreparedBlock | null {
    return this.queue[n]?.block ?? null;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.ended && !this.error) this.owner.send({ type: 'stop', round: this.round });
    this.owner.released(this);
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.wake?.();
  }
}
