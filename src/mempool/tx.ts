// One mempool transaction as the server keeps it: the raw bytes (transaction.get answers from
// memory), its fee and vsize, and per input and output the script key and value that balances,
// histories and UTXO answers need. Inputs and outputs are parallel flat arrays, not an object
// each: a 50,000-tx mempool holds ~100,000 of them.
import { parseTx, txVsize, type Tx } from '../chain/tx.js';
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

const IN_REC = 52; // outpoint key(34: prev txid 32, vout 2 chars) script key(11) value(7)
const OUT_REC = 19; // spendable flag(1) script key(11) value(7)
const KEY_LEN = 11;

/** Satoshis (< 2^53) as 7 latin1 characters, little-endian. */
function valueChars(v: number): string {
  let s = '';
  for (let i = 0; i < 7; i++) {
    s += String.fromCharCode(v % 256);
    v = Math.floor(v / 256);
  }
  return s;
}

function readValue(s: string, at: number): number {
  let v = 0;
  for (let i = 6; i >= 0; i--) v = v * 256 + s.charCodeAt(at + i);
  return v;
}

export class MempoolTx {
  /** Inputs that spend an output of another mempool transaction (height -1 while above 0). */
  mempoolInputs = 0;
  readonly inputCount: number;
  readonly outputCount: number;
  /**
   * The raw transaction followed by fixed-size input and output records, in one latin1 string: a
   * 50,000-tx mempool keeps 50,000 strings instead of ten times as many arrays, strings and
   * Buffers (a Buffer costs ~200 bytes of objects besides its bytes; a string ~16).
   */
  private readonly data: string;
  private readonly rawLength: number;

  constructor(
    readonly key: TxKey,
    raw: Buffer,
    readonly vsize: number,
    readonly fee: number,
    /** The outpoint each input spends. */
    prevouts: readonly OutpointKey[],
    /** Per input: the script key of the output it spends. */
    inScripts: readonly ScriptKey[],
    /** Per input: the value it spends. */
    inValues: readonly number[],
    /** Per output: its script key, or '' for an unspendable output (never indexed or spent). */
    outScripts: readonly ScriptKey[],
    outValues: readonly number[],
  ) {
    this.inputCount = prevouts.length;
    this.outputCount = outScripts.length;
    this.rawLength = raw.length;
    let d = raw.toString('latin1');
    for (let i = 0; i < prevouts.length; i++) d += prevouts[i]! + inScripts[i]! + valueChars(inValues[i]!);
    for (let i = 0; i < outScripts.length; i++) d += outScripts[i] === '' ? `\0${'\0'.repeat(KEY_LEN)}${valueChars(outValues[i]!)}` : `\x01${outScripts[i]}${valueChars(outValues[i]!)}`;
    // Flattened: a concatenation is a tree of string pieces until then.
    this.data = flatten(d);
  }

  get txid(): Buffer {
    return txidOfKey(this.key);
  }

  /** The serialized transaction (a new Buffer). */
  get raw(): Buffer {
    return Buffer.from(this.data.slice(0, this.rawLength), 'latin1');
  }

  get rawSize(): number {
    return this.rawLength;
  }

  /** Electrum's height for a mempool transaction: -1 with an unconfirmed input, else 0. */
  get height(): 0 | -1 {
    return this.mempoolInputs > 0 ? -1 : 0;
  }

  /** The outpoint input `i` spends. */
  prevout(i: number): OutpointKey {
    const at = this.rawLength + i * IN_REC;
    return this.data.slice(at, at + 34);
  }

  /** The tx key of the transaction whose output input `i` spends. */
  prevTxKey(i: number): TxKey {
    const at = this.rawLength + i * IN_REC;
    return this.data.slice(at, at + 32);
  }

  inScript(i: number): ScriptKey {
    const at = this.rawLength + i * IN_REC + 34;
    return this.data.slice(at, at + KEY_LEN);
  }

  inValue(i: number): number {
    return readValue(this.data, this.rawLength + i * IN_REC + 45);
  }

  /** Output `i`'s script key, or '' for an unspendable output. */
  outScript(i: number): ScriptKey {
    const at = this.rawLength + this.inputCount * IN_REC + i * OUT_REC;
    return this.data.charCodeAt(at) === 0 ? '' : this.data.slice(at + 1, at + 1 + KEY_LEN);
  }

  outValue(i: number): number {
    return readValue(this.data, this.rawLength + this.inputCount * IN_REC + i * OUT_REC + 12);
  }

  /** The distinct scripts it funds or spends. */
  scripts(): ScriptKey[] {
    const out: ScriptKey[] = [];
    for (let i = 0; i < this.inputCount; i++) {
      const s = this.inScript(i);
      if (!out.includes(s)) out.push(s);
    }
    for (let i = 0; i < this.outputCount; i++) {
      const s = this.outScript(i);
      if (s !== '' && !out.includes(s)) out.push(s);
    }
    return out;
  }
}

/** A flat copy of a string built by concatenation (V8 keeps those as trees of pieces). */
function flatten(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
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
  const tx = tryParse(raw);
  return tx && txKeyOf(tx.txid) === key ? parsedOf(key, raw, tx) : null;
}

/** A raw transaction of unknown txid (ZMQ rawtx), parsed into a copy of its bytes; null if it does not parse. */
export function parsePublishedTx(raw: Buffer): ParsedMempoolTx | null {
  const tx = tryParse(raw);
  return tx && parsedOf(txKeyOf(tx.txid), Buffer.from(raw), tx);
}

function tryParse(raw: Buffer): Tx | null {
  try {
    return parseTx(raw);
  } catch {
    return null;
  }
}

function parsedOf(key: TxKey, raw: Buffer, tx: Tx): ParsedMempoolTx {
  const prevouts = tx.inputs.map((i) => outpointKeyOf(txKeyOf(i.prevTxid), i.prevVout));
  const outScripts = tx.outputs.map((o) => (isUnspendable(o.script) ? '' : scriptKeyOf(scriptHash(o.script))));
  const outValues = tx.outputs.map((o) => o.value);
  return { key, raw, vsize: txVsize(tx), prevouts, outScripts, outValues };
}

/** Completes a parsed transaction with its spent coins (one per input, in order). */
export function resolvedMempoolTx(p: ParsedMempoolTx, spent: readonly SpentCoin[]): MempoolTx {
  let inSum = 0;
  for (const c of spent) inSum += c.value;
  let outSum = 0;
  for (const v of p.outValues) outSum += v;
  return new MempoolTx(p.key, p.raw, p.vsize, inSum - outSum, p.prevouts, spent.map((c) => c.scriptKey), spent.map((c) => c.value), p.outScripts, p.outValues);
}
