// scriptPubKey/scriptSig decoding as Core's ScriptToUniv and ScriptToAsmStr do it: asm, the
// inferred descriptor, the address and the output type name (Solver's TxoutType).
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { decodeOps, opName, OP, type ScriptOp } from './opcodes.js';
import { descriptorWithChecksum } from './descriptor.js';

export type OutputType =
  | 'nonstandard' | 'anchor' | 'pubkey' | 'pubkeyhash' | 'scripthash' | 'multisig' | 'nulldata'
  | 'witness_v0_keyhash' | 'witness_v0_scripthash' | 'witness_v1_taproot' | 'witness_unknown';

export interface ScriptPubKeyJson {
  asm: string;
  desc: string;
  hex: string;
  address?: string;
  type: OutputType;
}

const SIGHASH_NAMES: Record<number, string> = {
  0x01: 'ALL', 0x02: 'NONE', 0x03: 'SINGLE', 0x81: 'ALL|ANYONECANPAY', 0x82: 'NONE|ANYONECANPAY', 0x83: 'SINGLE|ANYONECANPAY',
};

/** IsValidSignatureEncoding: strict DER plus a hashtype byte. */
function isDerSignature(sig: Buffer): boolean {
  if (sig.length < 9 || sig.length > 73 || sig[0] !== 0x30 || sig[1] !== sig.length - 3) return false;
  const lenR = sig[3]!;
  if (5 + lenR >= sig.length) return false;
  const lenS = sig[5 + lenR]!;
  if (lenR + lenS + 7 !== sig.length) return false;
  if (sig[2] !== 0x02 || lenR === 0 || sig[4]! & 0x80) return false;
  if (lenR > 1 && sig[4] === 0x00 && !(sig[5]! & 0x80)) return false;
  if (sig[lenR + 4] !== 0x02 || lenS === 0 || sig[lenR + 6]! & 0x80) return false;
  if (lenS > 1 && sig[lenR + 6] === 0x00 && !(sig[lenR + 7]! & 0x80)) return false;
  return true;
}

/** CScriptNum of up to 4 bytes: little-endian sign-magnitude. */
function scriptNum(data: Buffer): number {
  if (data.length === 0) return 0;
  let v = 0;
  for (let i = 0; i < data.length; i++) v += data[i]! * 2 ** (8 * i);
  const last = data[data.length - 1]!;
  if (last & 0x80) return -(v - 0x80 * 2 ** (8 * (data.length - 1)));
  return v;
}

function isUnspendable(script: Buffer): boolean {
  return (script.length > 0 && script[0] === OP.RETURN) || script.length > 10_000;
}

/** ScriptToAsmStr; `sighashDecode` for scriptSigs shows signature hash types as [ALL] etc. */
export function scriptAsm(script: Buffer, sighashDecode = false): string {
  const { ops, ok } = decodeOps(script);
  const parts: string[] = [];
  const decode = sighashDecode && !isUnspendable(script);
  for (const { op, data } of ops) {
    if (!data) {
      parts.push(opName(op));
    } else if (data.length <= 4) {
      parts.push(String(scriptNum(data)));
    } else if (decode && isDerSignature(data) && SIGHASH_NAMES[data[data.length - 1]!]) {
      parts.push(data.subarray(0, -1).toString('hex') + `[${SIGHASH_NAMES[data[data.length - 1]!]}]`);
    } else {
      parts.push(data.toString('hex'));
    }
  }
  if (!ok) parts.push('[error]');
  return parts.join(' ');
}

/** CPubKey::ValidSize by the header byte. */
function validPubkeySize(k: Buffer): boolean {
  if (k.length === 33) return k[0] === 2 || k[0] === 3;
  if (k.length === 65) return k[0] === 4 || k[0] === 6 || k[0] === 7;
  return false;
}

function smallInt(op: ScriptOp): number | undefined {
  if (op.data) return undefined;
  return op.op >= 0x51 && op.op <= 0x60 ? op.op - 0x50 : undefined;
}

interface Solved {
  type: OutputType;
  /** Witness version and program for witness outputs. */
  witness?: { version: number; program: Buffer };
  hash?: Buffer;
  pubkeys?: Buffer[];
  required?: number;
}

export function witnessProgram(script: Buffer): { version: number; program: Buffer } | undefined {
  if (script.length < 4 || script.length > 42) return undefined;
  const v = script[0]!;
  if (v !== 0 && (v < 0x51 || v > 0x60)) return undefined;
  if (script[1]! + 2 !== script.length) return undefined;
  return { version: v === 0 ? 0 : v - 0x50, program: script.subarray(2) };
}

function isPushOnly(ops: ScriptOp[]): boolean {
  return ops.every((o) => o.op <= 0x60);
}

