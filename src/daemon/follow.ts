// Something that must follow the daemon in use (a ZMQ subscription): started now, and restarted
// after every switch, one restart at a time, so that a burst of switches never leaves two open and
// causes one restart, not one per switch.
import type { DaemonPool } from './pool.js';

export interface Closable {
  close(): Promise<void>;
}

export interface Following {
  close(): Promise<void>;
}

/** Calls `start` now and after each switch of `pool` (closing what the previous call started). */
export function followDaemon(pool: Pick<DaemonPool, 'onSwitch'>, start: () => Promise<Closable | null>, onError: (err: Error) => void): Following {
  let current: Closable | null = null;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  // A restart queued and not begun yet: the switches of an outage (one per failed request, round-robin)
  // share it, and it follows whichever daemon is in use when it begins.
  let queued = false;
  const restart = (): void => {
    if (queued) return;
    queued = true;
    chain = chain
      .then(async () => {
        queued = false;
        const old = current;
        current = null;
        await old?.close();
        if (!closed) current = await start();
        if (closed) await current?.close();
      })
      .catch((err) => onError(err as Error));
  };
  restart();
  const unsubscribe = pool.onSwitch(() => restart());
  return {
    async close() {
      closed = true;
      unsubscribe();
      // A start in flight may wait for a daemon that is down (and that never answers once the pool is
      // closed after us): not waited for. It closes what it opens, seeing `closed`.
      const c = current;
      current = null;
      await c?.close();
    },
  };
}
