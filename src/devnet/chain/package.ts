// Package validation as Core 31's ProcessNewPackage does it: IsWellFormedPackage, then either
// AcceptMultipleTransactions (testmempoolaccept with several txs: each tx against the mempool plus
// the earlier package txs, nothing kept) or AcceptPackage (submitpackage: each tx alone first,
// then the ones that failed on fees or missing inputs together, at their package feerate).
import { txWeight, type Tx } from '../../chain/tx.js';
import { checkForMempool, checkScripts, TxRejectError, type Accepted } from './accept.js';
import type { Engine } from './engine.js';
import { feeAt, feeRatePerKvB, MAX_PACKAGE_COUNT, MAX_PACKAGE_WEIGHT, MIN_RELAY_SAT_PER_KVB } from './policy.js';
import { outpointKey } from './utxo.js';
import { sha256d } from '../../chain/hash.js';

export type TxResult =
  | { readonly type: 'valid'; readonly tx: Tx; readonly wtxid: Buffer; readonly vsize: number; readonly fee: number;
      /** sat/kvB */ readonly effectiveFeerate: number; readonly effectiveIncludes: Buffer[]; readonly replaced: Buffer[] }
  | { readonly type: 'mempool'; readonly tx: Tx; readonly wtxid: Buffer; readonly vsize: number; readonly fee: number }
  | { readonly type: 'different-witness'; readonly tx: Tx; readonly wtxid: Buffer; readonly otherWtxid: Buffer }
  | { readonly type: 'invalid'; readonly tx: Tx; readonly wtxid: Buffer; readonly error: TxRejectError };

/** PackageValidationState: PCKG_POLICY (the package itself) or PCKG_TX (one of its txs). */
export interface PackageState {
  readonly result: 'policy' | 'tx';
  readonly reason: string;
  readonly debug?: string;
}

export interface PackageResult {
  readonly state?: PackageState;
  /** Keyed by wtxid (hex, internal order). */
  readonly results: Map<string, TxResult>;
}

export function packageStateString(s: PackageState): string {
  return s.debug ? `${s.reason}, ${s.debug}` : s.reason;
}

export function wtxidOf(tx: Tx): Buffer {
  return tx.hasWitness ? sha256d(tx.raw) : tx.txid;
}

const TX_FAILED: PackageState = { result: 'tx', reason: 'transaction failed' };

/** IsWellFormedPackage. */
export function wellFormed(txs: readonly Tx[], requireSorted: boolean): PackageState | undefined {
  const policy = (reason: string): PackageState => ({ result: 'policy', reason });
  if (txs.length > MAX_PACKAGE_COUNT) return policy('package-too-many-transactions');
  const weight = txs.reduce((s, t) => s + txWeight(t), 0);
  if (txs.length > 1 && weight > MAX_PACKAGE_WEIGHT) return policy('package-too-large');
  const later = new Set(txs.map((t) => t.txid.toString('hex')));
  if (later.size !== txs.length) return policy('package-contains-duplicates');
  if (requireSorted) {
    for (const t of txs) {
      if (t.inputs.some((i) => later.has(i.prevTxid.toString('hex')))) return policy('package-not-sorted');
      later.delete(t.txid.toString('hex'));
    }
  }
  const seen = new Set<string>();
  for (const t of txs) {
    const mine = t.inputs.map((i) => outpointKey(i.prevTxid, i.prevVout));
    if (mine.some((k) => seen.has(k))) return policy('conflict-in-package');
    for (const k of mine) seen.add(k);
  }
  return undefined;
}

/** IsChildWithParents: every tx but the last is a parent of the last. */
export function isChildWithParents(txs: readonly Tx[]): boolean {
  if (txs.length < 2) return false;
  const child = txs[txs.length - 1]!;
  const inputs = new Set(child.inputs.map((i) => i.prevTxid.toString('hex')));
  return txs.slice(0, -1).every((p) => inputs.has(p.txid.toString('hex')));
}

/** IsChildWithParentsTree: and no parent spends another parent. */
export function isChildWithParentsTree(txs: readonly Tx[]): boolean {
  if (!isChildWithParents(txs)) return false;
  const parents = new Set(txs.slice(0, -1).map((p) => p.txid.toString('hex')));
  return txs.slice(0, -1).every((p) => p.inputs.every((i) => !parents.has(i.prevTxid.toString('hex'))));
}

function invalid(tx: Tx, error: unknown): TxResult {
  if (!(error instanceof TxRejectError)) throw error;
  return { type: 'invalid', tx, wtxid: wtxidOf(tx), error };
}

function valid(ok: Accepted, effectiveFeerate: number, effectiveIncludes: Buffer[]): TxResult {
  return {
    type: 'valid', tx: ok.tx, wtxid: ok.wtxid, vsize: ok.vsize, fee: ok.fee, effectiveFeerate, effectiveIncludes,
    replaced: ok.replaced.map((e) => e.txid),
  };
}

export interface MultiOptions {
  /** testmempoolaccept: nothing is kept. */
  readonly test: boolean;
  /** Judge fees on the package feerate (submitpackage) instead of each tx's own. */
  readonly packageFeerates: boolean;
  /** testmempoolaccept's package mode refuses conflicts with the mempool. */
  readonly allowReplacement: boolean;
  /** submitpackage's maxfeerate, sat/kvB (undefined: no limit). */
  readonly maxFeeRate?: number;
  readonly unbroadcast?: boolean;
}

