// `anode sync`: keeps the index at the configured daemons' tip until SIGINT/SIGTERM.
import type { Settings } from '../config/settings.js';
import { DaemonPool } from '../daemon/pool.js';
import { openIndex } from '../index/index.js';
import { logger, setLogLevel } from '../log.js';
import { Syncer } from '../sync/syncer.js';
import { memoryPlan } from '../sync/budget.js';
import { SyncFatalError } from '../sync/errors.js';
import { resolveHashblockUrl, subscribeHashblock, type BlockAnnouncements } from '../sync/zmq-blocks.js';

/** What runSync needs of the settings. */
export type SyncSettings = Pick<
  Settings,
  'coin' | 'daemons' | 'dbDirectory' | 'cacheMb' | 'reorgLimit' | 'daemonPollMs' | 'zmq' | 'logLevel'
> &
  Partial<Pick<Settings, 'daemonTimeoutMs'>>;

export interface RunSyncOptions {
  /** Stop once caught up instead of following (tests, benchmarks, one-shot operator runs). */
  readonly follow?: boolean;
  /** Called with the running Syncer, e.g. to subscribe to its events. */
  readonly onStart?: (syncer: Syncer) => void;
  /** Install SIGINT/SIGTERM handlers (default true). */
  readonly handleSignals?: boolean;
}

/** Runs the syncer until SIGINT/SIGTERM (or, with follow: false, until caught up). */
export async function runSync(settings: SyncSettings, opts: RunSyncOptions = {}): Promise<void> {
  setLogLevel(settings.logLevel);
  const log = logger('sync');
  const daemon = new DaemonPool(settings.daemons, { logger: logger('daemon'), timeoutMs: settings.daemonTimeoutMs });
  let announcements: BlockAnnouncements | null = null;
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
    syncer.stop();
    daemon.close();
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
      `anode sync: ${settings.coin.coin} ${settings.coin.network}, index at height ${s.height}, daemon ${daemon.current().url}`,
    );
    if (opts.follow ?? true) {
      const url = await resolveHashblockUrl(settings.zmq, daemon, settings.daemons[0]!.url, log);
      if (url) {
        announcements = subscribeHashblock(url, () => syncer.announceBlock(), log);
        log.info({ zmq: url }, `listening for ZMQ hashblock at ${url} (polling every ${settings.daemonPollMs} ms as well)`);
      } else {
        log.info(`polling the daemon for new blocks every ${settings.daemonPollMs} ms`);
      }
    }
    opts.onStart?.(syncer);
    await syncer.run();
  } catch (err) {
    if (err instanceof SyncFatalError) log.fatal(err.message);
    throw err;
  } finally {
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await announcements?.close();
    daemon.close();
    await index.close();
    log.info('sync stopped');
  }
}
