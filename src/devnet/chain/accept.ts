// Mempool acceptance, following Bitcoin Core 31's MemPoolAccept (PreChecks, ReplacementChecks,
// script checks), its reject reasons, debug strings and RPC codes: full RBF with the cluster
// mempool's rules (feerate diagram), cluster limits instead of ancestor/descendant limits, TRUC
// (version 3) rules, Core 30's relay fees and OP_RETURN budget, Core 29's single dust output.
import { toDisplayHex } from '../../chain/hash.js';
import { sha256d } from '../../chain/hash.js';
import { isUnspendable } from '../../chain/scripthash.js';
import { isCoinbase, isCoinbaseInput, parseTx, txWeight, type Tx } from '../../chain/tx.js';
import type { ChainState } from './chainstate.js';
import { chunkCluster, compareDiagrams, type ClusterTx } from './cluster.js';
import { isFinalTx } from './final.js';
import { chunksOfEntries, type Entry, type Mempool } from './mempool.js';
import {
  CLUSTER_COUNT_LIMIT, CLUSTER_WEIGHT_LIMIT, DUST_RELAY_SAT_PER_KVB, feeAt, INCREMENTAL_RELAY_SAT_PER_KVB, MAX_DATACARRIER_BYTES,
  MAX_DUST_OUTPUTS_PER_TX, MAX_REPLACEMENT_CANDIDATES, MAX_STANDARD_TX_WEIGHT, MIN_RELAY_SAT_PER_KVB, PERMIT_BARE_MULTISIG,
  TRUC_CHILD_MAX_VSIZE, TRUC_MAX_VSIZE, TRUC_VERSION,
} from './policy.js';
import { classify, isPushOnly, parseMultisig } from './scripts.js';
import { DevnetRejectError, MEMPOOL_HEIGHT, type SpentOutput } from './types.js';
import { outpointKey } from './utxo.js';
import { ScriptError, verifyInputs } from './verify.js';

export const RPC_DESERIALIZATION_ERROR = -22;
export const RPC_TRANSACTION_ERROR = -25;
export const RPC_TRANSACTION_REJECTED = -26;
export const RPC_ALREADY_IN_UTXO_SET = -27;

const MAX_MONEY = 21_000_000 * 100_000_000;

/**
 * Core's TxValidationResult, as far as callers care: 'missing-inputs' (TX_MISSING_INPUTS, -25
 * from sendrawtransaction, "missing-inputs" in testmempoolaccept), 'reconsiderable' (fee-related,
 * retried as a package), 'conflict' (already known), everything else.
 */
export type RejectKind = 'consensus' | 'not-standard' | 'policy' | 'missing-inputs' | 'reconsiderable' | 'conflict';

/** A mempool rejection: reason and debug string kept apart (testmempoolaccept reports both). */
export class TxRejectError extends DevnetRejectError {
  constructor(
    readonly reason: string,
    readonly debug: string | undefined,
    readonly kind: RejectKind,
  ) {
    super(kind === 'missing-inputs' ? RPC_TRANSACTION_ERROR : RPC_TRANSACTION_REJECTED, debug ? `${reason}, ${debug}` : reason);
    this.name = 'TxRejectError';
  }
}

export interface AcceptOptions {
  /** Skip signature checks (txs coming back from disconnected blocks were checked before). */
  readonly skipScripts?: boolean;
  /** Skip fee and cluster limits (reorg re-adds, as bitcoind's bypass_limits). */
  readonly bypassLimits?: boolean;
  /** Full RBF (Core's only mode since 28); false restores opt-in RBF ('txn-mempool-conflict'). */
  readonly fullRbf?: boolean;
  /** False in testmempoolaccept's package mode: any conflict is 'bip125-replacement-disallowed'. */
  readonly allowReplacement?: boolean;
  /** Package validation: the individual fee-rate check is left to the package (m_package_feerates). */
  readonly packageFeerates?: boolean;
}

export interface Accepted {
  readonly tx: Tx;
  readonly raw: Buffer;
  readonly wtxid: Buffer;
  readonly fee: number;
  readonly vsize: number;
  readonly weight: number;
  readonly prevouts: SpentOutput[];
  /** Mempool entries this tx replaces (conflicts and their descendants). */
  readonly replaced: Entry[];
}

function reject(reason: string, debug?: string, kind: RejectKind = 'policy'): never {
  throw new TxRejectError(reason, debug, kind);
}

