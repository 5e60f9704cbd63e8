// Requests in flight across all sessions, bounded and shared out in turn: with hundreds of busy
// sessions each allowed 16 requests at once, thousands of reads would queue behind each other and
// a new wallet's first answers would wait behind them all. Sessions that want a slot when none is
// free line up once each, and get one in turn as requests finish.
export interface SlotWaiter {
  /** Called when a slot may be free: the waiter tries again. */
  pump(): void;
}

export class RequestScheduler {
  private inFlight = 0;
  private readonly waiting = new Set<SlotWaiter>();

  constructor(readonly maxInFlight: number) {}

  /** Takes a slot, or lines the waiter up (once) and returns false. */
  acquire(w: SlotWaiter): boolean {
    if (this.inFlight < this.maxInFlight) {
      this.waiting.delete(w);
      this.inFlight++;
      return true;
    }
    this.waiting.add(w);
    return false;
  }

  release(): void {
    this.inFlight--;
    // Those in line go on, first first, while slots are free (one that no longer wants one, say
    // congested, leaves the line and lines up again when it does).
    for (const w of this.waiting) {
      if (this.inFlight >= this.maxInFlight) return;
      this.waiting.delete(w);
      w.pump();
    }
  }

  /** Whether sessions are waiting for a slot: then each takes one at a time and lines up again. */
  get contended(): boolean {
    return this.waiting.size > 0;
  }

  /** Lines the waiter up at the back. */
  lineUp(w: SlotWaiter): void {
    this.waiting.delete(w);
    this.waiting.add(w);
  }

  /** A closed session leaves the line. */
  forget(w: SlotWaiter): void {
    this.waiting.delete(w);
  }
}
