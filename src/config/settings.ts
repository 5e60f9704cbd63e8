// Anode's settings: environment variables with ElectrumX's names where the meaning is the same,
// overridden by a config file (CONFIG_FILE or --config), overridden by command-line flags
// (--db-directory /x is DB_DIRECTORY=/x). Every setting is declared once in SETTINGS below; an
// invalid value stops start-up with one line naming the setting and the reason.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { findCoin, type CoinParams } from './coins.js';
import { parseServices, type Service } from './services.js';
import { parseDaemonUrls } from './daemon-urls.js';
import type { DaemonEndpoint } from '../daemon/types.js';

export interface Settings {
  readonly coin: CoinParams;
  readonly daemons: DaemonEndpoint[];
  /** 'auto' asks the daemon (getzmqnotifications); 'off' polls only; or a tcp:// URL. */
  readonly zmq: string;
  readonly daemonPollMs: number;
  readonly daemonTimeoutMs: number;
  readonly dbDirectory: string;
  readonly cacheMb: number;
  readonly reorgLimit: number;
  readonly logLevel: string;
  readonly services: Service[];
  readonly reportServices: Service[];
  readonly sslCertFile: string | null;
  readonly sslKeyFile: string | null;
  readonly maxSessions: number;
  readonly maxSend: number;
  readonly maxRecv: number;
  readonly maxHistory: number;
  readonly maxSubs: number;
  readonly mempoolPollMs: number;
  readonly requestTimeoutS: number;
  readonly sessionTimeoutS: number;
  readonly bannerFile: string | null;
  readonly donationAddress: string;
}

export class SettingsError extends Error {
  constructor(readonly setting: string, reason: string) {
    super(`invalid setting ${setting}: ${reason}`);
    this.name = 'SettingsError';
  }
}

type Raw = Record<string, string>;

interface Declared {
  readonly name: string;
  /** Default as text ('' = unset), given the coin where it depends on it. */
  readonly def: (coin: CoinParams | null) => string;
  readonly doc: string;
}

/** Every setting Anode reads, with its default and meaning (docs/configuration.md mirrors this). */
export const SETTINGS: readonly Declared[] = [
  { name: 'COIN', def: () => 'Bitcoin', doc: 'Coin name, as in a coins/*.json file ("coin" field).' },
  { name: 'NET', def: () => 'mainnet', doc: 'Network: mainnet, testnet, testnet4, signet, regtest (any "network" of a coin file).' },
  { name: 'DAEMON_URL', def: (c) => `http://127.0.0.1:${c?.daemon.rpcPort ?? 8332}`, doc: 'bitcoind RPC URL(s), comma-separated for round-robin failover: http://user:pass@host:port. Without credentials the cookie file is used.' },
  { name: 'DAEMON_COOKIE_FILE', def: (c) => (c ? join(expandHome(c.daemon.dataDir), c.daemon.networkDir, '.cookie') : ''), doc: "bitcoind's .cookie file, for daemons given without user:password." },
  { name: 'DAEMON_ZMQ', def: () => 'auto', doc: "ZMQ block notifications: auto (ask bitcoind's getzmqnotifications), off (poll only), or a tcp:// address." },
  { name: 'DAEMON_POLL_INTERVAL_BLOCKS', def: () => '5000', doc: 'Milliseconds between polls for new blocks (the fallback when ZMQ is off or silent).' },
  { name: 'DAEMON_TIMEOUT', def: () => '60', doc: 'Seconds before a daemon request is abandoned and the next daemon is tried.' },
  { name: 'DB_DIRECTORY', def: (c) => join(homedir(), '.anode', c ? `${c.coin}-${c.network}`.toLowerCase() : 'db'), doc: 'Directory of the RocksDB index.' },
  { name: 'CACHE_MB', def: () => '1200', doc: 'Memory for unflushed index work during sync, in MB; larger means fewer, bigger atomic flushes.' },
  { name: 'REORG_LIMIT', def: (c) => String(c?.reorgLimit ?? 200), doc: "Deepest reorg the index can undo (undo data kept for this many blocks). Default: the coin file's reorgLimit." },
  { name: 'LOG_LEVEL', def: () => 'info', doc: 'trace, debug, info, warn, error, fatal or silent.' },
  { name: 'SERVICES', def: (c) => `tcp://:${c?.electrumPorts.tcp ?? 50001},rpc://127.0.0.1:8000`, doc: 'Listeners: tcp://, ssl://, ws://, wss:// for wallets and rpc:// for the admin RPC, comma-separated host:port (empty host = all interfaces).' },
  { name: 'REPORT_SERVICES', def: () => '', doc: 'Services advertised to peers and in server.features, when they differ from SERVICES (e.g. behind NAT).' },
  { name: 'SSL_CERTFILE', def: () => '', doc: 'PEM certificate (chain) for ssl:// and wss:// services. Required when one is configured.' },
  { name: 'SSL_KEYFILE', def: () => '', doc: 'PEM private key for SSL_CERTFILE.' },
  { name: 'MAX_SESSIONS', def: () => '1000', doc: 'Most concurrent wallet sessions.' },
  { name: 'MAX_SEND', def: () => '16000000', doc: 'Largest response in bytes (a larger one gets an error instead).' },
  { name: 'MAX_RECV', def: () => '1000000', doc: 'Largest request line in bytes (a larger one gets an error and a disconnect).' },
  { name: 'MAX_HISTORY', def: () => '2000000', doc: 'Confirmed history entries past which get_history and subscribe answer "history too large".' },
  { name: 'MAX_SUBS', def: () => '100000', doc: 'Script subscriptions one session may hold.' },
  { name: 'MEMPOOL_POLL_MS', def: () => '2000', doc: "Milliseconds between looks at the daemon's mempool (getrawmempool diffs)." },
  { name: 'REQUEST_TIMEOUT', def: () => '30', doc: 'Seconds a request may take before it fails with an error.' },
  { name: 'SESSION_TIMEOUT', def: () => '600', doc: 'Seconds of silence after which a session is closed.' },
  { name: 'BANNER_FILE', def: () => '', doc: 'Text file returned by server.banner.' },
  { name: 'DONATION_ADDRESS', def: () => '', doc: 'Address returned by server.donation_address (checked against the coin).' },
];

