// The whole server in-process for integration tests: a regtest chain (devnet, or bitcoind with
// BITCOIND set), Anode's index synced and following it, the mempool and the Electrum server on
// 127.0.0.1 with free ports. settle() waits until Anode serves exactly the daemon's tip and
// mempool, so tests check answers without sleeping.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonPool } from '../../src/daemon/pool.js';
import { openIndex, type AnodeIndex } from '../../src/index/index.js';
import { Syncer } from '../../src/sync/syncer.js';
import { subscribeHashblock, type BlockAnnouncements } from '../../src/sync/zmq-blocks.js';
import { ChainState } from '../../src/mempool/chain-state.js';
import { DaemonMempoolSource } from '../../src/mempool/source.js';
import { followSequence } from '../../src/mempool/zmq-feed.js';
import { ElectrumServer, type ElectrumServerOptions } from '../../src/electrum/server.js';
import { toDisplayHex, fromDisplayHex } from '../../src/chain/hash.js';
import { txKeyOf } from '../../src/mempool/tx.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { followDaemon, type Following } from '../../src/daemon/follow.js';
import { resolveHashblockUrl, resolveSequenceUrl } from '../../src/sync/zmq-blocks.js';
import { SOFTWARE } from '../../src/version.js';
import { startRegtest, type Regtest, type RegtestOptions } from './regtest.js';
import type { ServiceAddress, CertificateStore } from '../../src/transport/index.js';

export interface StackOptions extends RegtestOptions {
  readonly services?: readonly ServiceAddress[];
  readonly certificates?: CertificateStore;
  readonly maxHistory?: number;
  readonly maxSend?: number;
  readonly maxSubs?: number;
  readonly maxSessions?: number;
  readonly maxRecv?: number;
  readonly mempoolPollMs?: number;
  readonly requestTimeoutMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly transport?: Partial<ElectrumServerOptions['transport']>;
  /** Server-wide budget for backed-up output (ElectrumServerOptions.sendBudgetBytes). */
  readonly sendBudgetBytes?: number;
  /** An existing chain to serve (the stack then does not stop it). */
  readonly regtest?: Regtest;
  /** Feed the mempool from the daemon's ZMQ sequence stream (default true; false: polling only). */
  readonly zmqSequence?: boolean;
  /**
   * Several daemons on one chain, in DAEMON_URL order (e.g. a RegtestPair's nodes), instead of
   * regtest's one: the pool fails over between them, each checked for the genesis block, and ZMQ
   * (hashblock for the syncer, sequence for the mempool) follows the daemon in use, found with
   * getzmqnotifications, as `anode serve` wires it. settle() compares with the daemon in use.
   * `regtest` (default: the first of these) is then the test's view of the chain; neither is stopped.
   */
  readonly daemons?: readonly Regtest[];
  /** Where the stack's parts log (default: nowhere). */
  readonly logger?: Logger;
  /**
   * Daemon calls made for wallets and the mempool give up after this long without an answer from any
   * daemon, as in `anode serve` (10 s there); default: they wait as long as the syncer does.
   */
  readonly daemonAnswerMs?: number;
  /** The syncer's poll for a new tip (ms, default 200). */
  readonly syncPollMs?: number;
  /** Called as soon as the syncer runs, before the catch-up (which startStack waits for). */
  readonly onSyncing?: (parts: { readonly syncer: Syncer; readonly daemon: DaemonPool; readonly index: AnodeIndex }) => void;
}

export interface SettleOptions {
  /**
   * Poke the syncer and the mempool on every round (default true). false: only wait, so that a test
   * sees whether Anode converges by itself (ZMQ, its own polls).
   */
  readonly nudge?: boolean;
}