/** bitcoind's FormatMoney: at least two decimals, trailing zeros trimmed. */
export function formatMoney(sats: number): string {
  const s = `${Math.floor(sats / 1e8)}.${String(sats % 1e8).padStart(8, '0')}`;
  return s.replace(/(\.\d\d\d*?)0+$/, '$1');
}

export function decodeTx(raw: Buffer): Tx {
  try {
    const tx = parseTx(raw);
    if (tx.inputs.length === 0) throw new RangeError('no inputs');
    return tx;
  } catch {
    throw new DevnetRejectError(RPC_DESERIALIZATION_ERROR, 'TX decode failed. Make sure the tx has at least one input.');
  }
}

/** Core's dust threshold for an output at the 3 sat/vB dust relay fee. */
export function dustThreshold(script: Buffer): number {
  if (isUnspendable(script)) return 0;
  const type = classify(script);
  const witness = type.startsWith('witness_');
  const outSize = 8 + (script.length < 0xfd ? 1 : 3) + script.length;
  const spendSize = witness ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return feeAt(DUST_RELAY_SAT_PER_KVB, outSize + spendSize);
}

function dustOutputs(tx: Tx): number {
  let n = 0;
  for (const o of tx.outputs) if (o.value < dustThreshold(o.script)) n++;
  return n;
}

/** IsStandardTx (Core 30+: one shared OP_RETURN budget; Core 29+: at most one dust output). */
function checkStandard(tx: Tx, weight: number): void {
  if (tx.version < 1 || tx.version > 3) reject('version', undefined, 'not-standard');
  if (weight > MAX_STANDARD_TX_WEIGHT) reject('tx-size', undefined, 'not-standard');
  for (const input of tx.inputs) {
    if (input.scriptSig.length > 1650) reject('scriptsig-size', undefined, 'not-standard');
    if (!isPushOnly(input.scriptSig)) reject('scriptsig-not-pushonly', undefined, 'not-standard');
  }
  let carrierLeft = MAX_DATACARRIER_BYTES;
  for (const o of tx.outputs) {
    const type = classify(o.script);
    if (type === 'nonstandard') reject('scriptpubkey', undefined, 'not-standard');
    if (type === 'multisig') {
      if (parseMultisig(o.script)!.pubkeys.length > 3) reject('scriptpubkey', undefined, 'not-standard');
      if (!PERMIT_BARE_MULTISIG) reject('bare-multisig', undefined, 'not-standard');
    }
    if (type === 'nulldata') {
      if (o.script.length > carrierLeft) reject('datacarrier', undefined, 'not-standard');
      carrierLeft -= o.script.length;
    }
  }
  if (dustOutputs(tx) > MAX_DUST_OUTPUTS_PER_TX) reject('dust', undefined, 'not-standard');
}

/** CheckTransaction: context-free consensus checks. */
function checkTransaction(tx: Tx): void {
  if (tx.outputs.length === 0) reject('bad-txns-vout-empty', undefined, 'consensus');
  if (tx.baseSize * 4 > 4_000_000) reject('bad-txns-oversize', undefined, 'consensus');
  let valueOut = 0;
  for (const o of tx.outputs) {
    if (o.value > MAX_MONEY) reject('bad-txns-vout-toolarge', undefined, 'consensus');
    valueOut += o.value;
    if (valueOut > MAX_MONEY) reject('bad-txns-txouttotal-toolarge', undefined, 'consensus');
  }
  const seen = new Set<string>();
  for (const i of tx.inputs) {
    const k = outpointKey(i.prevTxid, i.prevVout);
    if (seen.has(k)) reject('bad-txns-inputs-duplicate', undefined, 'consensus');
    seen.add(k);
  }
  if (isCoinbase(tx)) {
    const len = tx.inputs[0]!.scriptSig.length;
    if (len < 2 || len > 100) reject('bad-cb-length', undefined, 'consensus');
  } else if (tx.inputs.some(isCoinbaseInput)) reject('bad-txns-prevout-null', undefined, 'consensus');
}

/** BIP125 signal: nSequence below 0xfffffffe on any input. */
export function signalsRbf(tx: Tx): boolean {
  return tx.inputs.some((i) => i.sequence < 0xfffffffe);
}

