// What RPC methods can reach: the node, the ZMQ endpoints to report, fault injection.
import type { DevnetNode } from '../node.js';
import type { FaultInjector } from './faults.js';

export interface ZmqNotification {
  readonly type: string;
  readonly address: string;
  readonly hwm: number;
}

export interface RpcContext {
  readonly node: DevnetNode;
  readonly faults: FaultInjector;
  /** Started in manual pruning mode (bitcoind -prune=1). */
  readonly prune: boolean;
  /** -txindex: getrawtransaction finds confirmed txs without a block hash; getindexinfo lists it. */
  readonly txindex: boolean;
  zmqNotifications(): ZmqNotification[];
  /** Unix seconds the server started (uptime). */
  readonly startedAt: number;
}