export interface Stack {
  readonly regtest: Regtest;
  readonly index: AnodeIndex;
  readonly daemon: DaemonPool;
  readonly syncer: Syncer;
  readonly chain: ChainState;
  readonly server: ElectrumServer;
  /** Port of the first listener of each protocol. */
  port(protocol?: 'tcp' | 'ssl' | 'ws' | 'wss'): number;
  /** Waits until the served tip and mempool are the daemon's (the one in use), and notifications are computed. */
  settle(timeoutMs?: number, opts?: SettleOptions): Promise<void>;
  /** The Regtest of the daemon in use (regtest itself without `daemons`). */
  inUse(): Regtest;
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const many = opts.daemons !== undefined && opts.daemons.length > 0 ? opts.daemons : null;
  const regtest = opts.regtest ?? many?.[0] ?? (await startRegtest(opts));
  const dir = mkdtempSync(join(tmpdir(), 'anode-stack-'));
  const log = opts.logger ?? silentLogger();
  const daemon = many
    ? new DaemonPool(many.map((d) => d.endpoint), { logger: log, genesisHash: regtest.coin.genesisHash })
    : new DaemonPool([regtest.endpoint], { logger: log });
  // What wallets and the mempool ask the daemon (bounded as in `anode serve` when asked).
  const served = opts.daemonAnswerMs !== undefined ? daemon.bounded(opts.daemonAnswerMs) : daemon;
  const index = await openIndex(dir, { coin: regtest.coin, logger: log });
  const syncer = new Syncer({ daemon, reader: index.reader, writer: index.writer!, coin: regtest.coin, reorgLimit: regtest.coin.reorgLimit, cacheMb: 64, pollMs: opts.syncPollMs ?? 200, logger: log, fetchWorker: false });
  let zmq: BlockAnnouncements | null = null;
  let hashblocks: Following | null = null;
  if (many) {
    // As runSync: hashblock from the daemon in use, again after every failover.
    hashblocks = followDaemon(
      daemon,
      async () => {
        const url = await resolveHashblockUrl('auto', daemon, daemon.current().url, log);
        if (!url) return null;
        syncer.announceBlock();
        return subscribeHashblock(url, () => syncer.announceBlock(), log);
      },
      (err) => log.warn({ err: err.message }, 'ZMQ subscription failed; polling'),
    );
  }
  const caughtUp = new Promise<void>((resolve) => syncer.events.on('caughtUp', () => resolve()));
  const running = syncer.run();
  running.catch(() => undefined);
  opts.onSyncing?.({ syncer, daemon, index });
  await caughtUp;
  if (!many) zmq = subscribeHashblock(regtest.zmqUrl, () => syncer.announceBlock(), log);
  const chain = new ChainState({ index, source: new DaemonMempoolSource(served), pollMs: opts.mempoolPollMs ?? 200, logger: log });
  await chain.start();
  if ((opts.zmqSequence ?? true) && many) {
    // As `anode serve`: the sequence stream of the daemon in use; after a switch the mempool reloads from the new one.
    let first = true;
    const following = followDaemon(
      daemon,
      async () => {
        if (!first) {
          log.info({ daemon: daemon.current().url }, 'daemon switched: the mempool reloads from it');
          chain.resync(`switched to ${daemon.current().url}`);
        }
        first = false;
        const found = await resolveSequenceUrl('auto', daemon, daemon.current().url, log);
        if (found) return followSequence(found.url, chain, () => syncer.announceBlock(), log, found.rawtx);
        return null;
      },
      (err) => log.warn({ err: err.message }, 'ZMQ sequence subscription failed; polling'),
    );
    chain.onStop(() => following.close());
  } else if (opts.zmqSequence ?? true) {
    const feed = followSequence(regtest.zmqUrl, chain, () => syncer.announceBlock(), log, true);
    chain.onStop(() => feed.close());
  }
  const inUse = (): Regtest => (many ? many[daemon.current().index]! : regtest);
  const maxSend = opts.maxSend ?? 16_000_000;
  const server = await ElectrumServer.start({
    chain,
    daemon: served,
    info: { coin: regtest.coin, software: SOFTWARE, banner: `You are connected to an ${SOFTWARE} server.`, donationAddress: '', reportServices: [] },
    limits: { maxSend, maxHistory: opts.maxHistory ?? 2_000_000, maxSubs: opts.maxSubs ?? 100_000 },
    sessions: {
      maxSessions: opts.maxSessions ?? 1000,
      maxBatch: 2000,
      maxConcurrent: 16,
      maxQueued: 512,
      requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 600_000,
      maxRecv: opts.maxRecv ?? 1_000_000,
    },
    transport: { highWaterBytes: 1024 * 1024, lowWaterBytes: 256 * 1024, hardLimitBytes: maxSend + 8 * 1024 * 1024, congestedTimeoutMs: 120_000, closeTimeoutMs: 2000, ...opts.transport },
    services: opts.services ?? [{ protocol: 'tcp', host: '127.0.0.1', port: 0 }],
    certificates: opts.certificates ?? null,
    logger: log,
    sendBudgetBytes: opts.sendBudgetBytes,
    // Every history is cached in tests, so that every answer also checks the cache's invalidation.
    historyCacheFrom: 1,
  });

  const settle = async (timeoutMs = 20_000, settleOpts: SettleOptions = {}): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      // With several daemons, the one in use (if it is down, Anode has yet to notice: wait).
      const ref = inUse();
      try {
        const [best, pool] = await Promise.all([ref.rpc<string>('getbestblockhash'), ref.rpc<string[]>('getrawmempool')]);
        const tip = toDisplayHex(chain.tip.hash);
        const same = tip === best && pool.length === chain.mempool.size && pool.every((t) => chain.mempool.has(txKeyOf(fromDisplayHex(t))));
        if (same) {
          await server.context.hub.idle();
          // A change may have landed while we waited for the hub.
          const best2 = await ref.rpc<string>('getbestblockhash');
          if (best2 === best && toDisplayHex(chain.tip.hash) === best && inUse() === ref) return;
        }
        last = `served ${tip} (${chain.mempool.size} mempool txs), daemon ${best} (${pool.length})`;
      } catch (err) {
        last = `the daemon in use (${daemon.current().url}) did not answer: ${(err as Error).message}`;
      }
      if (Date.now() > deadline) throw new Error(`stack did not settle: ${last}`);
      if (settleOpts.nudge ?? true) {
        syncer.announceBlock();
        chain.refreshSoon();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    regtest,
    index,
    daemon,
    syncer,
    chain,
    server,
    port(protocol = 'tcp') {
      const a = server.addresses.find((x) => x.protocol === protocol);
      if (!a) throw new Error(`no ${protocol} listener`);
      return a.port;
    },
    settle,
    inUse,
    async stop() {
      await server.stop();
      await chain.stop();
      syncer.stop();
      await running.catch(() => undefined);
      await zmq?.close();
      await hashblocks?.close();
      daemon.close();
      await index.close();
      if (!opts.regtest && !many) await regtest.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
