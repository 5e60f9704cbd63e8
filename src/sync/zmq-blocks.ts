// ZMQ hashblock announcements: only a hint to look at the daemon now. Polling stays on, so a lost
// message, a missing feed or a daemon restart cost latency, never correctness.
import * as zmq from 'zeromq';
import type { Daemon } from '../daemon/types.js';
import type { Logger } from '../log.js';

export interface BlockAnnouncements {
  readonly url: string;
  close(): void;
}

/** Subscribes to `hashblock` at `url` and calls onBlock for every message. */
export function subscribeHashblock(url: string, onBlock: (hashHex: string) => void, log: Logger): BlockAnnouncements {
  const sock = new zmq.Subscriber();
  sock.connect(url);
  sock.subscribe('hashblock');
  let closed = false;
  void (async () => {
    try {
      for await (const frames of sock) {
        const body = frames[1];
        if (body && body.length === 32) onBlock(Buffer.from(body).toString('hex'));
      }
    } catch (err) {
      if (!closed) log.warn({ err: (err as Error).message, url }, 'ZMQ hashblock feed failed; polling only');
    }
  })();
  return {
    url,
    close() {
      if (closed) return;
      closed = true;
      sock.close();
    },
  };
}

/**
 * The hashblock address for DAEMON_ZMQ: 'off' gives none, a tcp:// URL is used as is, and 'auto'
 * asks the daemon (getzmqnotifications); a daemon without ZMQ gives none.
 */
export async function resolveHashblockUrl(setting: string, daemon: Daemon, daemonUrl: string, log: Logger): Promise<string | null> {
  if (setting === 'off') return null;
  if (setting !== 'auto') return setting;
  let notes: Array<{ type?: unknown; address?: unknown }>;
  try {
    notes = await daemon.call('getzmqnotifications');
  } catch (err) {
    log.info({ err: (err as Error).message }, 'daemon does not report ZMQ notifications; polling for new blocks');
    return null;
  }
  const entry = Array.isArray(notes) ? notes.find((n) => n.type === 'pubhashblock' && typeof n.address === 'string') : undefined;
  if (!entry) {
    log.info('daemon publishes no ZMQ hashblock (-zmqpubhashblock); polling for new blocks');
    return null;
  }
  // bitcoind reports its bind address; a wildcard means "the daemon's own host".
  const address = String(entry.address);
  const host = new URL(daemonUrl).hostname;
  return address.replace(/^tcp:\/\/(0\.0\.0\.0|\*|\[::\])(?=:)/, `tcp://${host}`);
}
