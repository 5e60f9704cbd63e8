// Signing wallet inputs of every kind with real signatures (ECDSA low-S, Schnorr for p2tr).
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { hash160 } from '../../chain/hash.js';
import { p2pkhScriptCode } from '../chain/scripts.js';
import type { KeySet } from './keys.js';

const ALL = bitcoin.Transaction.SIGHASH_ALL;
const ZERO32 = Buffer.alloc(32);

function ecdsa(hash: Buffer, priv: Buffer): Buffer {
  return bitcoin.script.signature.encode(Buffer.from(ecc.sign(hash, priv)), ALL);
}

export interface SigningInput {
  readonly keys: KeySet;
  readonly value: number;
}

/** Fills scriptSig/witness of every input of `tx`; `inputs[i]` describes the output input i spends. */
export function signAll(tx: bitcoin.Transaction, inputs: readonly SigningInput[]): void {
  const scripts = inputs.map((i) => i.keys.script);
  const values = inputs.map((i) => i.value);
  inputs.forEach(({ keys, value }, i) => {
    switch (keys.kind) {
      case 'p2pkh':
        tx.setInputScript(i, bitcoin.script.compile([ecdsa(tx.hashForSignature(i, keys.script, ALL), keys.privs[0]!), keys.pubs[0]!]));
        break;
      case 'p2sh-multisig': {
        const h = tx.hashForSignature(i, keys.redeem!, ALL);
        tx.setInputScript(i, bitcoin.script.compile([bitcoin.opcodes.OP_0, ecdsa(h, keys.privs[0]!), ecdsa(h, keys.privs[1]!), keys.redeem!]));
        break;
      }
      case 'p2sh-p2wpkh': {
        const h = tx.hashForWitnessV0(i, p2pkhScriptCode(hash160(keys.pubs[0]!)), value, ALL);
        tx.setInputScript(i, bitcoin.script.compile([keys.redeem!]));
        tx.setWitness(i, [ecdsa(h, keys.privs[0]!), keys.pubs[0]!]);
        break;
      }
      case 'p2wpkh': {
        const h = tx.hashForWitnessV0(i, p2pkhScriptCode(hash160(keys.pubs[0]!)), value, ALL);
        tx.setWitness(i, [ecdsa(h, keys.privs[0]!), keys.pubs[0]!]);
        break;
      }
      case 'p2wsh': {
        const h = tx.hashForWitnessV0(i, keys.witnessScript!, value, ALL);
        tx.setWitness(i, [Buffer.alloc(0), ecdsa(h, keys.privs[0]!), ecdsa(h, keys.privs[1]!), keys.witnessScript!]);
        break;
      }
      case 'p2tr': {
        const h = tx.hashForWitnessV1(i, scripts, values, bitcoin.Transaction.SIGHASH_DEFAULT);
        tx.setWitness(i, [Buffer.from(ecc.signSchnorr(h, keys.tweakedPriv!, ZERO32))]);
        break;
      }
      case 'bare-multisig':
        tx.setInputScript(i, bitcoin.script.compile([bitcoin.opcodes.OP_0, ecdsa(tx.hashForSignature(i, keys.script, ALL), keys.privs[0]!)]));
        break;
    }
  });
}
