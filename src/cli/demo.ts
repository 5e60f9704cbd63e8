// `npm run demo`: Anode on devnet. Starts a local regtest chain (devnet, in this process), syncs
// Anode's index from it over real RPC and ZMQ, and keeps following as devnet mines a block every few
// seconds (with an occasional reorg), printing what happens and how to query the index meanwhile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCoin } from '../config/coins.js';
import { toDisplayHex } from '../chain/hash.js';
import { startDevnet } from '../devnet/main.js';
import { reorg } from '../devnet/scenario.js';
import type { Syncer } from '../sync/syncer.js';
import { silentLogger } from '../log.js';
import { runSync, type SyncSettings } from './sync.js';
import { runQuery } from './query.js';

interface DemoOptions {
  blocktime: number;
  txsPerBlock: number;
  /** Stop after this many new blocks are mined and indexed (0 = run until Ctrl-C). */
  blocks: number;
  /** Reorg the last 2 blocks every N blocks (0 = never). */
  reorgEvery: number;
  keep: boolean;
}

const USAGE = 'usage: npm run demo -- [--blocktime SECONDS] [--txs-per-block N] [--blocks N] [--reorg-every N] [--keep]';

function parseDemoArgs(argv: readonly string[]): DemoOptions {
  const opts: DemoOptions = { blocktime: 5, txsPerBlock: 20, blocks: 0, reorgEvery: 6, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--keep') {
      opts.keep = true;
      continue;
    }
    const value = Number(argv[++i]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} needs a non-negative number\n${USAGE}`);
    if (flag === '--blocktime') opts.blocktime = value;
    else if (flag === '--txs-per-block') opts.txsPerBlock = value;
    else if (flag === '--blocks') opts.blocks = value;
    else if (flag === '--reorg-every') opts.reorgEvery = value;
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  return opts;
}

const say = (line = '') => process.stdout.write(line + '\n');

async function main(): Promise<void> {
  const opts = parseDemoArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'anode-demo-'));
  const devnet = await startDevnet({ datadir: join(dir, 'devnet'), blocktime: 0, txsPerBlock: opts.txsPerBlock, log: silentLogger() });
  const { node } = devnet;
  const coin = findCoin('Bitcoin', 'regtest');
  const watched = node.wallet.address('p2wpkh');
  const settings: SyncSettings = {
    coin,
    daemons: [{ url: devnet.rpcUrl, cookieFile: devnet.cookieFile }],
    dbDirectory: join(dir, 'index'),
    cacheMb: 256,
    reorgLimit: coin.reorgLimit,
    daemonPollMs: 2000,
    zmq: 'auto',
    logLevel: process.env.LOG_LEVEL ?? 'error',
  };
  const cli = `NET=regtest DB_DIRECTORY=${settings.dbDirectory} node dist/src/cli/main.js`;
  say('Anode demo');
  say(`  devnet   RPC ${devnet.rpcUrl} (cookie ${devnet.cookieFile})`);
  say(`           ZMQ ${devnet.zmqUrl}; ${node.tipHeight() + 1} blocks, a funded wallet`);
  say(`  index    ${settings.dbDirectory}`);
  say(`  try, in another terminal while this runs:`);
  say(`           ${cli} query ${watched}`);
  say(`           DAEMON_URL=${devnet.rpcUrl} DAEMON_COOKIE_FILE=${devnet.cookieFile} NET=regtest node dist/src/cli/main.js settings`);
  say();

  let syncer: Syncer | null = null;
  let mined = 0;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    if (timer) clearInterval(timer);
    syncer?.stop();
  };
  process.on('SIGINT', finish);
  process.on('SIGTERM', finish);

  const mine = () => {
    if (opts.reorgEvery > 0 && mined > 0 && mined % opts.reorgEvery === 0) {
      const result = reorg(node, 2, { newBlocks: 3 });
      say(`devnet:  reorg — replaced the last ${result.staleBlocks.length} blocks with ${result.newBlocks.length} new ones`);
    } else {
      devnet.mineBlock();
    }
    mined++;
  };

  const onStart = ({ syncer: s }: { syncer: Syncer }) => {
    syncer = s;
    s.events.on('caughtUp', (tip) => {
      say(`anode:   index caught up at height ${tip.height} (${toDisplayHex(tip.hash)})`);
      void runQuery(settings, watched, { json: false, out: (t) => say(t.replace(/^/gm, '         ')) }).then(() => {
        say(`devnet:  mining a block every ${opts.blocktime} s with ${opts.txsPerBlock} payments; Ctrl-C stops`);
        timer = setInterval(mine, opts.blocktime * 1000);
      });
    });
    s.events.on('tip', (tip) => {
      if (!s.isCaughtUp) return;
      const block = node.block(tip.hash);
      say(`anode:   indexed block ${tip.height} ${toDisplayHex(tip.hash).slice(0, 16)}… (${block?.txCount ?? '?'} txs)`);
      if (opts.blocks > 0 && mined >= opts.blocks && tip.height === node.tipHeight()) finish();
    });
    s.events.on('reorg', (r) => say(`anode:   reorg — rolled back ${r.depth} block(s) to the fork at height ${r.fork.height}`));
  };

  try {
    await runSync(settings, { follow: true, handleSignals: false, onStart });
  } finally {
    if (timer) clearInterval(timer);
    await devnet.stop();
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    else say(`kept ${dir}`);
    say('demo stopped');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
