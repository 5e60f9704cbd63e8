// One mempool transaction as the server keeps it: the raw bytes (transaction.get answers from
// memory), its fee and vsize, and per input and output the script key and value that balances,
// histories and UTXO answers need. Inputs and outputs are parallel flat arrays, not an object
// each: a 50,000-tx mempool holds ~100,000 of them.
import { parseTx, txVsize } from '../chain/tx.js';
import { scriptHash, isUnspendable } from '../chain/scripthash.js';
import { scriptKeyOf } from '../index/index.js';
import type { ScriptKey } from '../index/types.js';

/** Map key of a txid (internal byte order): its 32 bytes as a latin1 string. */
export type TxKey = string;
/** Map key of an outpoint: the txid key and the output index in two more characters. */
export type OutpointKey = string;

export function txKeyOf(txid: Uint8Array): TxKey {
  return Buffer.from(txid.buffer, txid.byteOffset, 32).toString('latin1');
}

export function outpointKeyOf(txKey: TxKey, vout: number): OutpointKey {
  return txKey + String.fromCharCode(vout & 0xffff, vout >>> 16);
}

export function txidOfKey(key: TxKey): Buffer {
  return Buffer.from(key, 'latin1');
}

/** A spent output as the spending tx's input resolved it: whose script, how much. */
export interface SpentCoin {
  readonly scriptKey: ScriptKey;
  readonly value: number;
}

export class MempoolTx {
  /** Inputs that spend an output of another mempool transaction (height -1 while above 0). */
  mempoolInputs = 0;

  constructor(
    readonly key: TxKey,
    readonly raw: Buffer,
    readonly vsize: number,
    readonly fee: number,
    /** The outpoint each input spends. */
    readonly prevouts: readonly OutpointKey[],
    /** Per input: the script key of the output it spends. */
    readonly inScripts: readonly ScriptKey[],
    /** Per input: the value it spends. */
    readonly inValues: readonly number[],
    /** Per output: its script key, or '' for an unspendable output (never indexed or spent). */
    readonly outScripts: readonly ScriptKey[],
    readonly outValues: readonly number[],
  ) {}

  get txid(): Buffer {
    return txidOfKey(this.key);
  }

  /** Electrum's height for a mempool transaction: -1 with an unconfirmed input, else 0. */
  get height(): 0 | -1 {
    return this.mempoolInputs > 0 ? -1 : 0;
  }

  /** The distinct scripts it funds or spends. */
  scripts(): ScriptKey[] {
    const out: ScriptKey[] = [];
    for (const s of this.inScripts) if (!out.includes(s)) out.push(s);
    for (const s of this.outScripts) if (s !== '' && !out.includes(s)) out.push(s);
    return out;
  }
}

/** A transaction from the daemon, parsed, with what its inputs spend still to be found. */
export interface ParsedMempoolTx {
  readonly key: TxKey;
  readonly raw: Buffer;
  readonly vsize: number;
  readonly prevouts: readonly OutpointKey[];
  readonly outScripts: readonly ScriptKey[];
  readonly outValues: readonly number[];
}

/** Parses raw bytes the daemon says are transaction `key`; null if they are not. */
export function parseMempoolTx(key: TxKey, raw: Buffer): ParsedMempoolTx | null {
  let tx;
  try {
    tx = parseTx(raw);
  } catch {
    return null;
  }
  if (txKeyOf(tx.txid) !== key) return null;
  const prevouts = tx.inputs.map((i) => outpointKeyOf(txKeyOf(i.prevTxid), i.prevVout));
  const outScripts = tx.outputs.map((o) => (isUnspendable(o.script) ? '' : scriptKeyOf(scriptHash(o.script))));
  const outValues = tx.outputs.map((o) => o.value);
  // Keep our own copy: `raw` may be a view into a large RPC reply buffer.
  return { key, raw: Buffer.from(raw), vsize: txVsize(tx), prevouts, outScripts, outValues };
}

/** Completes a parsed transaction with its spent coins (one per input, in order). */
export function resolvedMempoolTx(p: ParsedMempoolTx, spent: readonly SpentCoin[]): MempoolTx {
  let inSum = 0;
  for (const c of spent) inSum += c.value;
  let outSum = 0;
  for (const v of p.outValues) outSum += v;
  return new MempoolTx(p.key, p.raw, p.vsize, inSum - outSum, p.prevouts, spent.map((c) => c.scriptKey), spent.map((c) => c.value), p.outScripts, p.outValues);
}
