// The fast builder's spendable outputs, in flat typed arrays (no per-output objects): a bounded
// random-access pool. When full, a new output replaces a random old one (which stays unspent).
import type { Kind } from './scripts.js';
import type { Rng } from './random.js';

export class OutputPool {
  private readonly txids: Buffer;
  private readonly vouts: Uint16Array;
  private readonly values: Float64Array;
  private readonly kinds: Uint8Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.txids = Buffer.allocUnsafe(capacity * 32);
    this.vouts = new Uint16Array(capacity);
    this.values = new Float64Array(capacity);
    this.kinds = new Uint8Array(capacity);
  }

  add(txid: Buffer, vout: number, value: number, kind: Kind, rng: Rng): void {
    const i = this.size < this.capacity ? this.size++ : rng.int(this.capacity);
    txid.copy(this.txids, i * 32);
    this.vouts[i] = vout;
    this.values[i] = value;
    this.kinds[i] = kind;
  }

  /** Removes a random output, writing its outpoint to `out` at `offset`; returns value and kind. */
  takeRandom(rng: Rng, out: Buffer, offset: number): { value: number; kind: Kind } {
    const i = rng.int(this.size);
    this.txids.copy(out, offset, i * 32, i * 32 + 32);
    out.writeUInt32LE(this.vouts[i]!, offset + 32);
    const res = { value: this.values[i]!, kind: this.kinds[i]! as Kind };
    const last = --this.size;
    if (i !== last) {
      this.txids.copy(this.txids, i * 32, last * 32, last * 32 + 32);
      this.vouts[i] = this.vouts[last]!;
      this.values[i] = this.values[last]!;
      this.kinds[i] = this.kinds[last]!;
    }
    return res;
  }
}
