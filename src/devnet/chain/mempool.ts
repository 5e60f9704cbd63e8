// The mempool: entries linked to their in-mempool parents/children, spends, running totals,
// bitcoind's sequence counter, clusters and their chunks (cached until the pool changes), and a
// journal so package validation can stage entries and undo them (Core's changeset).
import type { Tx } from '../../chain/tx.js';
import { chunkCluster, type ClusterTx } from './cluster.js';
import type { MempoolEntry, SpentOutput, TxRemovalReason } from './types.js';
import { outpointKey } from './utxo.js';

export class Entry implements MempoolEntry {
  /** In-mempool parents and children, kept current. */
  readonly parents = new Set<Entry>();
  readonly children = new Set<Entry>();
  /** Hex txid, the pool's key. */
  readonly key: string;
  /** Submitted locally and not yet announced to a peer (devnet has none): bitcoind's unbroadcast set. */
  unbroadcast = false;
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
  ) {
    this.key = txid.toString('hex');
  }

  get depends(): Buffer[] {
    return [...this.parents].map((p) => p.txid);
  }

  get spentby(): Buffer[] {
    return [...this.children].map((c) => c.txid);
  }
}

export interface Removal {
  readonly txid: Buffer;
  readonly sequence: number;
  readonly reason: TxRemovalReason;
}

export interface ChunkInfo {
  readonly fee: number;
  readonly weight: number;
}

interface Journal {
  readonly seq: number;
  readonly ops: Array<{ add: boolean; entry: Entry }>;
}

export class Mempool {
  private readonly entries = new Map<string, Entry>();
  private readonly spenders = new Map<string, Entry>();
  /** bitcoind's m_sequence_number: taken by every addition and removal; starts at 1. */
  private seq = 1;
  private journal?: Journal;
  /** Bumped on every change; invalidates the chunk cache. */
  private version = 0;
  private chunkCache = new Map<Entry, ChunkInfo>();
  private chunkCacheVersion = -1;
  private totals = { vsize: 0, fee: 0, raw: 0, unbroadcast: 0 };

