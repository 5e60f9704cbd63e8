// What `anode query` accepts: an address of the configured coin, or an Electrum scripthash.
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import type { CoinParams } from '../config/coins.js';
import { bitcoinjsNetwork } from '../config/network.js';
import { scriptHash, scriptHashFromHex } from '../chain/scripthash.js';

export interface QueryTarget {
  readonly kind: 'address' | 'scripthash';
  /** What the operator typed. */
  readonly text: string;
  /** Internal order sha256 of the output script. */
  readonly scriptHash: Buffer;
  /** The output script, when an address was given. */
  readonly script?: Buffer;
}

export class QueryTargetError extends Error {}

/** Parses ADDRESS|SCRIPTHASH; throws QueryTargetError naming the coin when it is neither. */
export function parseQueryTarget(text: string, coin: CoinParams): QueryTarget {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return { kind: 'scripthash', text: t, scriptHash: scriptHashFromHex(t) };
  let script: Buffer;
  // Taproot addresses are checked for a valid x-only key, which needs the secp256k1 library.
  bitcoin.initEccLib(ecc);
  try {
    script = bitcoin.address.toOutputScript(t, bitcoinjsNetwork(coin));
  } catch {
    throw new QueryTargetError(
      `"${t}" is neither a ${coin.coin} ${coin.network} address nor a 64-hex-digit scripthash`,
    );
  }
  return { kind: 'address', text: t, scriptHash: scriptHash(script), script };
}
