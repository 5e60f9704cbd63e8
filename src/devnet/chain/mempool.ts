// The mempool: entries with their in-mempool parents/children, spends, and bitcoind's sequence counter.
import type { Tx } from '../../chain/tx.js';
import type { MempoolEntry, SpentOutput, TxRemovalReason } from './types.js';
import { outpointKey } from './utxo.js';

export class Entry implements MempoolEntry {
  depends: Buffer[] = [];
  spentby: Buffer[] = [];
  constructor(
    readonly txid: Buffer,
    readonly wtxid: Buffer,
    readonly raw: Buffer,
    readonly tx: Tx,
    readonly fee: number,
    readonly vsize: number,
    readonly weight: number,
    readonly time: number,
    readonly height: number,
    readonly sequence: number,
    readonly prevouts: SpentOutput[],
  ) {}
}

export interface Removal {
  readonly txid: Buffer;
  readonly sequence: number;
  readonly reason: TxRemovalReason;
}

export class Mempool {
  private readonly entries = new Map<string, Entry>();
  private readonly spenders = new Map<string, Entry>();
  /** bitcoind's m_sequence_number: taken by every addition and removal; starts at 1. */
  private seq = 1;

  get sequence(): number {
    return this.seq;
  }

  get size(): number {
    return this.entries.size;
  }

  all(): Entry[] {
    return [...this.entries.values()];
  }

  get(txid: Buffer): Entry | undefined {
    return this.entries.get(txid.toString('hex'));
  }

  /** The mempool tx spending this outpoint, if any. */
  spender(txid: Buffer, vout: number): Entry | undefined {
    return this.spenders.get(outpointKey(txid, vout));
  }

  add(make: (sequence: number) => Entry): Entry {
    const entry = make(this.seq++);
    const key = entry.txid.toString('hex');
    this.entries.set(key, entry);
    const parents = new Set<string>();
    for (const input of entry.tx.inputs) {
      this.spenders.set(outpointKey(input.prevTxid, input.prevVout), entry);
      const parent = this.entries.get(input.prevTxid.toString('hex'));
      if (parent && !parents.has(parent.txid.toString('hex'))) {
        parents.add(parent.txid.toString('hex'));
        entry.depends.push(parent.txid);
        parent.spentby.push(entry.txid);
      }
    }
    // A parent re-added after a reorg may already have children here.
    entry.tx.outputs.forEach((_, vout) => {
      const child = this.spenders.get(outpointKey(entry.txid, vout));
      if (child && !entry.spentby.some((t) => t.equals(child.txid))) {
        entry.spentby.push(child.txid);
        child.depends.push(entry.txid);
      }
    });
    return entry;
  }

  /** Removes one entry (callers remove descendants first or with it). */
  remove(entry: Entry, reason: TxRemovalReason): Removal {
    const key = entry.txid.toString('hex');
    if (!this.entries.delete(key)) throw new Error(`not in mempool: ${key}`);
    for (const input of entry.tx.inputs) {
      const k = outpointKey(input.prevTxid, input.prevVout);
      if (this.spenders.get(k) === entry) this.spenders.delete(k);
    }
    for (const p of entry.depends) {
      const parent = this.entries.get(p.toString('hex'));
      if (parent) parent.spentby = parent.spentby.filter((t) => !t.equals(entry.txid));
    }
    for (const c of entry.spentby) {
      const child = this.entries.get(c.toString('hex'));
      if (child) child.depends = child.depends.filter((t) => !t.equals(entry.txid));
    }
    return { txid: entry.txid, sequence: this.seq++, reason };
  }

  /** The entry and all its in-mempool descendants, children after parents. */
  withDescendants(entry: Entry): Entry[] {
    const out: Entry[] = [];
    const seen = new Set<string>();
    const visit = (e: Entry): void => {
      const k = e.txid.toString('hex');
      if (seen.has(k)) return;
      seen.add(k);
      out.push(e);
      for (const c of e.spentby) {
        const child = this.entries.get(c.toString('hex'));
        if (child) visit(child);
      }
    };
    visit(entry);
    return out;
  }

  /** Removes the entry and its descendants, descendants first (as bitcoind's removeRecursive). */
  removeRecursive(entry: Entry, reason: TxRemovalReason): Removal[] {
    return this.withDescendants(entry).reverse().map((e) => this.remove(e, reason));
  }

  ancestors(entry: Entry): Entry[] {
    const out = new Map<string, Entry>();
    const stack = [...entry.depends];
    while (stack.length) {
      const k = stack.pop()!.toString('hex');
      if (out.has(k)) continue;
      const e = this.entries.get(k);
      if (!e) continue;
      out.set(k, e);
      stack.push(...e.depends);
    }
    return [...out.values()];
  }

  descendants(entry: Entry): Entry[] {
    return this.withDescendants(entry).slice(1);
  }

  /** All entries with parents before children (stable in arrival order otherwise). */
  topological(): Entry[] {
    const out: Entry[] = [];
    const done = new Set<string>();
    const visit = (e: Entry): void => {
      const k = e.txid.toString('hex');
      if (done.has(k)) return;
      done.add(k);
      for (const p of e.depends) {
        const parent = this.entries.get(p.toString('hex'));
        if (parent) visit(parent);
      }
      out.push(e);
    };
    for (const e of this.entries.values()) visit(e);
    return out;
  }
}
