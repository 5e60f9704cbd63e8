// The writer's UTXO cache: an open-addressing hash table of utxo record ids, keyed by the 20
// outpoint bytes (txid[0:16] + vout) stored in the records themselves. Compared with a
// Map<string, id> it allocates nothing per entry (no key strings for the GC to copy), and costs
// 16-32 bytes per entry instead of ~120. Each slot also keeps its key's hash, so a probe compares
// record bytes (a cache miss into the arena) only when the hashes match: most lookups during sync
// miss (the output is on disk), and they now touch only the two slot arrays.
import type { RecordArena } from './arena.js';

const EMPTY = -1;
const TOMBSTONE = -2;
const KEY_LEN = 20;

export class OutpointTable {
  private slots: Int32Array;
  /** The key hash of each slot's record (meaningful where slots[i] >= 0). */
  private hashes: Int32Array;
  private mask: number;
  /** Live entries. */
  size = 0;
  private used = 0; // live + tombstones

  /** `keyOff`: where the 20 key bytes start inside each record of `arena`. */
  constructor(private readonly arena: RecordArena, private readonly keyOff: number, capacity = 1 << 16) {
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  private static hash(b: Uint8Array, o: number): number {
    // Txid bytes are uniformly random; mix in the vout so outputs of one tx spread out.
    return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) ^ Math.imul(b[o + 19]! | (b[o + 18]! << 8), 0x9e3779b1);
  }

  private same(id: number, key: Uint8Array, ko: number): boolean {
    const b = this.arena.buf(id);
    const o = this.arena.off(id) + this.keyOff;
    for (let i = KEY_LEN - 1; i >= 0; i--) if (b[o + i] !== key[ko + i]) return false;
    return true;
  }

  /** Slot index holding `key`, or -1. */
  private find(key: Uint8Array, ko: number): number {
    const h = OutpointTable.hash(key, ko);
    let i = h & this.mask;
    for (;;) {
      const v = this.slots[i]!;
      if (v === EMPTY) return -1;
      if (v >= 0 && this.hashes[i] === h && this.same(v, key, ko)) return i;
      i = (i + 1) & this.mask;
    }
  }

  has(key: Uint8Array, ko: number): boolean {
    return this.find(key, ko) >= 0;
  }

  /** Removes the entry for `key` and returns its record id, or -1 if absent. */
  take(key: Uint8Array, ko: number): number {
    const i = this.find(key, ko);
    if (i < 0) return -1;
    const id = this.slots[i]!;
    this.slots[i] = TOMBSTONE;
    this.size--;
    return id;
  }

  /** Adds record `id` (its key is in the arena); an existing entry with the same key is replaced. */
  add(id: number): void {
    if ((this.used + 1) * 2 > this.slots.length) this.grow();
    const b = this.arena.buf(id);
    const ko = this.arena.off(id) + this.keyOff;
    const existing = this.find(b, ko);
    if (existing >= 0) {
      this.slots[existing] = id;
      return;
    }
    const h = OutpointTable.hash(b, ko);
    let i = h & this.mask;
    while (this.slots[i]! >= 0) i = (i + 1) & this.mask;
    if (this.slots[i] === EMPTY) this.used++;
    this.slots[i] = id;
    this.hashes[i] = h;
    this.size++;
  }

  private grow(): void {
    const old = this.slots;
    const oldHashes = this.hashes;
    // Double only when live entries need it; otherwise rehashing just clears tombstones.
    const capacity = (this.size + 1) * 4 > old.length ? old.length * 2 : old.length;
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.used = 0;
    // Live keys are distinct, and their hashes are kept: reinsert without reading the arena.
    for (let j = 0; j < old.length; j++) {
      const id = old[j]!;
      if (id < 0) continue;
      const h = oldHashes[j]!;
      let i = h & this.mask;
      while (this.slots[i] !== EMPTY) i = (i + 1) & this.mask;
      this.slots[i] = id;
      this.hashes[i] = h;
      this.used++;
    }
  }

  /** Live record ids, in slot order. */
  ids(): Int32Array {
    const out = new Int32Array(this.size);
    let n = 0;
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i]! >= 0) out[n++] = this.slots[i]!;
    return out;
  }

  clear(): void {
    if (this.slots.length > 1 << 16) {
      this.slots = new Int32Array(1 << 16);
      this.hashes = new Int32Array(1 << 16);
      this.mask = (1 << 16) - 1;
    }
    this.slots.fill(EMPTY);
    this.size = 0;
    this.used = 0;
  }

  get bytes(): number {
    return this.slots.byteLength + this.hashes.byteLength;
  }
}
