// Worker threads that prepare blocks (parse, txids, script hashes: see index/prepared-block.ts)
// while the main thread applies earlier ones to the index. Raw blocks go to the workers in turn
// and their buffers are transferred, not copied, both ways.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { viewPrepared, type PreparedBlock, type PreparedDims } from '../index/prepared-block.js';

export interface PrepareRequest {
  readonly id: number;
  readonly raw: Uint8Array;
}

export type PrepareReply =
  | { readonly id: number; readonly buffer: ArrayBuffer; readonly dims: PreparedDims; readonly error?: undefined }
  | { readonly id: number; readonly error: string };

interface Waiter {
  resolve(b: PreparedBlock): void;
  reject(err: Error): void;
}

/** One worker per core left after the main thread, at least one, at most four. */
export function defaultPrepareThreads(): number {
  return Math.min(4, Math.max(1, availableParallelism() - 1));
}

export class PreparePool {
  private readonly workers: Worker[] = [];
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 0;
  private broken: Error | null = null;

  constructor(threads: number) {
    const script = new URL('./prepare-worker.js', import.meta.url);
    for (let i = 0; i < Math.max(1, threads); i++) {
      const w = new Worker(script);
      w.on('message', (m: PrepareReply) => this.settle(m));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`a block preparation worker exited with code ${code}`));
      });
      // Idle workers must not keep the process alive.
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Prepares `raw` on a worker. The raw block's memory is moved to the worker when the buffer owns
   * it alone (a large block decoded from hex), so `raw` must not be used afterwards.
   */
  prepare(raw: Buffer): Promise<PreparedBlock> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length]!;
    const owned = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.buffer instanceof ArrayBuffer;
    const send = owned ? raw : new Uint8Array(raw); // a view into a shared pool is copied
    const req: PrepareRequest = { id, raw: send };
    return new Promise<PreparedBlock>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage(req, [send.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('the block preparation pool was closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private settle(m: PrepareReply): void {
    const w = this.waiters.get(m.id);
    if (!w) return;
    this.waiters.delete(m.id);
    if (this.waiters.size === 0) for (const worker of this.workers) worker.unref();
    if (m.error !== undefined) w.reject(new RangeError(`malformed block: ${m.error}`));
    else w.resolve(viewPrepared(m.buffer, m.dims));
  }

  private fail(err: Error): void {
    this.broken ??= err;
    for (const w of this.waiters.values()) w.reject(err);
    this.waiters.clear();
  }
}
