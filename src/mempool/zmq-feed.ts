// bitcoind's ZMQ `sequence` stream into the mempool and the syncer: 'A' and 'R' reach ChainState
// at once (a new transaction reaches its subscribers without waiting for a poll), 'C' and 'D' wake
// the syncer. Lost messages (a per-topic counter gap) and reconnects make the mempool resync over
// RPC; while the stream is down, the mempool polls. The feed follows the daemon in use.
import { ZmqListener } from '../daemon/zmq-listener.js';
import type { Logger } from '../log.js';
import type { ChainState } from './chain-state.js';
import { txKeyOf } from './tx.js';

export interface SequenceFeed {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * `withRawtx`: the same publisher also sends rawtx (announced transactions then need no RPC; it
 * is published before the 'A' of the same transaction, on one socket in order).
 */
export function followSequence(url: string, chain: ChainState, onBlock: () => void, log: Logger, withRawtx = false): SequenceFeed {
  const listener = new ZmqListener({ addresses: url, topics: withRawtx ? ['sequence', 'rawtx'] : ['sequence'], logger: log });
  listener.on('rawtx', (e) => chain.rawPublished(e.raw));
  listener.on('sequence', (e) => {
    if (e.label === 'A') chain.txAdded(txKeyOf(e.hash), e.mempoolSequence!);
    else if (e.label === 'R') chain.txRemoved(txKeyOf(e.hash), e.mempoolSequence!);
    else onBlock();
  });
  listener.on('gap', (g) => {
    // A lost rawtx only costs an RPC (a block publishes one per transaction it holds, and a big block can
    // overflow the publisher's high-water mark); lost sequence messages need a resync.
    if (g.topic !== 'sequence') {
      log.debug(g, 'zmq rawtx messages lost; their transactions are fetched over RPC');
      return;
    }
    log.warn(g, 'zmq messages lost; the mempool resyncs');
    chain.resync(`ZMQ sequence messages lost (expected #${g.expected}, got #${g.got})`);
    onBlock();
  });
  listener.on('connect', () => {
    chain.setLive(true, `connected to ${url}`);
    onBlock();
  });
  listener.on('disconnect', () => chain.setLive(false, `disconnected from ${url}`));
  listener.on('error', (err) => log.warn({ err: err.message, url }, 'ZMQ sequence feed problem; the mempool resyncs'));
  listener.start();
  return {
    url,
    async close() {
      await listener.close();
      chain.setLive(false, `stopped listening to ${url}`);
    },
  };
}