/** AcceptMultipleTransactions: all or nothing; each tx sees the mempool plus the earlier ones. */
export function acceptMultiple(engine: Engine, txs: readonly Tx[], opts: MultiOptions): PackageResult {
  const bad = wellFormed(txs, true);
  if (bad) return { state: bad, results: new Map() };
  let outcome: PackageResult | undefined;
  engine.staged(() => {
    const oks: Accepted[] = [];
    const fail = (tx: Tx, e: unknown): boolean => {
      outcome = { state: TX_FAILED, results: new Map([[wtxidOf(tx).toString('hex'), invalid(tx, e)]]) };
      return false;
    };
    for (const tx of txs) {
      let ok: Accepted;
      try {
        ok = checkForMempool(tx.raw, engine.chain, engine.mempool, {
          ...engine.defaults, packageFeerates: opts.packageFeerates, allowReplacement: opts.allowReplacement,
        });
      } catch (e) {
        return fail(tx, e);
      }
      if (opts.maxFeeRate !== undefined && feeRatePerKvB(ok.fee, ok.vsize) > opts.maxFeeRate) {
        return fail(tx, new TxRejectError('max feerate exceeded', undefined, 'policy'));
      }
      engine.addAccepted(ok, opts.unbroadcast ?? false);
      oks.push(ok);
    }
    const totalVsize = oks.reduce((s, o) => s + o.vsize, 0);
    const totalFee = oks.reduce((s, o) => s + o.fee, 0);
    if (opts.packageFeerates) {
      const need = feeAt(MIN_RELAY_SAT_PER_KVB, totalVsize);
      if (totalFee < need) return fail(txs[txs.length - 1]!, new TxRejectError('min relay fee not met', `${totalFee} < ${need}`, 'reconsiderable'));
    }
    for (const ok of oks) {
      try {
        checkScripts(ok);
      } catch (e) {
        return fail(ok.tx, e);
      }
    }
    const all = oks.map((o) => o.wtxid);
    const packageRate = feeRatePerKvB(totalFee, totalVsize);
    const results = new Map<string, TxResult>();
    for (const ok of oks) {
      results.set(ok.wtxid.toString('hex'), opts.packageFeerates ? valid(ok, packageRate, all) : valid(ok, feeRatePerKvB(ok.fee, ok.vsize), [ok.wtxid]));
    }
    outcome = { results };
    return !opts.test;
  });
  return outcome!;
}

/** A single tx (testmempoolaccept of one tx, or one step of AcceptPackage). */
export function acceptSingle(engine: Engine, tx: Tx, opts: { test: boolean; maxFeeRate?: number; unbroadcast?: boolean }): TxResult {
  let ok: Accepted;
  try {
    ok = engine.check(tx.raw);
    if (opts.maxFeeRate !== undefined && feeRatePerKvB(ok.fee, ok.vsize) > opts.maxFeeRate) {
      throw new TxRejectError('max feerate exceeded', undefined, 'policy');
    }
  } catch (e) {
    return invalid(tx, e);
  }
  if (!opts.test) engine.addAccepted(ok, opts.unbroadcast ?? false);
  return valid(ok, feeRatePerKvB(ok.fee, ok.vsize), [ok.wtxid]);
}

/** AcceptPackage (submitpackage): the package must be a child with (some of) its parents. */
export function acceptPackage(engine: Engine, txs: readonly Tx[], opts: { maxFeeRate?: number; unbroadcast?: boolean } = {}): PackageResult {
  const bad = wellFormed(txs, true);
  if (bad) return { state: bad, results: new Map() };
  if (txs.length > 1 && !isChildWithParents(txs)) return { state: { result: 'policy', reason: 'package-not-child-with-parents' }, results: new Map() };
  const final = new Map<string, TxResult>();
  const nonFinal = new Map<string, TxResult>();
  const together: Tx[] = [];
  let quitEarly = false;
  for (const tx of txs) {
    const wtxid = wtxidOf(tx);
    const key = wtxid.toString('hex');
    const inPool = engine.mempool.get(tx.txid);
    if (inPool && inPool.wtxid.equals(wtxid)) {
      final.set(key, { type: 'mempool', tx, wtxid, vsize: inPool.vsize, fee: inPool.fee });
    } else if (inPool) {
      final.set(key, { type: 'different-witness', tx, wtxid, otherWtxid: inPool.wtxid });
    } else {
      const single = acceptSingle(engine, tx, { test: false, maxFeeRate: opts.maxFeeRate, unbroadcast: opts.unbroadcast });
      if (single.type === 'valid') {
        final.set(key, single);
      } else if (single.type === 'invalid' && (txs.length === 1 || (single.error.kind !== 'reconsiderable' && single.error.kind !== 'missing-inputs'))) {
        quitEarly = true;
        nonFinal.set(key, single);
      } else {
        nonFinal.set(key, single);
        together.push(tx);
      }
    }
  }
  const multi: PackageResult = quitEarly || together.length === 0
    ? { state: quitEarly ? TX_FAILED : undefined, results: new Map() }
    : acceptMultiple(engine, together, { test: false, packageFeerates: true, allowReplacement: true, maxFeeRate: opts.maxFeeRate, unbroadcast: opts.unbroadcast });
  const results = new Map<string, TxResult>();
  for (const tx of txs) {
    const key = wtxidOf(tx).toString('hex');
    const r = multi.results.get(key) ?? final.get(key) ?? nonFinal.get(key);
    if (r) results.set(key, r);
  }
  return { state: multi.state, results };
}

