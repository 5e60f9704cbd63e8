// The mempool model: the daemon's unconfirmed transactions with the links Electrum answers need —
// which script each touches, which outputs each spends, which spend other mempool transactions
// (height -1). Every change records the scripts whose mempool part changed, for notifications.
// It only ever holds transactions whose inputs all resolved (from the index or from here).
import type { ScriptKey } from '../index/types.js';
import { outpointKeyOf, type MempoolTx, type OutpointKey, type TxKey } from './tx.js';
import { feeHistogram, type FeeHistogram } from './histogram.js';

/** One mempool output paying a script, not spent by another mempool transaction. */
export interface MempoolUtxo {
  readonly tx: MempoolTx;
  readonly vout: number;
  readonly value: number;
}

export class Mempool {
  private readonly txs = new Map<TxKey, MempoolTx>();
  /** Who in the mempool spends each outpoint (confirmed or not). */
  private readonly spenders = new Map<OutpointKey, MempoolTx>();
  /** The transactions touching each script: one, or several in a Set (a hot wallet's address may have thousands). */
  private readonly byScript = new Map<ScriptKey, MempoolTx | Set<MempoolTx>>();
  private dirty = new Set<ScriptKey>();
  private histogram: FeeHistogram | null = null;
  private rawBytes = 0;

  get size(): number {
    return this.txs.size;
  }

  /** Serialized bytes of every transaction held. */
  get bytes(): number {
    return this.rawBytes;
  }

  has(key: TxKey): boolean {
    return this.txs.has(key);
  }

  get(key: TxKey): MempoolTx | undefined {
    return this.txs.get(key);
  }

  keys(): IterableIterator<TxKey> {
    return this.txs.keys();
  }

  values(): IterableIterator<MempoolTx> {
    return this.txs.values();
  }

  /** The mempool transaction spending this outpoint, if any. */
  spenderOf(outpoint: OutpointKey): MempoolTx | undefined {
    return this.spenders.get(outpoint);
  }

  /** Adds a transaction whose mempool parents are already here. */
  add(tx: MempoolTx): void {
    if (this.txs.has(tx.key)) return;
    this.txs.set(tx.key, tx);
    this.rawBytes += tx.rawSize;
    tx.mempoolInputs = 0;
    for (let i = 0; i < tx.inputCount; i++) {
      this.spenders.set(tx.prevout(i), tx);
      if (this.txs.has(tx.prevTxKey(i))) tx.mempoolInputs++;
    }
    // A parent that comes back after its child (from a disconnected block) makes the child -1.
    for (let vout = 0; vout < tx.outputCount; vout++) {
      const child = this.spenders.get(outpointKeyOf(tx.key, vout));
      if (child === undefined || child === tx) continue;
      if (child.mempoolInputs++ === 0) for (const s of child.scripts()) this.dirty.add(s);
    }
    for (const s of tx.scripts()) {
      const cur = this.byScript.get(s);
      if (cur === undefined) this.byScript.set(s, tx);
      else if (cur instanceof Set) cur.add(tx);
      else this.byScript.set(s, new Set([cur, tx]));
      this.dirty.add(s);
    }
    this.histogram = null;
  }

  /**
   * Removes a transaction (confirmed, replaced, evicted). Its mempool children stay until told
   * otherwise (a confirmed parent leaves them valid) and lose an unconfirmed input each.
   */
  remove(key: TxKey): MempoolTx | undefined {
    const tx = this.txs.get(key);
    if (!tx) return undefined;
    this.txs.delete(key);
    this.rawBytes -= tx.rawSize;
    for (let i = 0; i < tx.inputCount; i++) {
      const p = tx.prevout(i);
      if (this.spenders.get(p) === tx) this.spenders.delete(p);
    }
    for (let vout = 0; vout < tx.outputCount; vout++) {
      const child = this.spenders.get(outpointKeyOf(key, vout));
      if (child === undefined) continue;
      child.mempoolInputs--;
      // Its height may go from -1 to 0: every script it touches has a new status.
      if (child.mempoolInputs === 0) for (const s of child.scripts()) this.dirty.add(s);
    }
    for (const s of tx.scripts()) {
      const cur = this.byScript.get(s);
      if (cur === tx) this.byScript.delete(s);
      else if (cur instanceof Set) {
        cur.delete(tx);
        if (cur.size === 1) this.byScript.set(s, cur.values().next().value!);
      }
      this.dirty.add(s);
    }
    this.histogram = null;
    return tx;
  }

  /** The transactions touching a script (a new array: safe to keep across changes). */
  txsOf(script: ScriptKey): MempoolTx[] {
    const cur = this.byScript.get(script);
    if (cur === undefined) return [];
    return cur instanceof Set ? [...cur] : [cur];
  }

  hasScript(script: ScriptKey): boolean {
    return this.byScript.has(script);
  }

  /** Scripts with at least one mempool transaction. */
  scripts(): IterableIterator<ScriptKey> {
    return this.byScript.keys();
  }

  /** What the mempool adds to and takes from a script's balance (can be negative). */
  balanceDelta(script: ScriptKey): number {
    let delta = 0;
    for (const tx of this.txsOf(script)) {
      for (let i = 0; i < tx.outputCount; i++) if (tx.outScript(i) === script) delta += tx.outValue(i);
      for (let i = 0; i < tx.inputCount; i++) if (tx.inScript(i) === script) delta -= tx.inValue(i);
    }
    return delta;
  }

  /** Mempool outputs paying a script that no mempool transaction spends. */
  utxosOf(script: ScriptKey): MempoolUtxo[] {
    const out: MempoolUtxo[] = [];
    for (const tx of this.txsOf(script)) {
      for (let vout = 0; vout < tx.outputCount; vout++) {
        if (tx.outScript(vout) === script && !this.spenders.has(outpointKeyOf(tx.key, vout))) out.push({ tx, vout, value: tx.outValue(vout) });
      }
    }
    return out;
  }

  /** Scripts whose mempool part changed since the last call. */
  takeDirty(): Set<ScriptKey> {
    const d = this.dirty;
    this.dirty = new Set();
    return d;
  }

  /** The fee histogram (ElectrumX's bins), computed once per change. */
  feeHistogram(): FeeHistogram {
    this.histogram ??= feeHistogram(this.txs.values());
    return this.histogram;
  }
}