const KNOWN = new Set(SETTINGS.map((s) => s.name).concat('CONFIG_FILE'));

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

/** `KEY = value` lines; '#' starts a comment; blank lines are ignored. */
export function parseConfigFile(path: string): Raw {
  if (!existsSync(path)) throw new SettingsError('CONFIG_FILE', `${path} does not exist`);
  const out: Raw = {};
  readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      const text = line.replace(/(^|\s)#.*$/, '').trim();
      if (!text) return;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(text);
      if (!m) throw new SettingsError('CONFIG_FILE', `${path} line ${i + 1} is not KEY = value`);
      const key = m[1]!.toUpperCase();
      if (!KNOWN.has(key)) throw new SettingsError(key, `unknown setting (${path} line ${i + 1})`);
      out[key] = m[2]!.replace(/^"(.*)"$/, '$1');
    });
  return out;
}

export interface ParsedArgs {
  /** Settings given as --flag value / --flag=value. */
  readonly flags: Raw;
  /** Words that are not settings: the command's own arguments. */
  readonly positionals: string[];
  /** Boolean switches the command declared (e.g. --json). */
  readonly switches: Set<string>;
}

/** Splits argv into settings flags, declared switches and positional words. */
export function parseArgs(argv: readonly string[], switches: readonly string[] = []): ParsedArgs {
  const flags: Raw = {};
  const positionals: string[] = [];
  const on = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq < 0 ? undefined : eq);
    if (switches.includes(flag)) {
      on.add(flag);
      continue;
    }
    const key = flag === 'config' ? 'CONFIG_FILE' : flag.replace(/-/g, '_').toUpperCase();
    if (!KNOWN.has(key)) throw new SettingsError(`--${flag}`, 'unknown option');
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new SettingsError(`--${flag}`, 'needs a value');
    flags[key] = value;
  }
  return { flags, positionals, switches: on };
}

