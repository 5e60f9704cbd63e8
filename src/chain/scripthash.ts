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
  return unspendable(script.length > 0 ? script[0]! : -1, script.length);
}

/** isUnspendable from a script's first byte (-1 if empty) and length, for parsers that hold no view. */
export function unspendable(firstByte: number, length: number): boolean {
  return firstByte === 0x6a || length > 10_000;
}
