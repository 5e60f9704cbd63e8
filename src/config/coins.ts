// Coin and network definitions live as data in coins/*.json: adding a network is adding a file.
// This loader validates every field and names the file and the field when one is wrong.
import { readdirSync, readFileSync } from 'node:fs';
import { join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AddressParams {
  readonly p2pkh: number;
  readonly p2sh: number;
  readonly wif: number;
  readonly bech32: string;
  readonly bip32Public: number;
  readonly bip32Private: number;
}

export interface ElectrumPorts {
  readonly tcp: number;
  readonly ssl: number;
  readonly ws: number;
  readonly wss: number;
}

export interface CoinParams {
  /** Display name of the coin, e.g. "Bitcoin" (matched case-insensitively against COIN). */
  readonly coin: string;
  readonly ticker: string;
  /** mainnet, testnet, testnet4, signet, regtest ... (matched against NET). */
  readonly network: string;
  /** Display-order hex of block 0. */
  readonly genesisHash: string;
  readonly headerSize: number;
  readonly messagePrefix: string;
  readonly segwit: boolean;
  readonly coinbaseMaturity: number;
  readonly addresses: AddressParams;
  readonly daemon: { readonly rpcPort: number; readonly dataDir: string; readonly networkDir: string };
  readonly electrumPorts: ElectrumPorts;
  /** Deepest reorg the index can undo. */
  readonly reorgLimit: number;
  readonly subsidyHalvingInterval: number;
  /** Regtest-style chains: minimum difficulty forever. */
  readonly powNoRetargeting: boolean;
  /**
   * Heights whose coinbase repeats an earlier coinbase's txid, which consensus allowed there (BIP30's
   * exceptions: Bitcoin mainnet 91842 and 91880). Optional; default none.
   */
  readonly duplicateCoinbaseHeights: readonly number[];
  /** The file it came from, for messages. */
  readonly file: string;
}

export class CoinFileError extends Error {
  constructor(file: string, field: string, reason: string) {
    super(`coin file ${file}: field "${field}" ${reason}`);
    this.name = 'CoinFileError';
  }
}

/** The coins/ folder shipped with Anode (next to package.json). */
export function defaultCoinsDir(): string {
  // This module is at src/config/ or dist/src/config/; coins/ is at the project root.
  const here = fileURLToPath(new URL('.', import.meta.url));
  const up = here.includes(`${join('dist', 'src')}`) ? '../../../coins' : '../../coins';
  return join(here, up);
}

type Check = (v: unknown) => string | null;
const int = (min: number, max: number): Check => (v) =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? null : `must be an integer from ${min} to ${max}`;
const str = (re?: RegExp, what?: string): Check => (v) =>
  typeof v !== 'string' || v.length === 0 ? 'must be a non-empty string' : re && !re.test(v) ? `must be ${what}` : null;
const bool: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const port = int(1, 65535);
const byte = int(0, 255);
const u32 = int(0, 0xffffffff);

function field(file: string, obj: Record<string, unknown>, path: string, check: Check): unknown {
  const parts = path.split('.');
  let v: unknown = obj;
  for (const p of parts) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  if (v === undefined) throw new CoinFileError(file, path, 'is missing');
  const problem = check(v);
  if (problem) throw new CoinFileError(file, path, `${problem} (got ${JSON.stringify(v)})`);
  return v;
}

/** Validates one parsed coin file. */
export function validateCoin(file: string, raw: unknown): CoinParams {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CoinFileError(file, '(root)', 'must be a JSON object');
  const o = raw as Record<string, unknown>;
  const f = (path: string, check: Check) => field(file, o, path, check);
  const coin: CoinParams = {
    coin: f('coin', str()) as string,
    ticker: f('ticker', str(/^[A-Z0-9]{2,10}$/, '2 to 10 capital letters or digits')) as string,
    network: f('network', str(/^[a-z0-9_-]+$/, 'lower-case letters, digits, - or _')) as string,
    genesisHash: f('genesisHash', str(/^[0-9a-f]{64}$/, '64 lower-case hex digits')) as string,
    headerSize: f('headerSize', int(80, 80)) as number,
    messagePrefix: f('messagePrefix', str()) as string,
    segwit: f('segwit', bool) as boolean,
    coinbaseMaturity: f('coinbaseMaturity', int(1, 10_000)) as number,
    addresses: {
      p2pkh: f('addresses.p2pkh', byte) as number,
      p2sh: f('addresses.p2sh', byte) as number,
      wif: f('addresses.wif', byte) as number,
      bech32: f('addresses.bech32', str(/^[a-z0-9]{1,20}$/, 'a lower-case bech32 prefix')) as string,
      bip32Public: f('addresses.bip32Public', u32) as number,
      bip32Private: f('addresses.bip32Private', u32) as number,
    },
    daemon: {
      rpcPort: f('daemon.rpcPort', port) as number,
      dataDir: f('daemon.dataDir', str()) as string,
      networkDir: f('daemon.networkDir', (v) => (typeof v === 'string' ? null : 'must be a string')) as string,
    },
    electrumPorts: {
      tcp: f('electrumPorts.tcp', port) as number,
      ssl: f('electrumPorts.ssl', port) as number,
      ws: f('electrumPorts.ws', port) as number,
      wss: f('electrumPorts.wss', port) as number,
    },
    reorgLimit: f('reorgLimit', int(1, 1_000_000)) as number,
    subsidyHalvingInterval: f('subsidyHalvingInterval', int(1, 100_000_000)) as number,
    powNoRetargeting: f('powNoRetargeting', bool) as boolean,
    duplicateCoinbaseHeights:
      o.duplicateCoinbaseHeights === undefined
        ? []
        : (f('duplicateCoinbaseHeights', (v) =>
            Array.isArray(v) && v.every((h) => Number.isInteger(h) && h > 0) ? null : 'must be a list of block heights (positive integers)') as number[]),
    file,
  };
  return coin;
}

export function loadCoinFile(path: string): CoinParams {
  const file = basename(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CoinFileError(file, '(file)', `is not readable JSON: ${(err as Error).message}`);
  }
  return validateCoin(file, raw);
}

/** Every coin file in the folder, validated; a duplicate coin+network is an error. */
export function loadCoins(dir = defaultCoinsDir()): CoinParams[] {
  const files = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  const coins = files.map((n) => loadCoinFile(join(dir, n)));
  const seen = new Map<string, string>();
  for (const c of coins) {
    const key = `${c.coin.toLowerCase()}/${c.network}`;
    const prev = seen.get(key);
    if (prev) throw new CoinFileError(c.file, 'network', `repeats ${c.coin} ${c.network}, already defined in ${prev}`);
    seen.set(key, c.file);
  }
  return coins;
}

/** The coin for COIN and NET (case-insensitive), or an error listing what exists. */
export function findCoin(coinName: string, network: string, dir = defaultCoinsDir()): CoinParams {
  const coins = loadCoins(dir);
  const match = coins.find((c) => c.coin.toLowerCase() === coinName.toLowerCase() && c.network === network.toLowerCase());
  if (!match) {
    const known = coins.map((c) => `${c.coin}/${c.network}`).join(', ');
    throw new Error(`no coin file for COIN=${coinName} NET=${network}; known: ${known}`);
  }
  return match;
}
