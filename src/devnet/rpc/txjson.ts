// Transactions as bitcoind's TxToUniv prints them (decoderawtransaction, getrawtransaction
// verbose, getblock verbosity 2/3).
import type * as bitcoin from 'bitcoinjs-lib';
import { sha256d, toDisplayHex } from '../../chain/hash.js';
import { isCoinbase, txVsize, txWeight, type Tx } from '../../chain/tx.js';
import { btc } from './json.js';
import { scriptAsm, scriptPubKeyJson } from './script.js';

/** The output an input spent, as the undo data knows it. */
export interface Prevout {
  readonly value: number;
  readonly script: Buffer;
  readonly height: number;
  readonly coinbase: boolean;
}

export interface TxJsonOptions {
  readonly includeHex: boolean;
  /** Satoshis, known from undo data (verbosity >= 2 of a confirmed tx). */
  readonly fee?: number;
  /** Outputs spent by each input (verbosity 3): shown as 'prevout', and the fee follows from them. */
  readonly prevouts?: readonly Prevout[];
}

export function wtxidOf(tx: Tx): Buffer {
  return tx.hasWitness ? sha256d(tx.raw) : tx.txid;
}

export function txToJson(tx: Tx, network: bitcoin.Network, opts: TxJsonOptions): Record<string, unknown> {
  const coinbase = isCoinbase(tx);
  const undo = !coinbase && opts.prevouts && opts.prevouts.length === tx.inputs.length ? opts.prevouts : undefined;
  const vin = tx.inputs.map((input, i) => {
    const o: Record<string, unknown> = {};
    if (coinbase) {
      o.coinbase = input.scriptSig.toString('hex');
    } else {
      o.txid = toDisplayHex(input.prevTxid);
      o.vout = input.prevVout;
      o.scriptSig = { asm: scriptAsm(input.scriptSig, true), hex: input.scriptSig.toString('hex') };
    }
    if (input.witness.length > 0) o.txinwitness = input.witness.map((w) => w.toString('hex'));
    if (undo) {
      const p = undo[i]!;
      o.prevout = { generated: p.coinbase, height: p.height, value: btc(p.value), scriptPubKey: scriptPubKeyJson(p.script, network) };
    }
    o.sequence = input.sequence;
    return o;
  });
  const vout = tx.outputs.map((out, n) => ({ value: btc(out.value), n, scriptPubKey: scriptPubKeyJson(out.script, network) }));
  const json: Record<string, unknown> = {
    txid: toDisplayHex(tx.txid),
    hash: toDisplayHex(wtxidOf(tx)),
    version: tx.version,
    size: tx.raw.length,
    vsize: txVsize(tx),
    weight: txWeight(tx),
    locktime: tx.locktime,
    vin,
    vout,
  };
  let fee = coinbase ? undefined : opts.fee;
  if (fee === undefined && undo) fee = undo.reduce((s, p) => s + p.value, 0) - tx.outputs.reduce((s, o) => s + o.value, 0);
  if (fee !== undefined) json.fee = btc(fee);
  if (opts.includeHex) json.hex = tx.raw.toString('hex');
  return json;
}
