// One mempool refresh, computed without touching the mempool: the daemon's txids are diffed with
// ours, new transactions fetched (raw bytes are kept across refreshes until used, so a refresh
// thrown away because a block landed costs no second download), and their inputs resolved from
// the mempool, from each other and from an index view. The caller applies the result in one
// synchronous step, if the view it was computed against is still the one served.
import { fromDisplayHex, toDisplayHex } from '../chain/hash.js';
import type { IndexView, Outpoint, ScriptKey } from '../index/types.js';
import type { Mempool } from './mempool.js';
import type { MempoolSource } from './source.js';
import { PublishedTxs } from './published.js';
import { parseMempoolTx, resolvedMempoolTx, txidOfKey, txKeyOf, type MempoolTx, type ParsedMempoolTx, type SpentCoin, type TxKey } from './tx.js';

export interface RefreshPlan {
  /** The daemon's best block when it listed its mempool (display hex). */
  readonly bestHash: string;
  /** The listing's mempool sequence number (null from daemons without one). */
  readonly sequence: number | null;
  readonly removed: readonly TxKey[];
  /** New transactions, parents before children. */
  readonly added: readonly MempoolTx[];
  /** New transactions whose inputs could not all be found yet (tried again next time). */
  readonly unresolved: number;
}

export class MempoolRefresher {
  /** Parsed transactions fetched but not in the mempool yet. */
  private readonly fetched = new Map<TxKey, ParsedMempoolTx>();
  /** Raw transactions the daemon published (ZMQ rawtx), so that announced ones need no RPC. */
  private readonly published = new PublishedTxs();

  constructor(private readonly source: MempoolSource) {}

  /** Transactions downloaded and waiting for their inputs (or for a refresh to be applied). */
  get waiting(): number {
    return this.fetched.size;
  }

  /**
   * Lists the daemon's mempool; `accept(bestHash)` says whether that listing fits the view (the
   * daemon's tip is the view's). Returns null when it does not.
   */
  async plan(view: IndexView, mempool: Mempool, accept: (bestHash: string) => boolean): Promise<RefreshPlan | null> {
    const { bestHash, txids, sequence } = await this.source.snapshot();
    if (!accept(bestHash)) return null;
    const theirs = new Map<TxKey, string>();
    for (const hex of txids) theirs.set(txKeyOf(fromDisplayHex(hex)), hex);
    const removed: TxKey[] = [];
    for (const k of mempool.keys()) if (!theirs.has(k)) removed.push(k);
    for (const k of this.fetched.keys()) if (!theirs.has(k)) this.fetched.delete(k);
    const missing: string[] = [];
    const missingKeys: TxKey[] = [];
    for (const [k, hex] of theirs) {
      if (mempool.has(k) || this.fetched.has(k)) continue;
      missing.push(hex);
      missingKeys.push(k);
    }
    const raws = await this.source.rawTransactions(missing);
    for (let i = 0; i < raws.length; i++) {
      const raw = raws[i];
      if (!raw) continue; // gone from the daemon meanwhile
      const parsed = parseMempoolTx(missingKeys[i]!, raw);
      if (parsed) this.fetched.set(parsed.key, parsed);
    }
    const fresh: ParsedMempoolTx[] = [];
    for (const k of theirs.keys()) {
      const p = this.fetched.get(k);
      if (p) fresh.push(p);
    }
    const { added, unresolved } = await resolve(fresh, view, mempool, new Set(removed));
    return { bestHash, sequence, removed, added, unresolved };
  }

  /**
   * Transactions the daemon announced (ZMQ sequence 'A'): fetched (or taken from what is already
   * downloaded), then resolved against the view and the mempool. Those whose inputs do not all
   * resolve yet (a parent or block not seen) stay downloaded for a later try.
   */
  async fetchAdded(view: IndexView, mempool: Mempool, keys: readonly TxKey[]): Promise<MempoolTx[]> {
    const wanted = new Set<TxKey>();
    for (const k of keys) if (!this.fetched.has(k) && !mempool.has(k)) wanted.add(k);
    for (const p of this.published.take(wanted)) this.fetched.set(p.key, p);
    const missing = [...wanted];
    const raws = await this.source.rawTransactions(missing.map((k) => toDisplayHex(txidOfKey(k))));
    raws.forEach((raw, i) => {
      const parsed = raw && parseMempoolTx(missing[i]!, raw);
      if (parsed) this.fetched.set(parsed.key, parsed);
    });
    const fresh: ParsedMempoolTx[] = [];
    for (const k of keys) {
      const p = this.fetched.get(k);
      if (p && !mempool.has(k)) fresh.push(p);
    }
    return (await resolve(fresh, view, mempool, new Set())).added;
  }