/**
 * PreChecks and the replacement/cluster/TRUC checks of one transaction against the active
 * chain's UTXO set plus the mempool (which may hold staged package transactions). Throws
 * TxRejectError with bitcoind's reason; changes nothing. Scripts are checked by checkScripts.
 */
export function checkForMempool(raw: Buffer, chain: ChainState, mempool: Mempool, opts: AcceptOptions = {}): Accepted {
  const tx = decodeTx(raw);
  const weight = txWeight(tx);
  const vsize = Math.ceil(weight / 4);
  const wtxid = tx.hasWitness ? sha256d(raw) : tx.txid;
  checkTransaction(tx);
  if (isCoinbase(tx)) reject('coinbase', undefined, 'consensus');
  checkStandard(tx, weight);
  if (tx.baseSize < 65) reject('tx-size-small', undefined, 'not-standard');
  const tip = chain.tip;
  if (!isFinalTx(tx, tip.height + 1, tip.medianTimePast())) reject('non-final', undefined, 'not-standard');
  const same = mempool.get(tx.txid);
  if (same) {
    if (same.wtxid.equals(wtxid)) reject('txn-already-in-mempool', undefined, 'conflict');
    reject('txn-same-nonwitness-data-in-mempool', undefined, 'conflict');
  }
  // Conflicts with the mempool
  const conflicts = new Map<string, Entry>();
  for (const i of tx.inputs) {
    const spender = mempool.spender(i.prevTxid, i.prevVout);
    if (!spender) continue;
    if (opts.allowReplacement === false) reject('bip125-replacement-disallowed');
    conflicts.set(spender.key, spender);
  }
  if (conflicts.size && opts.fullRbf === false) {
    if (![...conflicts.values()].some((c) => signalsRbf(c.tx) || c.tx.version === TRUC_VERSION)) reject('txn-mempool-conflict', undefined, 'conflict');
  }
  // Inputs: the UTXO set plus the mempool
  const prevouts: SpentOutput[] = [];
  const parents = new Map<string, Entry>();
  for (const i of tx.inputs) {
    const parent = mempool.get(i.prevTxid);
    const out = parent?.tx.outputs[i.prevVout];
    if (parent && out) {
      parents.set(parent.key, parent);
      prevouts.push({ value: out.value, script: out.script, height: MEMPOOL_HEIGHT, coinbase: false });
      continue;
    }
    const coin = parent ? undefined : chain.coin(i.prevTxid, i.prevVout);
    if (!coin) {
      if (tx.outputs.some((_, vout) => chain.utxo.getKey(outpointKey(tx.txid, vout)) !== undefined)) reject('txn-already-known', undefined, 'conflict');
      reject('bad-txns-inputs-missingorspent', undefined, 'missing-inputs');
    }
    prevouts.push(coin);
  }
  // CheckTxInputs
  const spendHeight = tip.height + 1;
  let valueIn = 0;
  for (const p of prevouts) {
    if (p.coinbase && spendHeight - p.height < chain.coinbaseMaturity) {
      reject('bad-txns-premature-spend-of-coinbase', `tried to spend coinbase at depth ${spendHeight - p.height}`, 'consensus');
    }
    valueIn += p.value;
  }
  const valueOut = tx.outputs.reduce((s, o) => s + o.value, 0);
  if (valueIn < valueOut) reject('bad-txns-in-belowout', `value in (${formatMoney(valueIn)}) < value out (${formatMoney(valueOut)})`, 'consensus');
  const fee = valueIn - valueOut;
  if (!opts.bypassLimits) {
    const minFee = feeAt(MIN_RELAY_SAT_PER_KVB, vsize);
    // Below the relay minimum only TRUC txs may be fee-bumped by a package.
    if (tx.version !== TRUC_VERSION && fee < minFee) reject('min relay fee not met', `${fee} < ${minFee}`);
    if (!opts.packageFeerates && fee < minFee) reject('min relay fee not met', `${fee} < ${minFee}`, 'reconsiderable');
  }
  // PreCheckEphemeralTx: the one dust output allowed needs a 0-fee tx.
  if (fee !== 0 && dustOutputs(tx) > 0) reject('dust', 'tx with dust output must be 0-fee', 'not-standard');
  const ancestors = new Set<Entry>();
  for (const p of parents.values()) {
    ancestors.add(p);
    for (const a of mempool.ancestors(p)) ancestors.add(a);
  }
  checkTruc(tx, wtxid, vsize, ancestors, conflicts);
  // A transaction that spends outputs that would be replaced by it is invalid.
  for (const a of ancestors) {
    if (conflicts.has(a.key)) reject('bad-txns-spends-conflicting-tx', `${toDisplayHex(tx.txid)} spends conflicting transaction ${toDisplayHex(a.txid)}`, 'consensus');
  }
  let replaced: Entry[] = [];
  if (conflicts.size) {
    replaced = checkReplacement(tx, fee, vsize, weight, conflicts, [...parents.values()], mempool, opts);
  } else if (!opts.bypassLimits) {
    checkClusterLimit([...parents.values()], new Set(), weight);
  }
  return { tx, raw, wtxid, fee, vsize, weight, prevouts, replaced };
}

