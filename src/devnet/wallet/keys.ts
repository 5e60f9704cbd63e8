// Deterministic wallet keys and the output script of each kind.
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { sha256 } from '../../chain/hash.js';
import type { OutputKind } from '../chain/types.js';

bitcoin.initEccLib(ecc);

export interface KeySet {
  readonly kind: OutputKind;
  readonly index: number;
  readonly privs: Buffer[];
  readonly pubs: Buffer[];
  readonly script: Buffer;
  /** p2sh redeem script (multisig or the p2wpkh program). */
  readonly redeem?: Buffer;
  /** p2wsh witness script. */
  readonly witnessScript?: Buffer;
  /** Bare multisig has none. */
  readonly address?: string;
  /** p2tr: the tweaked private key for key-path spends. */
  readonly tweakedPriv?: Buffer;
}

/** How many keys each kind uses. */
const KEY_COUNT: Record<OutputKind, number> = {
  p2pkh: 1, 'p2sh-multisig': 3, 'p2sh-p2wpkh': 1, p2wpkh: 1, p2wsh: 2, p2tr: 1, 'bare-multisig': 2,
};

export function derivePrivateKey(seed: string, label: string): Buffer {
  let k = sha256(Buffer.from(`devnet:${seed}:${label}`));
  while (!ecc.isPrivate(k)) k = sha256(k);
  return k;
}

export function deriveKeySet(seed: string, kind: OutputKind, index: number, network: bitcoin.Network): KeySet {
  const privs: Buffer[] = [];
  for (let j = 0; j < KEY_COUNT[kind]; j++) privs.push(derivePrivateKey(seed, `${kind}/${index}/${j}`));
  const pubs = privs.map((d) => Buffer.from(ecc.pointFromScalar(d, true)!));
  const base = { kind, index, privs, pubs };
  switch (kind) {
    case 'p2pkh': {
      const p = bitcoin.payments.p2pkh({ pubkey: pubs[0], network });
      return { ...base, script: p.output!, address: p.address };
    }
    case 'p2sh-multisig': {
      const redeem = bitcoin.payments.p2ms({ m: 2, pubkeys: pubs, network });
      const p = bitcoin.payments.p2sh({ redeem, network });
      return { ...base, script: p.output!, address: p.address, redeem: redeem.output! };
    }
    case 'p2sh-p2wpkh': {
      const redeem = bitcoin.payments.p2wpkh({ pubkey: pubs[0], network });
      const p = bitcoin.payments.p2sh({ redeem, network });
      return { ...base, script: p.output!, address: p.address, redeem: redeem.output! };
    }
    case 'p2wpkh': {
      const p = bitcoin.payments.p2wpkh({ pubkey: pubs[0], network });
      return { ...base, script: p.output!, address: p.address };
    }
    case 'p2wsh': {
      const redeem = bitcoin.payments.p2ms({ m: 2, pubkeys: pubs, network });
      const p = bitcoin.payments.p2wsh({ redeem, network });
      return { ...base, script: p.output!, address: p.address, witnessScript: redeem.output! };
    }
    case 'p2tr': {
      const internal = pubs[0]!.subarray(1, 33);
      const p = bitcoin.payments.p2tr({ internalPubkey: internal, network });
      return { ...base, script: p.output!, address: p.address, tweakedPriv: tweakPrivateKey(privs[0]!, pubs[0]!) };
    }
    case 'bare-multisig': {
      const p = bitcoin.payments.p2ms({ m: 1, pubkeys: pubs, network });
      return { ...base, script: p.output! };
    }
  }
}

/** BIP341 key-path tweak with no script tree: d' = (d or -d for odd Y) + H_TapTweak(x(P)). */
export function tweakPrivateKey(priv: Buffer, pub33: Buffer): Buffer {
  const d = pub33[0] === 0x03 ? Buffer.from(ecc.privateNegate(priv)) : priv;
  const tweak = bitcoin.crypto.taggedHash('TapTweak', pub33.subarray(1, 33));
  return Buffer.from(ecc.privateAdd(d, tweak)!);
}

/** Upper-bound weight of spending one output of this kind (72-byte DER sigs). */
export const INPUT_WEIGHT: Record<OutputKind, number> = {
  p2pkh: 148 * 4 + 1,
  'p2sh-multisig': 297 * 4 + 1,
  'p2sh-p2wpkh': 64 * 4 + 108,
  p2wpkh: 41 * 4 + 108,
  p2wsh: 41 * 4 + 220,
  p2tr: 41 * 4 + 66,
  'bare-multisig': 115 * 4 + 1,
};
