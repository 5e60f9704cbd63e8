// Electrum's script hash: sha256(scriptPubKey), shown byte-reversed as hex.
import { sha256, toDisplayHex } from './hash.js';

export function scriptHash(script: Uint8Array): Buffer {
  return sha256(script);
}

/** The hex form wallets send: the sha256 reversed. */
export function scriptHashHex(script: Uint8Array): string {
  return toDisplayHex(sha256(script));
}

/** Electrum hex scripthash -> internal sha256 bytes. */
export function scriptHashFromHex(hex: string): Buffer {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`invalid scripthash: ${String(hex).slice(0, 80)}`);
  return Buffer.from(hex, 'hex').reverse();
}

/** Outputs that can never be spent, and so never enter the UTXO set. */
export function isUnspendable(script: Uint8Array): boolean {
  return (script.length > 0 && script[0] === 0x6a) || script.length > 10_000;
}