/** PolicyScriptChecks: bitcoind's script error, as a consensus failure. */
export function checkScripts(ok: Accepted): void {
  try {
    verifyInputs(ok.raw, ok.prevouts);
  } catch (err) {
    if (err instanceof ScriptError) reject(`mandatory-script-verify-flag-failed (${err.message})`, undefined, 'consensus');
    throw err;
  }
}

/** SingleTRUCChecks (without sibling eviction). */
function checkTruc(tx: Tx, wtxid: Buffer, vsize: number, ancestors: Set<Entry>, conflicts: Map<string, Entry>): void {
  const id = `${toDisplayHex(tx.txid)} (wtxid=${toDisplayHex(wtxid)})`;
  for (const a of ancestors) {
    const other = `${toDisplayHex(a.txid)} (wtxid=${toDisplayHex(a.wtxid)})`;
    if (tx.version !== TRUC_VERSION && a.tx.version === TRUC_VERSION) reject('TRUC-violation', `non-version=3 tx ${id} cannot spend from version=3 tx ${other}`);
    if (tx.version === TRUC_VERSION && a.tx.version !== TRUC_VERSION) reject('TRUC-violation', `version=3 tx ${id} cannot spend from non-version=3 tx ${other}`);
  }
  if (tx.version !== TRUC_VERSION) return;
  if (vsize > TRUC_MAX_VSIZE) reject('TRUC-violation', `version=3 tx ${id} is too big: ${vsize} > ${TRUC_MAX_VSIZE} virtual bytes`);
  if (ancestors.size + 1 > 2) reject('TRUC-violation', `tx ${id} would have too many ancestors`);
  if (ancestors.size > 0) {
    if (vsize > TRUC_CHILD_MAX_VSIZE) reject('TRUC-violation', `version=3 child tx ${id} is too big: ${vsize} > ${TRUC_CHILD_MAX_VSIZE} virtual bytes`);
    const parent = [...ancestors][0]!;
    const childReplaced = [...parent.children].some((c) => conflicts.has(c.key));
    if (parent.children.size + 2 > 2 && !childReplaced) {
      reject('TRUC-violation', `tx ${toDisplayHex(parent.txid)} (wtxid=${toDisplayHex(parent.wtxid)}) would exceed descendant count limit`);
    }
  }
}

/** The cluster the new tx would join (parents' clusters without `removed`) must stay within the limits. */
function checkClusterLimit(parents: Entry[], removed: Set<Entry>, weight: number): void {
  const seen = new Set<Entry>();
  const queue: Entry[] = [];
  for (const p of parents) if (!removed.has(p) && !seen.has(p)) { seen.add(p); queue.push(p); }
  let w = weight;
  for (let i = 0; i < queue.length; i++) {
    const e = queue[i]!;
    w += e.weight;
    if (queue.length + 1 > CLUSTER_COUNT_LIMIT || w > CLUSTER_WEIGHT_LIMIT) reject('too-large-cluster', undefined);
    for (const n of e.parents) if (!removed.has(n) && !seen.has(n)) { seen.add(n); queue.push(n); }
    for (const n of e.children) if (!removed.has(n) && !seen.has(n)) { seen.add(n); queue.push(n); }
  }
  if (queue.length + 1 > CLUSTER_COUNT_LIMIT || w > CLUSTER_WEIGHT_LIMIT) reject('too-large-cluster', undefined);
}

