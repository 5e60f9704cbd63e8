// What method handlers work with: the server's shared parts and the calling session, as typed
// interfaces. Handlers never see sockets or JSON text.
import type { CoinParams } from '../config/coins.js';
import type { Daemon } from '../daemon/types.js';
import type { ChainState } from '../mempool/chain-state.js';
import type { Logger } from '../log.js';
import type { ProtocolVersion } from './version.js';
import type { SubscriptionHub } from './subscriptions.js';
import type { TxSource } from './tx-source.js';
import type { HeaderProofs } from './header-proofs.js';
import type { DaemonCaches } from './daemon-caches.js';
import type { BlockMerkleCache } from './block-merkle.js';
import type { HistoryCache } from './history-cache.js';

export interface ElectrumLimits {
  /** MAX_SEND: largest answer in bytes. */
  readonly maxSend: number;
  /** MAX_HISTORY: confirmed history entries past which history and status are refused. */
  readonly maxHistory: number;
  /** MAX_SUBS: subscriptions one session may hold. */
  readonly maxSubs: number;
}

export interface ServerInfo {
  readonly coin: CoinParams;
  /** "Anode 0.1.0". */
  readonly software: string;
  readonly banner: string;
  readonly donationAddress: string;
  /** server.features' hosts and services (REPORT_SERVICES). */
  readonly reportServices: ReadonlyArray<{ readonly protocol: string; readonly host: string; readonly port: number }>;
}

export interface ServerContext {
  readonly info: ServerInfo;
  readonly limits: ElectrumLimits;
  readonly chain: ChainState;
  readonly hub: SubscriptionHub;
  readonly daemon: Daemon;
  readonly txs: TxSource;
  readonly headers: HeaderProofs;
  readonly blockMerkle: BlockMerkleCache;
  readonly caches: DaemonCaches;
  readonly histories: HistoryCache;
  readonly log: Logger;
}

/** The session a request came on, as handlers may use it. */
export interface SessionContext {
  readonly version: ProtocolVersion;
  readonly clientName: string;
  /** Adds a script subscription (the hub's listener is the session). */
  subscribe(scriptHash: Buffer, hexAsSent: string): Promise<string | null>;
  unsubscribe(hexAsSent: string): boolean;
  /** Starts blockchain.headers.subscribe notifications. */
  subscribeHeaders(): void;
}

export interface Call {
  readonly server: ServerContext;
  readonly session: SessionContext;
}

/** A result already serialized as JSON (long answers are built as text, not objects). */
export class JsonText {
  constructor(readonly text: string) {}
}

/** A result serialized as ASCII JSON bytes (the longest answers: they are sent without becoming a string). */
export class JsonBytes {
  constructor(readonly bytes: Buffer) {}
}
