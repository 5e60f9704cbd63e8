// ZMQ hashblock announcements for the syncer: only a hint to look at the daemon now. Polling stays
// on, so a lost message, a missing feed or a daemon restart cost latency, never correctness.
import { discoverZmq, ZmqListener } from '../daemon/zmq-listener.js';
import type { Daemon } from '../daemon/types.js';
import type { Logger } from '../log.js';

export interface BlockAnnouncements {
  readonly url: string;
  close(): Promise<void>;
}

/** Calls onBlock on every hashblock, and after a gap or a (re)connect, when one may have been missed. */
export function subscribeHashblock(url: string, onBlock: () => void, log: Logger, onConnect?: () => void): BlockAnnouncements {
  const listener = new ZmqListener({ addresses: url, topics: ['hashblock'], logger: log });
  listener.on('hashblock', () => onBlock());
  listener.on('gap', (g) => {
    log.info(g, 'zmq hashblock messages lost; looking at the daemon now');
    onBlock();
  });
  listener.on('connect', () => {
    onBlock();
    onConnect?.();
  });
  listener.on('error', (err) => log.warn({ err: err.message, url }, 'ZMQ hashblock feed problem; polling continues'));
  listener.start();
  return { url, close: () => listener.close() };
}

/**
 * The hashblock publisher for DAEMON_ZMQ: 'off' gives none, a tcp:// URL is used as is, and 'auto'
 * asks the daemon (getzmqnotifications); a daemon without ZMQ gives none.
 */
export async function resolveHashblockUrl(setting: string, daemon: Daemon, daemonUrl: string, log: Logger): Promise<string | null> {
  if (setting === 'off') return null;
  if (setting !== 'auto') return setting;
  try {
    const found = await discoverZmq(daemon, new URL(daemonUrl).hostname);
    if (found.hashblock) return found.hashblock;
    log.info('the daemon publishes no ZMQ hashblock (-zmqpubhashblock); polling for new blocks');
  } catch (err) {
    log.info({ err: (err as Error).message }, 'the daemon reports no ZMQ notifications; polling for new blocks');
  }
  return null;
}

/**
 * The daemon's ZMQ `sequence` publisher, for the mempool: with DAEMON_ZMQ=auto as the daemon lists
 * it, with a tcp:// setting only if the daemon publishes sequence there; null for none.
 */
export async function resolveSequenceUrl(setting: string, daemon: Daemon, daemonUrl: string, log: Logger): Promise<{ url: string; rawtx: boolean } | null> {
  if (setting === 'off') return null;
  try {
    const found = await discoverZmq(daemon, new URL(daemonUrl).hostname);
    if (found.sequence && (setting === 'auto' || found.sequence === setting)) return { url: found.sequence, rawtx: found.rawtx === found.sequence };
    if (setting !== 'auto' && !found.sequence) log.info(`the daemon publishes no ZMQ sequence stream (-zmqpubsequence=${setting} would add one)`);
  } catch (err) {
    log.debug({ err: (err as Error).message }, 'getzmqnotifications failed');
  }
  return null;
}
