// Signature checks for the standard spends (what the devnet wallet and bitcoind wallets produce):
// p2pk, p2pkh, bare multisig, p2sh multisig, p2sh-p2wpkh, p2sh-p2wsh, p2wpkh, p2wsh multisig, p2tr
// key path. Other spends (custom redeem/witness scripts, tapscript) are accepted unverified.
// A failure yields bitcoind's script error string.
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { hash160, sha256 } from '../../chain/hash.js';
import { classify, p2pkhScriptCode, parseMultisig, pushedItems, witnessProgram } from './scripts.js';
import type { SpentOutput } from './types.js';

export class ScriptError extends Error {}

const ERR = {
  nullfail: 'Signature must be zero for failed CHECK(MULTI)SIG operation',
  equalverify: 'Script failed an OP_EQUALVERIFY operation',
  evalFalse: 'Script evaluated without error but finished with a false/empty top stack element',
  der: 'Non-canonical DER signature',
  pubkeyType: 'Public key is neither compressed or uncompressed',
  witnessMismatch: 'Witness program hash mismatch',
  witnessEmpty: 'Witness program was passed an empty witness',
  schnorr: 'Invalid Schnorr signature',
  schnorrSize: 'Invalid Schnorr signature size',
  sigCount: 'Operation not valid with the current stack size',
  nulldummy: 'Dummy CHECKMULTISIG argument must be zero',
  pushonly: 'Only push operators allowed in signatures',
  unexpectedWitness: 'Witness provided for non-witness script',
  malleated: 'Witness requires empty scriptSig',
  hashtype: 'Signature hash type missing or not understood',
} as const;

/** Verifies every input; throws ScriptError with bitcoind's message for the first failing one. */
export function verifyInputs(raw: Buffer, prevouts: readonly SpentOutput[]): void {
  const tx = bitcoin.Transaction.fromBuffer(raw);
  const ctx = { tx, prevouts, scripts: prevouts.map((p) => p.script), values: prevouts.map((p) => p.value) };
  for (let i = 0; i < tx.ins.length; i++) verifyInput(ctx, i);
}

interface Ctx {
  tx: bitcoin.Transaction;
  prevouts: readonly SpentOutput[];
  scripts: Buffer[];
  values: number[];
}

function fail(msg: string): never {
  throw new ScriptError(msg);
}

function verifyInput(ctx: Ctx, i: number): void {
  const input = ctx.tx.ins[i]!;
  const prev = ctx.prevouts[i]!;
  const script = prev.script;
  const witness = input.witness;
  const type = classify(script);
  if (type === 'witness_v0_keyhash' || type === 'witness_v0_scripthash' || type === 'witness_v1_taproot') {
    if (input.script.length !== 0) fail(ERR.malleated);
    return verifyWitness(ctx, i, script, witness);
  }
  const stack = pushedItems(input.script);
  if (!stack) fail(ERR.pushonly);
  if (type === 'scripthash') {
    const redeem = stack.pop();
    if (!redeem || !hash160(redeem).equals(script.subarray(2, 22))) fail(ERR.evalFalse);
    const rtype = classify(redeem);
    if (rtype === 'witness_v0_keyhash' || rtype === 'witness_v0_scripthash') {
      if (stack.length !== 0) fail(ERR.malleated);
      return verifyWitness(ctx, i, redeem, witness);
    }
    if (witness.length) fail(ERR.unexpectedWitness);
    return verifyLegacy(ctx, i, redeem, stack);
  }
  if (witness.length) fail(ERR.unexpectedWitness);
  verifyLegacy(ctx, i, script, stack);
}

function verifyLegacy(ctx: Ctx, i: number, script: Buffer, stack: Buffer[]): void {
  const type = classify(script);
  const sighash = (ht: number) => ctx.tx.hashForSignature(i, script, ht);
  if (type === 'pubkeyhash') {
    if (stack.length !== 2) fail(ERR.sigCount);
    if (!hash160(stack[1]!).equals(script.subarray(3, 23))) fail(ERR.equalverify);
    return checkEcdsa(stack[0]!, stack[1]!, sighash);
  }
  if (type === 'pubkey') {
    if (stack.length !== 1) fail(ERR.sigCount);
    return checkEcdsa(stack[0]!, script.subarray(1, script.length - 1), sighash);
  }
  if (type === 'multisig') return checkMultisig(script, stack, sighash);
}

