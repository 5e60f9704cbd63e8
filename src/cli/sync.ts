// `anode sync`: keeps the index at the configured daemons' tip until SIGINT/SIGTERM.
import type { Settings } from '../config/settings.js';
import { DaemonPool } from '../daemon/pool.js';
import { openIndex, type AnodeIndex } from '../index/index.js';
import { logger, setLogLevel } from '../log.js';
import { Syncer } from '../sync/syncer.js';
import { memoryPlan } from '../sync/budget.js';
import { SyncFatalError } from '../sync/errors.js';
import { resolveHashblockUrl, subscribeHashblock } from '../sync/zmq-blocks.js';
import { followDaemon, type Following } from '../daemon/follow.js';

/** What runSync needs of the settings. */
export type SyncSettings = Pick<
  Settings,
  'coin' | 'daemons' | 'dbDirectory' | 'cacheMb' | 'reorgLimit' | 'daemonPollMs' | 'zmq' | 'logLevel'
> &
  Partial<Pick<Settings, 'daemonTimeoutMs'>>;

/** The parts a running sync is made of, for commands that build on it (anode serve). */
export interface SyncRuntime {
  readonly syncer: Syncer;
  readonly index: AnodeIndex;
  readonly daemon: DaemonPool;
  /** Ends the run as a signal would: the syncer finishes its block, flushes, and runSync returns. */
  stop(): void;
}

export interface RunSyncOptions {
  /** Stop once caught up instead of following (tests, benchmarks, one-shot operator runs). */
  readonly follow?: boolean;
  /** Called with the running parts, e.g. to subscribe to the syncer's events. */
  readonly onStart?: (runtime: SyncRuntime) => void;
  /** Awaited after the syncer stopped, before the index and daemon are closed. */
  readonly beforeClose?: () => Promise<void>;
  /** Install SIGINT/SIGTERM handlers (default true). */
  readonly handleSignals?: boolean;
  /** The log's name for the command (default 'anode sync'). */
  readonly command?: string;
}

/** Runs the syncer until SIGINT/SIGTERM (or, with follow: false, until caught up). */
export async function runSync(settings: SyncSettings, opts: RunSyncOptions = {}): Promise<void> {
  setLogLevel(settings.logLevel);
  const log = logger('sync');
  // With several daemons, each is checked to be on our chain before use (failover must not cross
  // networks); a single one is checked by the syncer, which stops with a clear message instead.
  const genesisHash = settings.daemons.length > 1 ? settings.coin.genesisHash : undefined;
  const daemon = new DaemonPool(settings.daemons, { logger: logger('daemon'), timeoutMs: settings.daemonTimeoutMs, genesisHash });
  let zmq: Following | null = null;
  const plan = memoryPlan(settings.cacheMb);
  const index = await openIndex(settings.dbDirectory, {
    coin: settings.coin,
    cacheMb: plan.indexCacheMb,
    logger: logger('index'),
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      // Every commit is atomic, so leaving mid-flush loses only unflushed blocks.
      log.warn({ signal }, `${signal} again: exiting now without flushing`);
      process.exit(130);
    }
    log.info({ signal }, `${signal}: finishing the current block, flushing and closing (again to exit at once)`);
    stop();
  };
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    syncer.stop();
    // The daemon is closed once beforeClose has run: the server may still need it to finish.
    if (!opts.beforeClose) daemon.close();
  };
  const syncer = new Syncer({
    daemon,
    reader: index.reader,
    writer: index.writer!,
    coin: settings.coin,
    reorgLimit: settings.reorgLimit,
    cacheMb: settings.cacheMb,
    fetchWorker: plan.fetchWorker,
    pollMs: settings.daemonPollMs,
    follow: opts.follow ?? true,
    logger: log,
  });
  const handleSignals = opts.handleSignals ?? true;
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  try {
    const s = index.writer!.state;
    log.info(
      { coin: settings.coin.coin, network: settings.coin.network, db: settings.dbDirectory, height: s.height, cacheMb: settings.cacheMb },
      `${opts.command ?? 'anode sync'}: ${settings.coin.coin} ${settings.coin.network}, index at height ${s.height}, daemon ${daemon.current().url}`,
    );
    if (opts.follow ?? true) {
      // ZMQ hashblock from the daemon in use, again after every failover.
      zmq = followDaemon(
        daemon,
        async () => {
          const url = await resolveHashblockUrl(settings.zmq, daemon, daemon.current().url, log);
          if (!url) {
            log.info(`polling the daemon for new blocks every ${settings.daemonPollMs} ms`);
            return null;
          }
          log.info({ zmq: url }, `listening for ZMQ hashblock at ${url} (polling every ${settings.daemonPollMs} ms as well)`);
          syncer.announceBlock();
          return subscribeHashblock(url, () => syncer.announceBlock(), log);
        },
        (err) => log.warn({ err: err.message }, 'ZMQ subscription failed; polling'),
      );
    }
    opts.onStart?.({ syncer, index, daemon, stop });
    await syncer.run();
  } catch (err) {
    if (err instanceof SyncFatalError) log.fatal(err.message);
    throw err;
  } finally {
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await (zmq as Following | null)?.close();
    if (opts.beforeClose) await opts.beforeClose().catch((err) => log.error({ err }, 'shutdown step failed'));
    daemon.close();
    await index.close();
    log.info('sync stopped');
  }
}
