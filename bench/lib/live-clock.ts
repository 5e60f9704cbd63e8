// bench:live's clock: CLOCK_MONOTONIC in milliseconds (process.hrtime is uv_hrtime, one system-wide
// clock on Linux), so the ZMQ watcher's, the server's and the load generator's timestamps of one
// transaction can be subtracted across processes; wall clocks could step between them.

export function monoNow(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

// performance.now() is uv_hrtime minus this process's start: a constant offset from monoNow().
// Measured between two monoNow() readings, the tightest pair of many: the first calls of either
// clock are slow (lazy initialisation), which skewed a single reading by ~0.8 ms.
const OFFSET = (() => {
  let best = { spread: Infinity, offset: 0 };
  for (let i = 0; i < 200; i++) {
    const a = monoNow();
    const p = performance.now();
    const b = monoNow();
    if (b - a < best.spread) best = { spread: b - a, offset: (a + b) / 2 - p };
  }
  return best.offset;
})();

/** A performance.now() reading (e.g. WireClient's arrival time) on the monotonic clock. */
export function monoOfPerf(t: number): number {
  return t + OFFSET;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
