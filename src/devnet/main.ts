// `node dist/src/devnet/main.js`: a devnet regtest node with bitcoind's RPC and ZMQ, a funded
// wallet, and a block every --blocktime seconds carrying payments of every output kind.
// startDevnet() is the same thing as a function, for `npm run demo`.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logger, type Logger } from '../log.js';
import { DevnetNode } from './node.js';
import { produceBlocks } from './scenario.js';
import { DevnetServer } from './server.js';
import { formatBtc } from './rpc/json.js';

export interface DevnetOptions {
  host?: string;
  /** 0 = a free port. */
  rpcPort?: number;
  zmqPort?: number;
  rpcUser?: string;
  rpcPassword?: string;
  /** The cookie goes to <datadir>/regtest/.cookie, as bitcoind puts it. */
  datadir?: string;
  /** Seconds between blocks; 0 = mine only on request. */
  blocktime?: number;
  /** Payments put in the mempool before each block. */
  txsPerBlock?: number;
  seed?: string;
  log?: Logger;
}

export interface RunningDevnet {
  readonly node: DevnetNode;
  readonly server: DevnetServer;
  readonly rpcUrl: string;
  readonly zmqUrl: string;
  readonly cookieFile?: string;
  /** Mines one block after submitting `txsPerBlock` signed payments of every output kind; returns its height. */
  mineBlock(): number;
  stop(): Promise<void>;
}

export async function startDevnet(opts: DevnetOptions = {}): Promise<RunningDevnet> {
  const log = opts.log ?? logger('devnet');
  const node = await DevnetNode.create({ seed: opts.seed });
  node.wallet.fund();
  const cookieFile = opts.datadir ? join(resolve(opts.datadir), 'regtest', '.cookie') : undefined;
  const server = await DevnetServer.start({
    node, host: opts.host, rpcPort: opts.rpcPort ?? 0, zmqPort: opts.zmqPort ?? 0, rpcUser: opts.rpcUser, rpcPassword: opts.rpcPassword, cookieFile, log,
  });
  const txsPerBlock = opts.txsPerBlock ?? 20;
  const mineBlock = (): number => {
    const { txids } = produceBlocks(node, 1, { txsPerBlock, seed: opts.seed });
    log.info({ height: node.tipHeight(), payments: txids.length, txs: node.tip().txCount, mempool: node.mempool().length }, 'block mined');
    return node.tipHeight();
  };
  const blocktime = opts.blocktime ?? 10;
  const timer = blocktime > 0 ? setInterval(mineBlock, blocktime * 1000) : undefined;
  return {
    node, server, rpcUrl: server.rpcUrl, zmqUrl: server.zmqUrl, cookieFile: server.cookieFile, mineBlock,
    async stop() {
      if (timer) clearInterval(timer);
      await server.stop();
    },
  };
}

const USAGE = `usage: node dist/src/devnet/main.js [--rpcport N] [--zmqport N] [--rpcuser U --rpcpassword P]
       [--datadir D] [--blocktime SECONDS] [--txs-per-block N] [--seed S]`;

export function parseArgs(argv: readonly string[]): DevnetOptions {
  const opts: DevnetOptions = { rpcPort: 18443, zmqPort: 28332 };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a non-negative number\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = argv[i + 1];
    switch (flag) {
      case '--rpcport': opts.rpcPort = num(flag, v); break;
      case '--zmqport': opts.zmqPort = num(flag, v); break;
      case '--rpcuser': opts.rpcUser = v; break;
      case '--rpcpassword': opts.rpcPassword = v; break;
      case '--datadir': opts.datadir = v; break;
      case '--blocktime': opts.blocktime = num(flag, v); break;
      case '--txs-per-block': opts.txsPerBlock = num(flag, v); break;
      case '--seed': opts.seed = v; break;
      default: throw new Error(`unknown argument ${flag}\n${USAGE}`);
    }
    i++;
  }
  if ((opts.rpcUser === undefined) !== (opts.rpcPassword === undefined)) throw new Error(`--rpcuser and --rpcpassword go together\n${USAGE}`);
  return opts;
}

async function main(): Promise<void> {
  let opts: DevnetOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const devnet = await startDevnet(opts);
  const { node } = devnet;
  const auth = devnet.cookieFile ? `cookie ${devnet.cookieFile}` : `user ${opts.rpcUser}`;
  process.stdout.write(
    [
      'devnet regtest node ready',
      `  RPC     ${devnet.rpcUrl}  (${auth}${devnet.cookieFile && opts.rpcUser ? `, or user ${opts.rpcUser}` : ''})`,
      `  ZMQ     ${devnet.zmqUrl}  (hashblock hashtx rawblock rawtx sequence)`,
      `  chain   height ${node.tipHeight()}, tip ${node.tipHash().toString('hex').match(/../g)!.reverse().join('')}`,
      `  wallet  ${formatBtc(node.wallet.balance())} BTC spendable`,
      opts.blocktime === 0 ? '  mining  on request only (generatetoaddress, devnet_mine)' : `  mining  a block every ${opts.blocktime ?? 10} s with up to ${opts.txsPerBlock ?? 20} payments`,
      '  Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping devnet\n`);
    devnet.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`stop failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`devnet failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