function verifyWitness(ctx: Ctx, i: number, script: Buffer, witness: Buffer[]): void {
  const type = classify(script);
  const program = witnessProgram(script);
  const value = ctx.values[i]!;
  if (type === 'witness_v0_keyhash') {
    if (witness.length === 0) fail(ERR.witnessEmpty);
    if (witness.length !== 2) fail(ERR.witnessMismatch);
    if (!hash160(witness[1]!).equals(program)) fail(ERR.equalverify);
    return checkEcdsa(witness[0]!, witness[1]!, (ht) => ctx.tx.hashForWitnessV0(i, p2pkhScriptCode(program), value, ht));
  }
  if (type === 'witness_v0_scripthash') {
    if (witness.length === 0) fail(ERR.witnessEmpty);
    const ws = witness[witness.length - 1]!;
    if (!sha256(ws).equals(program)) fail(ERR.witnessMismatch);
    const stack = witness.slice(0, -1);
    const sighash = (ht: number) => ctx.tx.hashForWitnessV0(i, ws, value, ht);
    const wtype = classify(ws);
    if (wtype === 'multisig') return checkMultisig(ws, stack, sighash);
    if (wtype === 'pubkey') {
      if (stack.length !== 1) fail(ERR.sigCount);
      return checkEcdsa(stack[0]!, ws.subarray(1, ws.length - 1), sighash);
    }
    return;
  }
  // Taproot: key path only (one item, or two with an annex).
  if (witness.length === 0) fail(ERR.witnessEmpty);
  const hasAnnex = witness.length >= 2 && witness[witness.length - 1]![0] === 0x50;
  if (witness.length - (hasAnnex ? 1 : 0) !== 1) return;
  const sig = witness[0]!;
  if (sig.length !== 64 && sig.length !== 65) fail(ERR.schnorrSize);
  const ht = sig.length === 65 ? sig[64]! : bitcoin.Transaction.SIGHASH_DEFAULT;
  if (sig.length === 65 && ht === 0) fail(ERR.hashtype);
  const hash = ctx.tx.hashForWitnessV1(i, ctx.scripts, ctx.values, ht, undefined, hasAnnex ? witness[witness.length - 1] : undefined);
  if (!ecc.verifySchnorr(hash, program, sig.subarray(0, 64))) fail(ERR.schnorr);
}

function decodeSig(sig: Buffer): { signature: Buffer; hashType: number } {
  if (!bitcoin.script.isCanonicalScriptSignature(sig)) fail(ERR.der);
  try {
    return bitcoin.script.signature.decode(sig);
  } catch {
    fail(ERR.der);
  }
}

function ecdsaValid(sig: Buffer, pubkey: Buffer, sighash: (ht: number) => Buffer): boolean {
  if (sig.length === 0) return false;
  const { signature, hashType } = decodeSig(sig);
  if (!bitcoin.script.isCanonicalPubKey(pubkey)) fail(ERR.pubkeyType);
  return ecc.verify(sighash(hashType), pubkey, signature);
}

function checkEcdsa(sig: Buffer, pubkey: Buffer, sighash: (ht: number) => Buffer): void {
  if (!ecdsaValid(sig, pubkey, sighash)) fail(sig.length ? ERR.nullfail : ERR.evalFalse);
}

/** OP_CHECKMULTISIG: signatures in key order, one dummy empty item first. */
function checkMultisig(script: Buffer, stack: Buffer[], sighash: (ht: number) => Buffer): void {
  const ms = parseMultisig(script)!;
  if (stack.length !== ms.m + 1) fail(ERR.sigCount);
  if (stack[0]!.length !== 0) fail(ERR.nulldummy);
  const sigs = stack.slice(1);
  let k = 0;
  for (const sig of sigs) {
    while (k < ms.pubkeys.length && !ecdsaValid(sig, ms.pubkeys[k]!, sighash)) k++;
    if (k === ms.pubkeys.length) fail(sigs.some((s) => s.length) ? ERR.nullfail : ERR.evalFalse);
    k++;
  }
}
