// Mempool acceptance, following bitcoind 28's MemPoolAccept checks, reasons and RPC codes
// (full RBF on by default, as in Core 28).
import { toDisplayHex } from '../../chain/hash.js';
import { sha256d } from '../../chain/hash.js';
import { isUnspendable } from '../../chain/scripthash.js';
import { isCoinbase, parseTx, txWeight, type Tx } from '../../chain/tx.js';
import type { ChainState } from './chainstate.js';
import { isFinalTx } from './final.js';
import type { Entry, Mempool } from './mempool.js';
import { classify, isPushOnly, parseMultisig } from './scripts.js';
import { DevnetRejectError, MEMPOOL_HEIGHT, type SpentOutput } from './types.js';
import { ScriptError, verifyInputs } from './verify.js';

export const RPC_DESERIALIZATION_ERROR = -22;
export const RPC_TRANSACTION_ERROR = -25;
export const RPC_TRANSACTION_REJECTED = -26;
export const RPC_ALREADY_IN_UTXO_SET = -27;

const MAX_MONEY = 21_000_000 * 100_000_000;
const MAX_STANDARD_WEIGHT = 400_000;
const MIN_RELAY_SAT_PER_KVB = 1000;
const DUST_RELAY_SAT_PER_KVB = 3000;
const ANCESTOR_LIMIT = 25;
const DESCENDANT_LIMIT = 25;
const MAX_REPLACEMENTS = 100;

export interface AcceptOptions {
  /** Skip signature checks (txs coming back from disconnected blocks were checked before). */
  readonly skipScripts?: boolean;
  /** Skip fee and package limits (reorg re-adds, as bitcoind's bypass_limits). */
  readonly bypassLimits?: boolean;
  /** Full RBF (Core 28 default true): any conflicting tx may be replaced if it pays enough. */
  readonly fullRbf?: boolean;
}

export interface Accepted {
  readonly tx: Tx;
  readonly wtxid: Buffer;
  readonly fee: number;
  readonly vsize: number;
  readonly weight: number;
  readonly prevouts: SpentOutput[];
  /** Mempool entries this tx replaces (conflicts and their descendants). */
  readonly replaced: Entry[];
}

function reject(reason: string, debug?: string, code = RPC_TRANSACTION_REJECTED): never {
  throw new DevnetRejectError(code, debug ? `${reason}, ${debug}` : reason);
}

/** bitcoind's FormatMoney: at least two decimals, trailing zeros trimmed. */
export function formatMoney(sats: number): string {
  const s = `${Math.floor(sats / 1e8)}.${String(sats % 1e8).padStart(8, '0')}`;
  return s.replace(/(\.\d\d\d*?)0+$/, '$1');
}

function formatFeeRate(satPerKvB: number): string {
  return `${formatMoney(Math.floor(satPerKvB)).replace(/\.(\d+)$/, (_, d: string) => '.' + d.padEnd(8, '0'))} BTC/kvB`;
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
  return Math.floor(((outSize + spendSize) * DUST_RELAY_SAT_PER_KVB) / 1000);
}

function checkStandard(tx: Tx, weight: number): void {
  if (tx.version < 1 || tx.version > 3) reject('version');
  if (weight > MAX_STANDARD_WEIGHT) reject('tx-size');
  for (const input of tx.inputs) {
    if (input.scriptSig.length > 1650) reject('scriptsig-size');
    if (!isPushOnly(input.scriptSig)) reject('scriptsig-not-pushonly');
  }
  let nulldata = 0;
  for (const o of tx.outputs) {
    const type = classify(o.script);
    if (type === 'nonstandard') reject('scriptpubkey');
    if (type === 'multisig' && parseMultisig(o.script)!.pubkeys.length > 3) reject('scriptpubkey');
    if (type === 'nulldata') {
      if (o.script.length > 83) reject('scriptpubkey');
      nulldata++;
    } else if (o.value < dustThreshold(o.script)) reject('dust');
  }
  if (nulldata > 1) reject('multi-op-return');
}

/**
 * Checks a transaction for the mempool against the active chain's UTXO set plus the mempool.
 * Throws DevnetRejectError with bitcoind's code and message; does not modify anything.
 */
