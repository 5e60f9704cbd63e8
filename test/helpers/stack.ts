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
import { silentLogger } from '../../src/log.js';
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
  /** An existing chain to serve (the stack then does not stop it). */
  readonly regtest?: Regtest;
  /** Feed the mempool from the daemon's ZMQ sequence stream (default true; false: polling only). */
  readonly zmqSequence?: boolean;
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
  /** Waits until the served tip and mempool are the daemon's, and notifications are computed. */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const regtest = opts.regtest ?? (await startRegtest(opts));
  const dir = mkdtempSync(join(tmpdir(), 'anode-stack-'));
  const log = silentLogger();
  const daemon = new DaemonPool([regtest.endpoint], { logger: log });
  const index = await openIndex(dir, { coin: regtest.coin, logger: log });
  const syncer = new Syncer({ daemon, reader: index.reader, writer: index.writer!, coin: regtest.coin, reorgLimit: regtest.coin.reorgLimit, cacheMb: 64, pollMs: 200, logger: log, fetchWorker: false });
  let zmq: BlockAnnouncements | null = null;
  const caughtUp = new Promise<void>((resolve) => syncer.events.on('caughtUp', () => resolve()));
  const running = syncer.run();
  running.catch(() => undefined);
  await caughtUp;
  zmq = subscribeHashblock(regtest.zmqUrl, () => syncer.announceBlock(), log);
  const chain = new ChainState({ index, source: new DaemonMempoolSource(daemon), pollMs: opts.mempoolPollMs ?? 200, logger: log });
  await chain.start();
  if (opts.zmqSequence ?? true) {
    const feed = followSequence(regtest.zmqUrl, chain, () => syncer.announceBlock(), log);
    chain.onStop(() => feed.close());
  }
  const maxSend = opts.maxSend ?? 16_000_000;
  const server = await ElectrumServer.start({
    chain,
    daemon,
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
  });

  const settle = async (timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [best, pool] = await Promise.all([regtest.rpc<string>('getbestblockhash'), regtest.rpc<string[]>('getrawmempool')]);
      const tip = toDisplayHex(chain.tip.hash);
      const same = tip === best && pool.length === chain.mempool.size && pool.every((t) => chain.mempool.has(txKeyOf(fromDisplayHex(t))));
      if (same) {
        await server.context.hub.idle();
        // A change may have landed while we waited for the hub.
        const best2 = await regtest.rpc<string>('getbestblockhash');
        if (best2 === best && toDisplayHex(chain.tip.hash) === best) return;
      }
      if (Date.now() > deadline) throw new Error(`stack did not settle: served ${tip} (${chain.mempool.size} mempool txs), daemon ${best} (${pool.length})`);
      syncer.announceBlock();
      chain.refreshSoon();
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
    async stop() {
      await server.stop();
      await chain.stop();
      syncer.stop();
      await running.catch(() => undefined);
      await zmq?.close();
      daemon.close();
      await index.close();
      if (!opts.regtest) await regtest.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
