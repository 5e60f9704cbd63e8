// Recognising standard output scripts (bitcoind's Solver) and small script helpers.
import * as bitcoin from 'bitcoinjs-lib';

export type ScriptType =
  | 'pubkeyhash' | 'scripthash' | 'witness_v0_keyhash' | 'witness_v0_scripthash' | 'witness_v1_taproot'
  | 'pubkey' | 'multisig' | 'nulldata' | 'witness_unknown' | 'nonstandard';

export interface Multisig {
  readonly m: number;
  readonly pubkeys: Buffer[];
}

const OP_0 = 0x00;
const OP_1 = 0x51;
const OP_16 = 0x60;
const OP_CHECKMULTISIG = 0xae;

export function classify(s: Buffer): ScriptType {
  const n = s.length;
  if (n === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) return 'pubkeyhash';
  if (n === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) return 'scripthash';
  if (n === 22 && s[0] === OP_0 && s[1] === 0x14) return 'witness_v0_keyhash';
  if (n === 34 && s[0] === OP_0 && s[1] === 0x20) return 'witness_v0_scripthash';
  if (n === 34 && s[0] === OP_1 && s[1] === 0x20) return 'witness_v1_taproot';
  if (n >= 4 && n <= 42 && (s[0] === OP_0 || (s[0]! >= OP_1 && s[0]! <= OP_16)) && s[1] === n - 2) return 'witness_unknown';
  if ((n === 35 && s[0] === 33 && s[34] === 0xac) || (n === 67 && s[0] === 65 && s[66] === 0xac)) return 'pubkey';
  if (n >= 1 && s[0] === 0x6a) return isPushOnly(s.subarray(1)) ? 'nulldata' : 'nonstandard';
  if (parseMultisig(s)) return 'multisig';
  return 'nonstandard';
}

/** The program of a witness output (after the version and push byte). */
export function witnessProgram(s: Buffer): Buffer {
  return s.subarray(2);
}

export function parseMultisig(s: Buffer): Multisig | undefined {
  if (s.length < 3 || s[s.length - 1] !== OP_CHECKMULTISIG) return undefined;
  const m = s[0]! - 0x50;
  const n = s[s.length - 2]! - 0x50;
  if (m < 1 || m > 16 || n < m || n > 16) return undefined;
  const pubkeys: Buffer[] = [];
  let i = 1;
  while (i < s.length - 2) {
    const len = s[i]!;
    if (len !== 33 && len !== 65) return undefined;
    pubkeys.push(s.subarray(i + 1, i + 1 + len));
    i += 1 + len;
  }
  return i === s.length - 2 && pubkeys.length === n ? { m, pubkeys } : undefined;
}

export function isPushOnly(s: Buffer): boolean {
  const chunks = bitcoin.script.decompile(s);
  if (!chunks) return false;
  return chunks.every((c) => Buffer.isBuffer(c) || c <= OP_16);
}

/** The pushed items of a push-only script (OP_0 -> empty, OP_n -> [n]); undefined if not push-only. */
export function pushedItems(s: Buffer): Buffer[] | undefined {
  const chunks = bitcoin.script.decompile(s);
  if (!chunks) return undefined;
  const out: Buffer[] = [];
  for (const c of chunks) {
    if (Buffer.isBuffer(c)) out.push(c);
    else if (c === OP_0) out.push(Buffer.alloc(0));
    else if (c === 0x4f) out.push(Buffer.from([0x81]));
    else if (c >= OP_1 && c <= OP_16) out.push(Buffer.from([c - 0x50]));
    else return undefined;
  }
  return out;
}

export function p2pkhScriptCode(hash160: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x76, 0xa9, 0x14]), hash160, Buffer.from([0x88, 0xac])]);
}