/** ReplacementChecks as Core 31 runs them: rule 5 on clusters, rules 3 and 4, cluster limits, the feerate diagram. */
function checkReplacement(
  tx: Tx, fee: number, vsize: number, weight: number, conflicts: Map<string, Entry>, parents: Entry[], mempool: Mempool, opts: AcceptOptions,
): Entry[] {
  const id = toDisplayHex(tx.txid);
  const clusterOf = new Map<Entry, number>();
  let clusters = 0;
  for (const c of conflicts.values()) {
    if (clusterOf.has(c)) continue;
    for (const e of mempool.cluster(c)) clusterOf.set(e, clusters);
    clusters++;
  }
  if (clusters > MAX_REPLACEMENT_CANDIDATES) {
    reject('too many potential replacements', `rejecting replacement ${id}; too many conflicting clusters (${clusters} > ${MAX_REPLACEMENT_CANDIDATES})`);
  }
  const all = new Set<Entry>();
  for (const c of conflicts.values()) for (const d of mempool.withDescendants(c)) all.add(d);
  let replacedFees = 0;
  for (const e of all) replacedFees += e.fee;
  if (fee < replacedFees) {
    reject('insufficient fee', `rejecting replacement ${id}, less fees than conflicting txs; ${formatMoney(fee)} < ${formatMoney(replacedFees)}`, 'reconsiderable');
  }
  const relay = feeAt(INCREMENTAL_RELAY_SAT_PER_KVB, vsize);
  if (fee - replacedFees < relay) {
    reject('insufficient fee', `rejecting replacement ${id}, not enough additional fees to relay; ${formatMoney(fee - replacedFees)} < ${formatMoney(relay)}`, 'reconsiderable');
  }
  if (!opts.bypassLimits) checkClusterLimit(parents, all, weight);
  if (!improvesDiagram(mempool, all, parents, fee, weight)) {
    reject('replacement-failed', 'insufficient feerate: does not improve feerate diagram', 'reconsiderable');
  }
  return [...all];
}

/**
 * ImprovesFeerateDiagram: the chunks of every cluster touched (the conflicts' and the parents')
 * before, against the same clusters with the conflicts gone and the new tx in; the new diagram
 * must be at least as good everywhere and better somewhere.
 */
function improvesDiagram(mempool: Mempool, removed: Set<Entry>, parents: Entry[], fee: number, weight: number): boolean {
  const touched = new Set<Entry>();
  for (const start of [...removed, ...parents]) {
    if (touched.has(start)) continue;
    for (const e of mempool.cluster(start)) touched.add(e);
  }
  const before: Array<{ fee: number; weight: number }> = [];
  const done = new Set<Entry>();
  for (const e of touched) {
    if (done.has(e)) continue;
    const cluster = mempool.cluster(e);
    for (const x of cluster) done.add(x);
    before.push(...chunksOfEntries(cluster));
  }
  const kept = [...touched].filter((e) => !removed.has(e));
  const index = new Map<Entry, number>();
  kept.forEach((e, i) => index.set(e, i));
  const txs: ClusterTx[] = kept.map((e) => ({
    fee: e.fee, weight: e.weight, parents: [...e.parents].map((p) => index.get(p)).filter((i): i is number => i !== undefined),
  }));
  txs.push({ fee, weight, parents: parents.filter((p) => index.has(p)).map((p) => index.get(p)!) });
  // Chunk each connected part of the new graph separately.
  const after: Array<{ fee: number; weight: number }> = [];
  for (const part of components(txs)) after.push(...chunkCluster(part));
  return compareDiagrams(after, before) === 1;
}

/** Splits a small graph into its connected parts, re-indexed. */
function components(txs: ClusterTx[]): ClusterTx[][] {
  const n = txs.length;
  const adj: number[][] = Array.from({ length: n }, () => []);
  txs.forEach((t, i) => t.parents.forEach((p) => { adj[i]!.push(p); adj[p]!.push(i); }));
  const comp = new Array<number>(n).fill(-1);
  const parts: number[][] = [];
  for (let s = 0; s < n; s++) {
    if (comp[s] !== -1) continue;
    const members = [s];
    comp[s] = parts.length;
    for (let k = 0; k < members.length; k++) for (const m of adj[members[k]!]!) if (comp[m] === -1) { comp[m] = parts.length; members.push(m); }
    parts.push(members);
  }
  return parts.map((members) => {
    const local = new Map<number, number>();
    members.forEach((m, i) => local.set(m, i));
    return members.map((m) => ({ fee: txs[m]!.fee, weight: txs[m]!.weight, parents: txs[m]!.parents.map((p) => local.get(p)!) }));
  });
}
