// The fast chain's output scripts: a realistic type mix and address reuse with a heavy tail
// (a few scripts receive a fixed share of all outputs, a Zipf-like middle, fresh scripts otherwise).
import { Rng } from './random.js';

/** Spendable script kinds; the spending input's dummy data depends on it. */
export const enum Kind {
  P2WPKH = 0,
  P2PKH = 1,
  P2SH = 2,
  P2TR = 3,
  P2WSH = 4,
}

export interface FastScript {
  readonly kind: Kind;
  readonly script: Buffer;
}

/** Cumulative probabilities: p2wpkh 45%, p2pkh 17%, p2sh 15%, p2tr 15%, p2wsh 8%. */
const MIX: Array<[number, Kind]> = [
  [0.45, Kind.P2WPKH],
  [0.62, Kind.P2PKH],
  [0.77, Kind.P2SH],
  [0.92, Kind.P2TR],
  [1, Kind.P2WSH],
];

export function makeScript(kind: Kind, rng: Rng): Buffer {
  switch (kind) {
    case Kind.P2WPKH: {
      const s = Buffer.allocUnsafe(22);
      s[0] = 0x00;
      s[1] = 0x14;
      rng.fill(s, 2, 20);
      return s;
    }
    case Kind.P2PKH: {
      const s = Buffer.allocUnsafe(25);
      s[0] = 0x76;
      s[1] = 0xa9;
      s[2] = 0x14;
      rng.fill(s, 3, 20);
      s[23] = 0x88;
      s[24] = 0xac;
      return s;
    }
    case Kind.P2SH: {
      const s = Buffer.allocUnsafe(23);
      s[0] = 0xa9;
      s[1] = 0x14;
      rng.fill(s, 2, 20);
      s[22] = 0x87;
      return s;
    }
    case Kind.P2TR:
    case Kind.P2WSH: {
      const s = Buffer.allocUnsafe(34);
      s[0] = kind === Kind.P2TR ? 0x51 : 0x00;
      s[1] = 0x20;
      rng.fill(s, 2, 32);
      return s;
    }
  }
}

export function randomKind(rng: Rng): Kind {
  const u = rng.next();
  for (const [p, k] of MIX) if (u < p) return k;
  return Kind.P2WPKH;
}

export interface ScriptChooserOptions {
  heavyScripts: number;
  heavyShare: number;
  /** Share of outputs paying an already used (non-heavy) script. */
  reuseShare: number;
  /** Size of the reused-script population. */
  reusePool: number;
}

export class ScriptChooser {
  readonly heavy: FastScript[] = [];
  private readonly reused: FastScript[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly opts: ScriptChooserOptions,
  ) {
    const heavyKinds = [Kind.P2WPKH, Kind.P2PKH, Kind.P2SH, Kind.P2TR, Kind.P2WSH];
    for (let i = 0; i < opts.heavyScripts; i++) {
      const kind = heavyKinds[i % heavyKinds.length]!;
      this.heavy.push({ kind, script: makeScript(kind, rng) });
    }
  }

  next(): FastScript {
    const u = this.rng.next();
    if (u < this.opts.heavyShare && this.heavy.length) return this.heavy[this.rng.int(this.heavy.length)]!;
    if (u < this.opts.heavyShare + this.opts.reuseShare && this.reused.length >= 16) {
      // Rank ~ pool * v^3: low ranks are much more popular (a power-law-like middle).
      const v = this.rng.next();
      return this.reused[Math.floor(this.reused.length * v * v * v)]!;
    }
    const kind = randomKind(this.rng);
    const fresh = { kind, script: makeScript(kind, this.rng) };
    if (this.reused.length < this.opts.reusePool) this.reused.push(fresh);
    return fresh;
  }
}
