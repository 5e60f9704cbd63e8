#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=64
// The `anode` command: parses the command word, resolves settings once, and hands off.
import * as bitcoin from 'bitcoinjs-lib';
import { loadSettings, parseArgs, SettingsError, SETTINGS } from '../config/settings.js';
import { bitcoinjsNetwork } from '../config/network.js';
import { setLogLevel } from '../log.js';
import { runSync } from './sync.js';
import { runServe } from './serve.js';
import { runQuery } from './query.js';
import { runRpc } from './rpc.js';
import { SyncFatalError } from '../sync/errors.js';

const USAGE = `usage: anode <command> [--setting value ...]

commands:
  serve (the default)        sync the index, then serve Electrum wallets on SERVICES while following the chain
  sync                       build the index from bitcoind, then follow new blocks, without serving (Ctrl-C stops cleanly)
  query ADDRESS|SCRIPTHASH   print confirmed history, UTXOs and balance [--json]
  rpc COMMAND [ARG]          the admin RPC of a running server: getinfo, daemon_url [N|next], reorg N, sessions, stop [--json]
  settings                   print the effective settings
  help                       this text

Settings come from the environment (ElectrumX names: COIN, NET, DAEMON_URL, DB_DIRECTORY, CACHE_MB, ...),
a config file (--config FILE), and flags (--db-directory /x sets DB_DIRECTORY). See docs/configuration.md.
Known settings: ${SETTINGS.map((s) => s.name).join(', ')}`;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['json', 'help']);
  const [command = 'serve', ...operands] = args.positionals;
  if (command === 'help' || args.switches.has('help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const settings = loadSettings({
    env: process.env,
    flags: args.flags,
    checkAddress: (address, coin) => {
      try {
        bitcoin.address.toOutputScript(address, bitcoinjsNetwork(coin));
        return true;
      } catch {
        return false;
      }
    },
  });
  setLogLevel(settings.logLevel);
  switch (command) {
    case 'serve':
      await runServe(settings);
      return 0;
    case 'sync':
      await runSync(settings);
      return 0;
    case 'query': {
      if (operands.length !== 1) throw new SettingsError('query', 'needs exactly one ADDRESS or SCRIPTHASH');
      return runQuery(settings, operands[0]!, { json: args.switches.has('json') });
    }
    case 'rpc': {
      if (operands.length < 1) throw new SettingsError('rpc', 'needs a command: getinfo, daemon_url [N|next], reorg N, sessions or stop');
      return runRpc(settings, operands[0]!, operands.slice(1), { json: args.switches.has('json') });
    }
    case 'settings':
      process.stdout.write(JSON.stringify({ ...settings, coin: `${settings.coin.coin}/${settings.coin.network}` }, redactPasswords, 2) + '\n');
      return 0;
    default:
      process.stderr.write(`anode: unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

function redactPasswords(key: string, value: unknown): unknown {
  return key === 'password' ? '***' : value;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Settings and fatal sync conditions (wrong network, reorg too deep) are one clear line;
    // anything else is a bug worth its stack.
    if (err instanceof SettingsError || err instanceof SyncFatalError) process.stderr.write(`anode: ${err.message}\n`);
    else process.stderr.write(`anode: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