function integer(name: string, text: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text.trim())) throw new SettingsError(name, `"${text}" is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw new SettingsError(name, `${n} is outside ${min} to ${max}`);
  return n;
}

function readableFile(name: string, path: string): string {
  if (!existsSync(path)) throw new SettingsError(name, `file ${path} does not exist`);
  return resolve(path);
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * Resolves settings from defaults < environment < config file < flags. `checkAddress` validates
 * DONATION_ADDRESS for the coin (the CLI passes one built on bitcoinjs-lib).
 */
export function loadSettings(opts: {
  env: NodeJS.ProcessEnv;
  flags?: Raw;
  checkAddress?: (address: string, coin: CoinParams) => boolean;
}): Settings {
  const fromEnv: Raw = {};
  for (const key of KNOWN) {
    const v = opts.env[key];
    if (v !== undefined && v !== '') fromEnv[key] = v;
  }
  const flags = opts.flags ?? {};
  const configPath = flags.CONFIG_FILE ?? fromEnv.CONFIG_FILE;
  const fromFile = configPath ? parseConfigFile(configPath) : {};
  const given: Raw = { ...fromEnv, ...fromFile, ...flags };

  const coinName = given.COIN ?? 'Bitcoin';
  const net = given.NET ?? 'mainnet';
  let coin: CoinParams;
  try {
    coin = findCoin(coinName, net);
  } catch (err) {
    throw new SettingsError('COIN/NET', (err as Error).message);
  }
  const get = (name: string): string => {
    const decl = SETTINGS.find((s) => s.name === name);
    if (!decl) throw new Error(`undeclared setting ${name}`);
    return (given[name] ?? decl.def(coin)).trim();
  };

  let daemons: DaemonEndpoint[];
  try {
    daemons = parseDaemonUrls(get('DAEMON_URL'), coin.daemon.rpcPort, expandHome(get('DAEMON_COOKIE_FILE')));
  } catch (err) {
    throw new SettingsError('DAEMON_URL', (err as Error).message);
  }

  const zmq = get('DAEMON_ZMQ');
  if (zmq !== 'auto' && zmq !== 'off' && !/^tcp:\/\/[^\s:]+:\d+$/.test(zmq)) {
    throw new SettingsError('DAEMON_ZMQ', `"${zmq}" is not auto, off or tcp://host:port`);
  }

  const portFor = (p: string) =>
    p === 'rpc' ? 8000 : coin.electrumPorts[p as 'tcp' | 'ssl' | 'ws' | 'wss'];
  const services = (name: string): Service[] => {
    try {
      return parseServices(get(name), portFor);
    } catch (err) {
      throw new SettingsError(name, (err as Error).message);
    }
  };
  const svc = services('SERVICES');
  const reportServices = services('REPORT_SERVICES');

  const needsTls = svc.some((s) => s.protocol === 'ssl' || s.protocol === 'wss');
  const cert = get('SSL_CERTFILE');
  const key = get('SSL_KEYFILE');
  if (needsTls && !cert) throw new SettingsError('SSL_CERTFILE', 'required by the ssl:// or wss:// service in SERVICES');
  if (needsTls && !key) throw new SettingsError('SSL_KEYFILE', 'required by the ssl:// or wss:// service in SERVICES');

  const logLevel = get('LOG_LEVEL').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new SettingsError('LOG_LEVEL', `"${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);

  const banner = get('BANNER_FILE');
  const donation = get('DONATION_ADDRESS');
  if (donation && opts.checkAddress && !opts.checkAddress(donation, coin)) {
    throw new SettingsError('DONATION_ADDRESS', `"${donation}" is not a ${coin.coin} ${coin.network} address`);
  }

  const dbDirectory = expandHome(get('DB_DIRECTORY'));
  if (!dbDirectory) throw new SettingsError('DB_DIRECTORY', 'must not be empty');

  return {
    coin,
    daemons,
    zmq,
    daemonPollMs: integer('DAEMON_POLL_INTERVAL_BLOCKS', get('DAEMON_POLL_INTERVAL_BLOCKS'), 50, 3_600_000),
    daemonTimeoutMs: integer('DAEMON_TIMEOUT', get('DAEMON_TIMEOUT'), 1, 3600) * 1000,
    dbDirectory: resolve(dbDirectory),
    cacheMb: integer('CACHE_MB', get('CACHE_MB'), 16, 1_048_576),
    reorgLimit: integer('REORG_LIMIT', get('REORG_LIMIT'), 1, 1_000_000),
    logLevel,
    services: svc,
    reportServices,
    sslCertFile: cert ? readableFile('SSL_CERTFILE', cert) : null,
    sslKeyFile: key ? readableFile('SSL_KEYFILE', key) : null,
    maxSessions: integer('MAX_SESSIONS', get('MAX_SESSIONS'), 1, 1_000_000),
    maxSend: integer('MAX_SEND', get('MAX_SEND'), 350_000, 1_000_000_000),
    maxRecv: integer('MAX_RECV', get('MAX_RECV'), 1_000, 1_000_000_000),
    maxHistory: integer('MAX_HISTORY', get('MAX_HISTORY'), 100, 1_000_000_000),
    maxSubs: integer('MAX_SUBS', get('MAX_SUBS'), 1, 100_000_000),
    mempoolPollMs: integer('MEMPOOL_POLL_MS', get('MEMPOOL_POLL_MS'), 50, 3_600_000),
    requestTimeoutS: integer('REQUEST_TIMEOUT', get('REQUEST_TIMEOUT'), 1, 86_400),
    sessionTimeoutS: integer('SESSION_TIMEOUT', get('SESSION_TIMEOUT'), 1, 86_400 * 7),
    bannerFile: banner ? readableFile('BANNER_FILE', banner) : null,
    donationAddress: donation,
  };
}
