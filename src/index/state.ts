// The state record: the one row that says what the rest of the index holds. It is written in the
// same batch as the data it describes, so a reader or a restart never sees one without the other.
import type { CoinParams } from '../config/coins.js';
import { fromDisplayHex, toDisplayHex } from '../chain/hash.js';
import type { IndexState } from './types.js';
import { FORMAT_VERSION } from './keys.js';

export class IndexMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexMismatchError';
  }
}

const ZERO_HASH = Buffer.alloc(32);

export function emptyState(coin: CoinParams): IndexState {
  return {
    height: -1,
    tipHash: ZERO_HASH,
    txCount: 0,
    formatVersion: FORMAT_VERSION,
    coin: coin.coin,
    network: coin.network,
    genesisHash: fromDisplayHex(coin.genesisHash),
  };
}

export function encodeState(s: IndexState): Buffer {
  return Buffer.from(
    JSON.stringify({
      formatVersion: s.formatVersion,
      coin: s.coin,
      network: s.network,
      genesisHash: toDisplayHex(s.genesisHash),
      height: s.height,
      tipHash: toDisplayHex(s.tipHash),
      txCount: s.txCount,
    }),
  );
}

export function decodeState(raw: Buffer): IndexState {
  const o = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  const num = (k: string): number => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new IndexMismatchError(`index state record: field ${k} is not an integer`);
    return v;
  };
  const str = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string') throw new IndexMismatchError(`index state record: field ${k} is not a string`);
    return v;
  };
  return {
    formatVersion: num('formatVersion'),
    coin: str('coin'),
    network: str('network'),
    genesisHash: fromDisplayHex(str('genesisHash')),
    height: num('height'),
    tipHash: fromDisplayHex(str('tipHash')),
    txCount: num('txCount'),
  };
}

/** Refuses an index built by another format, coin, network or chain, saying which and how to fix it. */
export function checkState(s: IndexState, coin: CoinParams, dir: string): void {
  const fix = `Point DB_DIRECTORY elsewhere or delete ${dir} to re-index.`;
  if (s.formatVersion !== FORMAT_VERSION) {
    throw new IndexMismatchError(`index at ${dir} has format version ${s.formatVersion}, this Anode reads version ${FORMAT_VERSION}. ${fix}`);
  }
  if (s.coin.toLowerCase() !== coin.coin.toLowerCase() || s.network !== coin.network) {
    throw new IndexMismatchError(`index at ${dir} is for ${s.coin} ${s.network}, not ${coin.coin} ${coin.network}. ${fix}`);
  }
  const genesis = fromDisplayHex(coin.genesisHash);
  if (!s.genesisHash.equals(genesis)) {
    throw new IndexMismatchError(
      `index at ${dir} was built from a chain with genesis ${toDisplayHex(s.genesisHash)}, but ${coin.coin} ${coin.network} has genesis ${coin.genesisHash}. ${fix}`,
    );
  }
}