export function checkForMempool(raw: Buffer, chain: ChainState, mempool: Mempool, opts: AcceptOptions = {}): Accepted {
  const tx = decodeTx(raw);
  const weight = txWeight(tx);
  const vsize = Math.ceil(weight / 4);
  // CheckTransaction
  if (tx.outputs.length === 0) reject('bad-txns-vout-empty');
  if (tx.baseSize > 1_000_000) reject('bad-txns-oversize');
  let valueOut = 0;
  for (const o of tx.outputs) {
    if (o.value > MAX_MONEY) reject('bad-txns-vout-toolarge');
    valueOut += o.value;
    if (valueOut > MAX_MONEY) reject('bad-txns-txouttotal-toolarge');
  }
  const seen = new Set<string>();
  for (const i of tx.inputs) {
    const k = i.prevTxid.toString('hex') + ':' + i.prevVout;
    if (seen.has(k)) reject('bad-txns-inputs-duplicate');
    seen.add(k);
  }
  if (isCoinbase(tx)) reject('coinbase');
  checkStandard(tx, weight);
  if (tx.baseSize < 65) reject('tx-size-small');
  const tip = chain.tip;
  if (!isFinalTx(tx, tip.height + 1, tip.medianTimePast())) reject('non-final');
  // Conflicts with the mempool
  const conflicts = new Map<string, Entry>();
  for (const i of tx.inputs) {
    const spender = mempool.spender(i.prevTxid, i.prevVout);
    if (spender) conflicts.set(spender.txid.toString('hex'), spender);
  }
  if (conflicts.size && !(opts.fullRbf ?? true)) {
    const signals = [...conflicts.values()].some((c) => c.tx.inputs.some((i) => i.sequence < 0xfffffffe));
    if (!signals) reject('txn-mempool-conflict');
  }
  // Inputs
  const prevouts: SpentOutput[] = [];
  const parents = new Map<string, Entry>();
  for (const i of tx.inputs) {
    const parent = mempool.get(i.prevTxid);
    const out = parent?.tx.outputs[i.prevVout];
    if (parent && out) {
      parents.set(parent.txid.toString('hex'), parent);
      prevouts.push({ value: out.value, script: out.script, height: MEMPOOL_HEIGHT, coinbase: false });
      continue;
    }
    const coin = chain.coin(i.prevTxid, i.prevVout);
    if (!coin) reject('bad-txns-inputs-missingorspent', undefined, RPC_TRANSACTION_ERROR);
    prevouts.push(coin);
  }
  const spendHeight = tip.height + 1;
  let valueIn = 0;
  for (const p of prevouts) {
    if (p.coinbase && spendHeight - p.height < chain.coinbaseMaturity) {
      reject('bad-txns-premature-spend-of-coinbase', `tried to spend coinbase at depth ${spendHeight - p.height}`);
    }
    valueIn += p.value;
  }
  if (valueIn < valueOut) reject('bad-txns-in-belowout', `value in (${formatMoney(valueIn)}) < value out (${formatMoney(valueOut)})`);
  const fee = valueIn - valueOut;
  if (!opts.bypassLimits) {
    const minFee = Math.floor((vsize * MIN_RELAY_SAT_PER_KVB) / 1000);
    if (fee < minFee) reject('min relay fee not met', `${fee} < ${minFee}`);
    checkPackageLimits(mempool, [...parents.values()]);
  }
  const replaced = conflicts.size ? checkReplacement(tx, fee, vsize, conflicts, parents, mempool) : [];
  if (!opts.skipScripts) {
    try {
      verifyInputs(raw, prevouts);
    } catch (err) {
      if (err instanceof ScriptError) reject(`mandatory-script-verify-flag-failed (${err.message})`);
      throw err;
    }
  }
  return { tx, wtxid: sha256d(raw), fee, vsize, weight, prevouts, replaced };
}

function checkPackageLimits(mempool: Mempool, parents: Entry[]): void {
  const ancestors = new Map<string, Entry>();
  for (const p of parents) {
    ancestors.set(p.txid.toString('hex'), p);
    for (const a of mempool.ancestors(p)) ancestors.set(a.txid.toString('hex'), a);
  }
  if (ancestors.size + 1 > ANCESTOR_LIMIT) reject('too-long-mempool-chain', `too many unconfirmed ancestors [limit: ${ANCESTOR_LIMIT}]`);
  for (const a of ancestors.values()) {
    if (mempool.descendants(a).length + 2 > DESCENDANT_LIMIT) {
      reject('too-long-mempool-chain', `too many descendants for tx ${toDisplayHex(a.txid)} [limit: ${DESCENDANT_LIMIT}]`);
    }
  }
}

/** BIP125 rules as Core 28 applies them under full RBF. */
function checkReplacement(tx: Tx, fee: number, vsize: number, conflicts: Map<string, Entry>, parents: Map<string, Entry>, mempool: Mempool): Entry[] {
  const id = toDisplayHex(tx.txid);
  const newRate = (fee * 1000) / vsize;
  for (const c of conflicts.values()) {
    const oldRate = (c.fee * 1000) / c.vsize;
    if (newRate <= oldRate) {
      reject('insufficient fee', `rejecting replacement ${id}; new feerate ${formatFeeRate(newRate)} <= old feerate ${formatFeeRate(oldRate)}`);
    }
  }
  const all = new Map<string, Entry>();
  for (const c of conflicts.values()) for (const d of mempool.withDescendants(c)) all.set(d.txid.toString('hex'), d);
  if (all.size > MAX_REPLACEMENTS) reject('too many potential replacements', `rejecting replacement ${id}; too many potential replacements (${all.size} > ${MAX_REPLACEMENTS})`);
  for (const [k, p] of parents) {
    if (all.has(k)) reject('bad-txns-spends-conflicting-tx', `${id} spends conflicting transaction ${toDisplayHex(p.txid)}`);
  }
  const conflictParents = new Set<string>();
  for (const c of conflicts.values()) for (const i of c.tx.inputs) conflictParents.add(i.prevTxid.toString('hex'));
  tx.inputs.forEach((i, idx) => {
    const k = i.prevTxid.toString('hex');
    if (parents.has(k) && !conflictParents.has(k)) reject('replacement-adds-unconfirmed', `replacement ${id} adds unconfirmed input, idx ${idx}`);
  });
  const replacedFees = [...all.values()].reduce((s, e) => s + e.fee, 0);
  if (fee < replacedFees) reject('insufficient fee', `rejecting replacement ${id}, less fees than conflicting txs; ${formatMoney(fee)} < ${formatMoney(replacedFees)}`);
  const extra = fee - replacedFees;
  const relay = Math.floor((vsize * MIN_RELAY_SAT_PER_KVB) / 1000);
  if (extra < relay) reject('insufficient fee', `rejecting replacement ${id}, not enough additional fees to relay; ${formatMoney(extra)} < ${formatMoney(relay)}`);
  return [...all.values()];
}