/** Core's Solver. */
export function solve(script: Buffer): Solved {
  if (script.length === 23 && script[0] === OP.HASH160 && script[1] === 0x14 && script[22] === OP.EQUAL) {
    return { type: 'scripthash', hash: script.subarray(2, 22) };
  }
  const wp = witnessProgram(script);
  if (wp) {
    if (wp.version === 0 && wp.program.length === 20) return { type: 'witness_v0_keyhash', witness: wp };
    if (wp.version === 0 && wp.program.length === 32) return { type: 'witness_v0_scripthash', witness: wp };
    if (wp.version === 1 && wp.program.length === 32) return { type: 'witness_v1_taproot', witness: wp };
    if (wp.version === 1 && wp.program.length === 2 && wp.program[0] === 0x4e && wp.program[1] === 0x73) return { type: 'anchor', witness: wp };
    if (wp.version !== 0) return { type: 'witness_unknown', witness: wp };
    return { type: 'nonstandard' };
  }
  const { ops, ok } = decodeOps(script);
  if (script.length >= 1 && script[0] === OP.RETURN) {
    const rest = decodeOps(script.subarray(1));
    if (rest.ok && isPushOnly(rest.ops)) return { type: 'nulldata' };
  }
  if (!ok) return { type: 'nonstandard' };
  if ((script.length === 35 || script.length === 67) && script[0] === script.length - 2 && script[script.length - 1] === OP.CHECKSIG) {
    const key = script.subarray(1, script.length - 1);
    if (validPubkeySize(key)) return { type: 'pubkey', pubkeys: [key] };
  }
  if (
    script.length === 25 && script[0] === OP.DUP && script[1] === OP.HASH160 && script[2] === 0x14 &&
    script[23] === OP.EQUALVERIFY && script[24] === OP.CHECKSIG
  ) {
    return { type: 'pubkeyhash', hash: script.subarray(3, 23) };
  }
  if (ops.length >= 4 && ops[ops.length - 1]!.op === OP.CHECKMULTISIG && !ops[ops.length - 1]!.data) {
    const m = smallInt(ops[0]!);
    const n = smallInt(ops[ops.length - 2]!);
    const keys = ops.slice(1, -2);
    if (m !== undefined && n !== undefined && keys.length === n && m <= n && keys.every((k) => k.data && validPubkeySize(k.data))) {
      return { type: 'multisig', pubkeys: keys.map((k) => k.data!), required: m };
    }
  }
  return { type: 'nonstandard' };
}

/** ExtractDestination + EncodeDestination (no address for bare pubkey, multisig, nulldata). */
function addressOf(s: Solved, network: bitcoin.Network): string | undefined {
  switch (s.type) {
    case 'pubkeyhash':
      return bitcoin.address.toBase58Check(s.hash!, network.pubKeyHash);
    case 'scripthash':
      return bitcoin.address.toBase58Check(s.hash!, network.scriptHash);
    case 'witness_v0_keyhash':
    case 'witness_v0_scripthash':
    case 'witness_v1_taproot':
    case 'anchor':
    case 'witness_unknown':
      return bitcoin.address.toBech32(s.witness!.program, s.witness!.version, network.bech32);
    default:
      return undefined;
  }
}

function isValidNonHybrid(k: Buffer): boolean {
  return (k.length === 33 && (k[0] === 2 || k[0] === 3)) || (k.length === 65 && k[0] === 4);
}

/** InferDescriptor without a signing provider, with its checksum. */
function inferDescriptor(script: Buffer, s: Solved, address: string | undefined): string {
  let desc: string | undefined;
  if (s.type === 'pubkey' && isValidNonHybrid(s.pubkeys![0]!)) {
    desc = `pk(${s.pubkeys![0]!.toString('hex')})`;
  } else if (s.type === 'multisig' && s.pubkeys!.every(isValidNonHybrid)) {
    desc = `multi(${s.required},${s.pubkeys!.map((k) => k.toString('hex')).join(',')})`;
  } else if (s.type === 'witness_v1_taproot' && ecc.isXOnlyPoint(s.witness!.program)) {
    desc = `rawtr(${s.witness!.program.toString('hex')})`;
  } else if (address !== undefined) {
    desc = `addr(${address})`;
  } else {
    desc = `raw(${script.toString('hex')})`;
  }
  return descriptorWithChecksum(desc);
}

/** ScriptToUniv(script, include_hex=true, include_address=true). */
export function scriptPubKeyJson(script: Buffer, network: bitcoin.Network): ScriptPubKeyJson {
  const solved = solve(script);
  const address = addressOf(solved, network);
  const out: ScriptPubKeyJson = { asm: scriptAsm(script), desc: inferDescriptor(script, solved, address), hex: script.toString('hex'), type: solved.type };
  if (address !== undefined) {
    // Key order as bitcoind writes it: asm, desc, hex, address, type.
    return { asm: out.asm, desc: out.desc, hex: out.hex, address, type: out.type };
  }
  return out;
}

/** The address a script pays to, if it has one (for callers outside JSON building). */
export function scriptAddress(script: Buffer, network: bitcoin.Network): string | undefined {
  return addressOf(solve(script), network);
}