  /** A raw transaction the daemon published (ZMQ rawtx); kept a while for its announcement. */
  announceRaw(raw: Buffer): void {
    this.published.add(raw);
  }

  /** Downloaded transactions waiting for their inputs (retried after a block). */
  waitingKeys(): TxKey[] {
    return [...this.fetched.keys()];
  }

  /** Forgets downloaded transactions (added now, or removed by the daemon). */
  forget(keys: Iterable<TxKey>): void {
    for (const k of keys) this.fetched.delete(k);
  }

  /** The plan was applied: its transactions no longer wait here. */
  applied(plan: RefreshPlan): void {
    for (const tx of plan.added) this.fetched.delete(tx.key);
  }
}

/**
 * Resolves each new transaction's inputs; returns those whose inputs all resolved, in an order
 * where parents come first. Outputs of transactions being removed are not available.
 */
async function resolve(fresh: readonly ParsedMempoolTx[], view: IndexView, mempool: Mempool, removed: ReadonlySet<TxKey>): Promise<{ added: MempoolTx[]; unresolved: number }> {
  const freshKeys = new Set(fresh.map((p) => p.key));
  // Inputs not spending a mempool transaction are looked up in the index, all in one batch.
  const confirmedWanted: Outpoint[] = [];
  const confirmedAt = new Map<string, number>();
  for (const p of fresh) {
    for (const op of p.prevouts) {
      const parent = op.slice(0, 32);
      if (freshKeys.has(parent) || (mempool.has(parent) && !removed.has(parent)) || confirmedAt.has(op)) continue;
      confirmedAt.set(op, confirmedWanted.length);
      confirmedWanted.push({ txid: txidOfKey(parent), vout: op.charCodeAt(32) | (op.charCodeAt(33) << 16) });
    }
  }
  const coins = await view.reader.getCoins(confirmedWanted);
  const done = new Map<TxKey, MempoolTx>();
  const added: MempoolTx[] = [];
  let pending = fresh.slice();
  for (;;) {
    const next: ParsedMempoolTx[] = [];
    for (const p of pending) {
      const spent = spentCoins(p, mempool, removed, done, freshKeys, coins, confirmedAt);
      if (spent === 'later') next.push(p);
      else if (spent !== null) {
        const tx = resolvedMempoolTx(p, spent);
        done.set(tx.key, tx);
        added.push(tx);
      }
    }
    if (next.length === pending.length || next.length === 0) return { added, unresolved: fresh.length - added.length };
    pending = next;
  }
}

/** The coins a transaction's inputs spend; 'later' if a fresh parent is not resolved yet; null if one cannot be found. */
function spentCoins(
  p: ParsedMempoolTx, mempool: Mempool, removed: ReadonlySet<TxKey>, done: ReadonlyMap<TxKey, MempoolTx>, freshKeys: ReadonlySet<TxKey>,
  coins: ReadonlyArray<{ scriptKey: ScriptKey; value: number } | null>, confirmedAt: ReadonlyMap<string, number>,
): SpentCoin[] | 'later' | null {
  const spent: SpentCoin[] = [];
  for (const op of p.prevouts) {
    const parentKey = op.slice(0, 32);
    const vout = op.charCodeAt(32) | (op.charCodeAt(33) << 16);
    const parent = done.get(parentKey) ?? (removed.has(parentKey) ? undefined : mempool.get(parentKey));
    if (parent !== undefined) {
      if (vout >= parent.outputCount) return null;
      const script = parent.outScript(vout);
      if (script === '') return null;
      spent.push({ scriptKey: script, value: parent.outValue(vout) });
      continue;
    }
    if (freshKeys.has(parentKey)) return 'later';
    const at = confirmedAt.get(op);
    const coin = at === undefined ? null : coins[at];
    if (!coin) return null;
    spent.push({ scriptKey: coin.scriptKey, value: coin.value });
  }
  return spent;
}
