// Progress lines during catch-up: height, percent, tx/s, blocks/s, ETA; at most one per interval.
import type { Logger } from '../log.js';

export interface ProgressOptions {
  readonly logger: Logger;
  /** Minimum time between two lines. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export class ProgressReporter {
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private startTime = 0;
  private startHeight = 0;
  private lastTime = 0;
  private lastHeight = 0;
  private lastTxs = 0;
  private txs = 0;
  private target = 0;

  constructor(opts: ProgressOptions) {
    this.log = opts.logger;
    this.intervalMs = opts.intervalMs ?? 10_000;
    this.now = opts.now ?? (() => performance.now());
  }

  /** A catch-up run from `height` (the index tip) to `target` (the daemon's tip) begins. */
  begin(height: number, target: number): void {
    this.startTime = this.lastTime = this.now();
    this.startHeight = this.lastHeight = height;
    this.txs = this.lastTxs = 0;
    this.target = target;
  }

  /** Moves the goal (the daemon grew). */
  retarget(target: number): void {
    this.target = target;
  }

  /** One block applied. */
  block(height: number, txCount: number): void {
    this.txs += txCount;
    const t = this.now();
    if (t - this.lastTime < this.intervalMs) return;
    const secs = (t - this.lastTime) / 1000;
    const blocksPerSec = (height - this.lastHeight) / secs;
    const txPerSec = (this.txs - this.lastTxs) / secs;
    const left = Math.max(0, this.target - height);
    this.log.info(
      {
        height,
        target: this.target,
        percent: percent(height, this.target),
        txPerSec: Math.round(txPerSec),
        blocksPerSec: Math.round(blocksPerSec * 10) / 10,
        eta: blocksPerSec > 0 ? formatDuration(left / blocksPerSec) : 'unknown',
      },
      `sync height ${height}/${this.target} (${percent(height, this.target)}%), ${Math.round(txPerSec)} tx/s, ETA ${
        blocksPerSec > 0 ? formatDuration(left / blocksPerSec) : 'unknown'
      }`,
    );
    this.lastTime = t;
    this.lastHeight = height;
    this.lastTxs = this.txs;
  }

  /** Totals since begin(). */
  summary(height: number): { blocks: number; txs: number; seconds: number } {
    return { blocks: height - this.startHeight, txs: this.txs, seconds: (this.now() - this.startTime) / 1000 };
  }
}

function percent(height: number, target: number): number {
  if (target <= 0) return 100;
  return Math.floor((Math.max(0, height) / target) * 1000) / 10;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}m`;
}
