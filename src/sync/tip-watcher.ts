// When to look at the daemon again once caught up: at once on a ZMQ hashblock, else every poll
// interval (polling always runs, so a silent or missing ZMQ feed only costs latency).

export type WakeReason = 'announce' | 'poll' | 'stop';

export class TipWatcher {
  private pending = false;
  private stopped = false;
  private waiter: ((reason: WakeReason) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pollMs: number) {}

  /** A new block was announced (ZMQ hashblock); wakes a waiting wait(), or the next one. */
  announce(): void {
    if (this.waiter) this.resolve('announce');
    else this.pending = true;
  }

  /** Resolves on an announcement, after the poll interval, or on stop(). */
  wait(): Promise<WakeReason> {
    if (this.stopped) return Promise.resolve('stop');
    if (this.pending) {
      this.pending = false;
      return Promise.resolve('announce');
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.timer = setTimeout(() => this.resolve('poll'), this.pollMs);
    });
  }

  stop(): void {
    this.stopped = true;
    this.resolve('stop');
  }

  private resolve(reason: WakeReason): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const w = this.waiter;
    this.waiter = null;
    w?.(reason);
  }
}
