// get_history's confirmed part of long histories, kept as the JSON bytes sent: reading a history
// costs ~3 µs per entry through rocksdb-native's iterator (each key comes back as its own
// ArrayBuffer), so a popular address with 100,000 entries would cost 300 ms at every ask. Entries
// are dropped when a block touches their script, on a reorg, or to stay within the byte budget
// (least recently used first), as ElectrumX's history cache does.
import type { ScriptKey } from '../index/types.js';
import type { ChainChange } from '../mempool/chain-state.js';

/** Histories shorter than this are cheap to read again (and short ones live in subscriptions). */
export const CACHE_FROM_ENTRIES = 2000;

interface Entry {
  readonly key: ScriptKey;
  readonly json: Buffer;
}

export class HistoryCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    /** Entries from which a history is kept. */
    readonly fromEntries = CACHE_FROM_ENTRIES,
    private readonly budget = 64 * 1024 * 1024,
  ) {}

  /** The confirmed part (comma-terminated JSON entries) of scripthash `id` (internal order, latin1). */
  get(id: string): Buffer | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    this.entries.set(id, e);
    return e.json;
  }

  /** Keeps a history read from the view that is still served (the caller checks). */
  put(id: string, key: ScriptKey, json: Buffer): void {
    if (json.length > this.budget / 4) return;
    const old = this.entries.get(id);
    if (old) this.bytes -= old.json.length;
    this.entries.set(id, { key, json });
    this.bytes += json.length;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.budget) break;
      this.entries.delete(k);
      this.bytes -= e.json.length;
    }
  }

  /** Called synchronously with every chain change, before any request sees the new state. */
  onChange(change: ChainChange): void {
    if (this.entries.size === 0) return;
    if (change.reorg || change.blocks.some((b) => b.touched === null)) {
      this.entries.clear();
      this.bytes = 0;
      return;
    }
    for (const b of change.blocks) {
      const touched = b.touched!;
      for (const [id, e] of this.entries) {
        if (!touched.has(e.key)) continue;
        this.entries.delete(id);
        this.bytes -= e.json.length;
      }
    }
  }
}
