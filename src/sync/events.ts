// What the syncer tells its subscribers (the Electrum server layer): small, typed events.

export interface SyncTip {
  readonly height: number;
  /** Internal byte order. */
  readonly hash: Buffer;
}

export interface SyncEventMap {
  /** A new tip is flushed: readers opened on the index see it. Emitted per block once caught up. */
  tip: SyncTip;
  /** The index was rolled back to `fork` (the common ancestor); the new branch is applied next. */
  reorg: { readonly fork: SyncTip; readonly oldTip: SyncTip; readonly depth: number };
  /** The index reached the daemon's tip for the first time in this run. */
  caughtUp: SyncTip;
}

export type SyncEventName = keyof SyncEventMap;
type Listener<K extends SyncEventName> = (event: SyncEventMap[K]) => void;

export class SyncEvents {
  private readonly listeners: { [K in SyncEventName]: Set<Listener<K>> } = {
    tip: new Set(),
    reorg: new Set(),
    caughtUp: new Set(),
  };

  /** Subscribes; returns the unsubscribe function. */
  on<K extends SyncEventName>(name: K, listener: Listener<K>): () => void {
    const set = this.listeners[name] as Set<Listener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Calls every listener; a throwing listener is reported, not allowed to break the sync. */
  emit<K extends SyncEventName>(name: K, event: SyncEventMap[K], onError?: (err: unknown) => void): void {
    for (const listener of this.listeners[name] as Set<Listener<K>>) {
      try {
        listener(event);
      } catch (err) {
        onError?.(err);
      }
    }
  }
}
