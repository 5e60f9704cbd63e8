// Choosing mempool transactions for a block and pre-checking explicit block contents
// (bitcoind's TestBlockValidity for generateblock).
import { isCoinbase, txWeight, type Tx } from '../../chain/tx.js';
import { formatMoney, RPC_TRANSACTION_ERROR } from './accept.js';
import type { ChainState } from './chainstate.js';
import { isFinalTx } from './final.js';
import { chunksOfEntries, type Entry, type Mempool } from './mempool.js';
import { compareFeerate } from './cluster.js';
import { outpointKey } from './utxo.js';
import { DevnetRejectError, type SpentOutput } from './types.js';
import { ScriptError, verifyInputs } from './verify.js';

/** Core's default -blockmaxweight, leaving room for the coinbase. */
const MAX_TEMPLATE_WEIGHT = 3_996_000;

/**
 * Mempool transactions for the next block, as Core 31's BlockAssembler picks them: whole chunks,
 * best chunk feerate first, until the weight limit (or maxTxs). Each tx is checked against the
 * next block's state: final at its height, every input an unspent (mature) coin of the active
 * chain or an output of a tx already taken and not spent by another one. The mempool is kept valid
 * across reorgs; this keeps a stale entry out of a block regardless, and a skipped chunk takes its
 * descendants with it (their parents are missing).
 */
export function selectTransactions(chain: ChainState, mempool: Mempool, maxTxs = Infinity): Entry[] {
  const height = chain.tip.height + 1;
  const mtp = chain.tip.medianTimePast();
  const chunks: Array<{ fee: number; weight: number; entries: Entry[]; cluster: number; index: number }> = [];
  mempool.clusters().forEach((cluster, ci) => {
    chunksOfEntries(cluster).forEach((c, k) => chunks.push({ fee: c.fee, weight: c.weight, entries: c.entries, cluster: ci, index: k }));
  });
  chunks.sort((a, b) => compareFeerate(b.fee, b.weight, a.fee, a.weight) || a.cluster - b.cluster || a.index - b.index);
  const out: Entry[] = [];
  const taken = new Set<Entry>();
  const created = new Set<string>();
  const spent = new Set<string>();
  let weight = 0;
  const spendable = (key: string, pending: Set<string>): boolean => {
    if (spent.has(key) || pending.has(key)) return false;
    if (created.has(key)) return true;
    const coin = chain.utxo.getKey(key);
    return !!coin && !(coin.coinbase && height - coin.height < chain.coinbaseMaturity);
  };
  for (const chunk of chunks) {
    if (out.length >= maxTxs) break;
    if (out.length + chunk.entries.length > maxTxs) continue;
    if (weight + chunk.weight > MAX_TEMPLATE_WEIGHT) continue;
    const inChunk = new Set<Entry>();
    const pendingSpent = new Set<string>();
    const pendingCreated = new Set<string>();
    let ok = true;
    for (const e of chunk.entries) {
      if (![...e.parents].every((p) => taken.has(p) || inChunk.has(p)) || !isFinalTx(e.tx, height, mtp)) {
        ok = false;
        break;
      }
      const keys = e.tx.inputs.map((i) => outpointKey(i.prevTxid, i.prevVout));
      const local = (k: string): boolean => pendingCreated.has(k) && !pendingSpent.has(k);
      if (new Set(keys).size !== keys.length || !keys.every((k) => local(k) || spendable(k, pendingSpent))) {
        ok = false;
        break;
      }
      for (const k of keys) pendingSpent.add(k);
      e.tx.outputs.forEach((_, vout) => pendingCreated.add(outpointKey(e.txid, vout)));
      inChunk.add(e);
    }
    if (!ok) continue;
    for (const k of pendingSpent) spent.add(k);
    for (const k of pendingCreated) created.add(k);
    for (const e of chunk.entries) {
      out.push(e);
      taken.add(e);
    }
    weight += chunk.weight;
  }
  return out;
}

function invalid(reason: string): never {
  throw new DevnetRejectError(RPC_TRANSACTION_ERROR, `TestBlockValidity failed: ${reason}`);
}

/** Checks that these txs, in order, could form the next block; returns their fees. */
export function checkBlockTxs(chain: ChainState, txs: readonly Tx[]): number[] {
  const height = chain.tip.height + 1;
  // ContextualCheckBlock (finality) runs before any input is looked at.
  const mtp = chain.tip.medianTimePast();
  if (!txs.every((tx) => isCoinbase(tx) || isFinalTx(tx, height, mtp))) invalid('bad-txns-nonfinal, non-final transaction');
  const created = new Map<string, SpentOutput>();
  const spent = new Set<string>();
  const fees: number[] = [];
  let weight = 0;
  for (const tx of txs) {
    if (isCoinbase(tx)) invalid('bad-cb-multiple');
    weight += txWeight(tx);
    const prevouts: SpentOutput[] = [];
    for (const i of tx.inputs) {
      const key = outpointKey(i.prevTxid, i.prevVout);
      const coin = created.get(key) ?? chain.utxo.getKey(key);
      if (!coin || spent.has(key)) invalid('bad-txns-inputs-missingorspent');
      if (coin.coinbase && height - coin.height < chain.coinbaseMaturity) invalid(`bad-txns-premature-spend-of-coinbase, tried to spend coinbase at depth ${height - coin.height}`);
      spent.add(key);
      prevouts.push(coin);
    }
    const valueIn = prevouts.reduce((s, p) => s + p.value, 0);
    const valueOut = tx.outputs.reduce((s, o) => s + o.value, 0);
    if (valueIn < valueOut) invalid(`bad-txns-in-belowout, value in (${formatMoney(valueIn)}) < value out (${formatMoney(valueOut)})`);
    try {
      verifyInputs(tx.raw, prevouts);
    } catch (err) {
      if (err instanceof ScriptError) invalid(`mandatory-script-verify-flag-failed (${err.message})`);
      throw err;
    }
    fees.push(valueIn - valueOut);
    tx.outputs.forEach((o, vout) => created.set(outpointKey(tx.txid, vout), { value: o.value, script: o.script, height, coinbase: false }));
  }
  if (weight > MAX_TEMPLATE_WEIGHT) invalid('bad-blk-weight');
  return fees;
}
