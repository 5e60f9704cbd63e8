// Choosing mempool transactions for a block and pre-checking explicit block contents
// (bitcoind's TestBlockValidity for generateblock).
import { isCoinbase, txWeight, type Tx } from '../../chain/tx.js';
import { formatMoney, RPC_TRANSACTION_ERROR } from './accept.js';
import type { ChainState } from './chainstate.js';
import { isFinalTx } from './final.js';
import type { Entry, Mempool } from './mempool.js';
import { outpointKey } from './utxo.js';
import { DevnetRejectError, type SpentOutput } from './types.js';
import { ScriptError, verifyInputs } from './verify.js';

/** Core's default -blockmaxweight, leaving room for the coinbase. */
const MAX_TEMPLATE_WEIGHT = 3_996_000;

/**
 * Mempool transactions in dependency order until the weight limit (or maxTxs). Like bitcoind's
 * BlockAssembler, each tx is checked against the next block's state: final at its height, every
 * input an unspent (mature) coin of the active chain or an output of a tx already taken and not
 * spent by another one. The mempool is kept valid across reorgs; this keeps a stale entry out of
 * a block regardless, and a skipped tx takes its descendants with it (their inputs are missing).
 */
export function selectTransactions(chain: ChainState, mempool: Mempool, maxTxs = Infinity): Entry[] {
  const height = chain.tip.height + 1;
  const mtp = chain.tip.medianTimePast();
  const out: Entry[] = [];
  const taken = new Set<string>();
  const created = new Set<string>();
  const spent = new Set<string>();
  let weight = 0;
  for (const e of mempool.topological()) {
    if (out.length >= maxTxs) break;
    if (weight + e.weight > MAX_TEMPLATE_WEIGHT) continue;
    if (!e.depends.every((p) => taken.has(p.toString('hex')))) continue;
    if (!isFinalTx(e.tx, height, mtp)) continue;
    const keys = e.tx.inputs.map((i) => outpointKey(i.prevTxid, i.prevVout));
    const spendable = (key: string): boolean => {
      if (spent.has(key)) return false;
      if (created.has(key)) return true;
      const coin = chain.utxo.getKey(key);
      return !!coin && !(coin.coinbase && height - coin.height < chain.coinbaseMaturity);
    };
    if (new Set(keys).size !== keys.length || !keys.every(spendable)) continue;
    for (const k of keys) spent.add(k);
    e.tx.outputs.forEach((_, vout) => created.add(outpointKey(e.txid, vout)));
    out.push(e);
    taken.add(e.txid.toString('hex'));
    weight += e.weight;
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
