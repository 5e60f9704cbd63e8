// Choosing mempool transactions for a block and pre-checking explicit block contents
// (bitcoind's TestBlockValidity for generateblock).
import { isCoinbase, txWeight, type Tx } from '../../chain/tx.js';
import { formatMoney, RPC_TRANSACTION_ERROR } from './accept.js';
import type { ChainState } from './chainstate.js';
import type { Entry, Mempool } from './mempool.js';
import { outpointKey } from './utxo.js';
import { DevnetRejectError, type SpentOutput } from './types.js';
import { ScriptError, verifyInputs } from './verify.js';

/** Core's default -blockmaxweight, leaving room for the coinbase. */
const MAX_TEMPLATE_WEIGHT = 3_996_000;

/** Mempool transactions in dependency order until the weight limit (or maxTxs). */
export function selectTransactions(mempool: Mempool, maxTxs = Infinity): Entry[] {
  const out: Entry[] = [];
  const taken = new Set<string>();
  let weight = 0;
  for (const e of mempool.topological()) {
    if (out.length >= maxTxs) break;
    if (weight + e.weight > MAX_TEMPLATE_WEIGHT) continue;
    if (!e.depends.every((p) => taken.has(p.toString('hex')))) continue;
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