  get sequence(): number {
    return this.seq;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Sum of vsizes (getmempoolinfo bytes), fees, serialized sizes, unbroadcast entries. */
  get totalVsize(): number {
    return this.totals.vsize;
  }

  get totalFee(): number {
    return this.totals.fee;
  }

  get totalRawBytes(): number {
    return this.totals.raw;
  }

  get unbroadcastCount(): number {
    return this.totals.unbroadcast;
  }

  all(): Entry[] {
    return [...this.entries.values()];
  }

  values(): IterableIterator<Entry> {
    return this.entries.values();
  }

  get(txid: Buffer): Entry | undefined {
    return this.entries.get(txid.toString('hex'));
  }

  getKey(hex: string): Entry | undefined {
    return this.entries.get(hex);
  }

  /** The mempool tx spending this outpoint, if any. */
  spender(txid: Buffer, vout: number): Entry | undefined {
    return this.spenders.get(outpointKey(txid, vout));
  }

  add(make: (sequence: number) => Entry): Entry {
    const entry = make(this.seq++);
    this.insert(entry);
    this.journal?.ops.push({ add: true, entry });
    return entry;
  }

  /** Removes one entry (callers remove descendants first or with it). */
  remove(entry: Entry, reason: TxRemovalReason): Removal {
    if (this.entries.get(entry.key) !== entry) throw new Error(`not in mempool: ${entry.key}`);
    this.unlink(entry);
    this.journal?.ops.push({ add: false, entry });
    return { txid: entry.txid, sequence: this.seq++, reason };
  }

  /** Marks an entry announced (it leaves the unbroadcast set). */
  setUnbroadcast(entry: Entry, on: boolean): void {
    if (entry.unbroadcast === on) return;
    entry.unbroadcast = on;
    if (this.entries.get(entry.key) === entry) this.totals.unbroadcast += on ? 1 : -1;
  }

  private insert(entry: Entry): void {
    this.entries.set(entry.key, entry);
    for (const input of entry.tx.inputs) {
      this.spenders.set(outpointKey(input.prevTxid, input.prevVout), entry);
      const parent = this.entries.get(input.prevTxid.toString('hex'));
      if (parent && parent !== entry) {
        entry.parents.add(parent);
        parent.children.add(entry);
      }
    }
    // A parent re-added after a reorg (or a rollback) may already have children here.
    for (let vout = 0; vout < entry.tx.outputs.length; vout++) {
      const child = this.spenders.get(outpointKey(entry.txid, vout));
      if (child && child !== entry) {
        entry.children.add(child);
        child.parents.add(entry);
      }
    }
    this.totals.vsize += entry.vsize;
    this.totals.fee += entry.fee;
    this.totals.raw += entry.raw.length;
    if (entry.unbroadcast) this.totals.unbroadcast++;
    this.version++;
  }

  private unlink(entry: Entry): void {
    this.entries.delete(entry.key);
    for (const input of entry.tx.inputs) {
      const k = outpointKey(input.prevTxid, input.prevVout);
      if (this.spenders.get(k) === entry) this.spenders.delete(k);
    }
    for (const p of entry.parents) p.children.delete(entry);
    for (const c of entry.children) c.parents.delete(entry);
    entry.parents.clear();
    entry.children.clear();
    this.totals.vsize -= entry.vsize;
    this.totals.fee -= entry.fee;
    this.totals.raw -= entry.raw.length;
    if (entry.unbroadcast) this.totals.unbroadcast--;
    this.version++;
  }

  // --- staging (Core's changeset) ---

  /** Starts recording changes so they can be undone; no nesting. */
  begin(): void {
    if (this.journal) throw new Error('mempool journal already open');
    this.journal = { seq: this.seq, ops: [] };
  }

  get staging(): boolean {
    return this.journal !== undefined;
  }

  commit(): void {
    this.journal = undefined;
  }

  /** Undoes every change since begin(), the sequence counter included. */
  rollback(): void {
    const j = this.journal;
    if (!j) throw new Error('no mempool journal open');
    this.journal = undefined;
    for (let i = j.ops.length - 1; i >= 0; i--) {
      const op = j.ops[i]!;
      if (op.add) this.unlink(op.entry);
      else this.insert(op.entry);
    }
    this.seq = j.seq;
  }

  // --- graph ---

  /** The entry and all its in-mempool descendants, parents before children (BFS order). */
  withDescendants(entry: Entry): Entry[] {
    const seen = new Set<Entry>([entry]);
    const out = [entry];
    for (let i = 0; i < out.length; i++) {
      for (const c of out[i]!.children) {
        if (!seen.has(c)) {
          seen.add(c);
          out.push(c);
        }
      }
    }
    return out;
  }

  /** Removes the entry and its descendants, descendants first (as bitcoind's removeRecursive). */
  removeRecursive(entry: Entry, reason: TxRemovalReason): Removal[] {
    const all = this.withDescendants(entry);
    // Children after parents in `all` is not guaranteed for diamonds; order by depth instead.
    const order = topologicalOf(all).reverse();
    return order.map((e) => this.remove(e, reason));
  }

  ancestors(entry: Entry): Entry[] {
    const seen = new Set<Entry>();
    const stack = [...entry.parents];
    while (stack.length) {
      const e = stack.pop()!;
      if (seen.has(e)) continue;
      seen.add(e);
      for (const p of e.parents) if (!seen.has(p)) stack.push(p);
    }
    return [...seen];
  }

  descendants(entry: Entry): Entry[] {
    return this.withDescendants(entry).slice(1);
  }

  /** The connected component (parents and children, transitively) containing the entry. */
  cluster(entry: Entry, limit = Infinity): Entry[] {
    const seen = new Set<Entry>([entry]);
    const out = [entry];
    for (let i = 0; i < out.length && out.length <= limit; i++) {
      const e = out[i]!;
      for (const n of e.parents) if (!seen.has(n)) { seen.add(n); out.push(n); }
      for (const n of e.children) if (!seen.has(n)) { seen.add(n); out.push(n); }
    }
    return out;
  }

  /** Every cluster once. */
  clusters(): Entry[][] {
    const seen = new Set<Entry>();
    const out: Entry[][] = [];
    for (const e of this.entries.values()) {
      if (seen.has(e)) continue;
      const c = this.cluster(e);
      for (const x of c) seen.add(x);
      out.push(c);
    }
    return out;
  }

  /** The fee and weight of the chunk the entry is mined in (getmempoolentry chunkweight / fees.chunk). */
  chunkOf(entry: Entry): ChunkInfo {
    if (this.chunkCacheVersion !== this.version) {
      this.chunkCache = new Map();
      this.chunkCacheVersion = this.version;
    }
    let info = this.chunkCache.get(entry);
    if (!info) {
      const cluster = this.cluster(entry);
      for (const chunk of chunksOfEntries(cluster)) {
        const ci = { fee: chunk.fee, weight: chunk.weight };
        for (const e of chunk.entries) this.chunkCache.set(e, ci);
      }
      info = this.chunkCache.get(entry)!;
    }
    return info;
  }

  /** All entries with parents before children (stable in arrival order otherwise). */
  topological(): Entry[] {
    return topologicalOf([...this.entries.values()]);
  }
}

/** Parents (within the list) before children, otherwise in list order; iterative. */
export function topologicalOf(list: readonly Entry[]): Entry[] {
  const inList = new Set(list);
  const done = new Set<Entry>();
  const out: Entry[] = [];
  for (const start of list) {
    if (done.has(start)) continue;
    const stack: Array<{ e: Entry; it: Iterator<Entry> }> = [{ e: start, it: start.parents.values() }];
    done.add(start);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const next = top.it.next();
      if (next.done) {
        stack.pop();
        out.push(top.e);
        continue;
      }
      const p = next.value;
      if (inList.has(p) && !done.has(p)) {
        done.add(p);
        stack.push({ e: p, it: p.parents.values() });
      }
    }
  }
  return out;
}

export interface EntryChunk {
  readonly fee: number;
  readonly weight: number;
  /** In mining order. */
  readonly entries: Entry[];
}

/**
 * Chunks of a set of entries, normally one whole cluster (links to entries outside the set are
 * ignored), in linearization order.
 */
export function chunksOfEntries(entries: readonly Entry[]): EntryChunk[] {
  const index = new Map<Entry, number>();
  entries.forEach((e, i) => index.set(e, i));
  const txs: ClusterTx[] = entries.map((e) => ({
    fee: e.fee,
    weight: e.weight,
    parents: [...e.parents].map((p) => index.get(p)).filter((i): i is number => i !== undefined),
  }));
  return chunkCluster(txs).map((c) => ({ fee: c.fee, weight: c.weight, entries: c.txs.map((i) => entries[i]!) }));
}
