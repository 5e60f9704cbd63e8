// What the rest of Anode needs from bitcoind. Implemented by DaemonPool (daemon/pool.ts), which
// fails over round-robin across the configured daemons. All hashes here are display-order hex,
// exactly as bitcoind prints them; raw data is returned as Buffers.
import type { Logger } from '../log.js';

export interface BlockchainInfo {
  readonly chain: string;
  readonly blocks: number;
  readonly headers: number;
  readonly bestblockhash: string;
  readonly initialblockdownload: boolean;
  readonly verificationprogress: number;
  readonly pruned: boolean;
}

export interface MempoolInfo {
  readonly loaded: boolean;
  readonly size: number;
  readonly bytes: number;
  readonly usage: number;
  readonly maxmempool: number;
  readonly mempoolminfee: number;
  readonly minrelaytxfee: number;
  readonly incrementalrelayfee: number;
}

export interface Daemon {
  getBlockchainInfo(): Promise<BlockchainInfo>;
  getBlockCount(): Promise<number>;
  getBestBlockHash(): Promise<string>;
  getBlockHash(height: number): Promise<string>;
  /** One batched request. A height above the daemon's tip rejects with DaemonRpcError (-8). */
  getBlockHashes(heights: readonly number[]): Promise<string[]>;
  /** getblock verbosity 0 for each hash, in one batched request. */
  getRawBlocks(hashes: readonly string[]): Promise<Buffer[]>;
  /** The 80-byte header (getblockheader verbose=false). */
  getRawHeader(hash: string): Promise<Buffer>;
  getRawTransaction(txid: string, blockhash?: string): Promise<Buffer>;
  getRawMempool(): Promise<string[]>;
  getMempoolInfo(): Promise<MempoolInfo>;
  sendRawTransaction(hex: string): Promise<string>;
  /** BTC/kvB, or null when the daemon has no estimate. */
  estimateSmartFee(blocks: number, mode?: string): Promise<number | null>;
  /** Any other RPC, for admin passthrough and tests. */
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Many calls in one request; each answer or daemon error comes back in its place. */
  batchSettled<T = unknown>(calls: readonly RpcCall[]): Promise<BatchResult<T>[]>;
  /**
   * Plain data from which DaemonPool.fromSpec builds an equivalent daemon on a worker thread (sync
   * fetches there during catch-up); absent if this daemon cannot be rebuilt elsewhere.
   */
  workerSpec?(): DaemonPoolSpec;
  /**
   * A daemon built from workerSpec() failed over to daemon `index`: use it here too (that one
   * logged why), rather than finding out on this side's next failed call.
   */
  adopt?(index: number): void;
}

export interface RpcCall {
  readonly method: string;
  readonly params?: readonly unknown[];
}

/** One answer of a batch: a result, or the daemon's error for that call. */
export type BatchResult<T = unknown> = { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: DaemonRpcError };

/** The daemon answered, with a JSON-RPC error (bad parameter, unknown block, rejected tx, ...). */
export class DaemonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly method: string,
  ) {
    super(message);
    this.name = 'DaemonRpcError';
  }
}

/** No configured daemon could be reached (connection refused, timeout, HTTP failure, warming up). */
export class DaemonUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DaemonUnavailableError';
  }
}

/** bitcoind's RPC error codes (src/rpc/protocol.h) that Anode and devnet use. */
export const RpcCode = {
  MISC_ERROR: -1,
  TYPE_ERROR: -3,
  INVALID_ADDRESS_OR_KEY: -5,
  INVALID_PARAMETER: -8,
  DESERIALIZATION_ERROR: -22,
  VERIFY_ERROR: -25,
  VERIFY_REJECTED: -26,
  VERIFY_ALREADY_IN_CHAIN: -27,
  IN_WARMUP: -28,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  PARSE_ERROR: -32700,
} as const;

/** One configured bitcoind: its RPC URL and how to authenticate. */
export interface DaemonEndpoint {
  /** http://host:port (credentials, if any, are taken out into user/password). */
  readonly url: string;
  readonly user?: string;
  readonly password?: string;
  /** bitcoind's .cookie file; read (and re-read after a 401) when no user/password is given. */
  readonly cookieFile?: string;
}

export interface DaemonPoolOptions {
  readonly logger?: Logger;
  /** Per-request deadline. Default 30 s. */
  readonly timeoutMs?: number;
  /** First back-off delay once every daemon failed. Default 250 ms. */
  readonly initialRetryDelayMs?: number;
  /** Back-off cap. Default 4 s. */
  readonly maxRetryDelayMs?: number;
  /** Give up with DaemonUnavailableError after this long without an answer. Default: never. */
  readonly retryForMs?: number;
  /** Raw block hex fetched per HTTP request (getRawBlocks splits larger batches). Default 64 MiB. */
  readonly maxBlockBatchBytes?: number;
  /** The coin's genesis hash (display hex): each daemon is checked against it before its first use. */
  readonly genesisHash?: string;
}

/** Everything needed to build an equivalent pool elsewhere (a worker thread): plain data only. */
export interface DaemonPoolSpec {
  readonly endpoints: readonly DaemonEndpoint[];
  readonly options: Omit<DaemonPoolOptions, 'logger'> & { readonly logLevel?: string };
  /** The daemon in use when the spec was taken. */
  readonly current: number;
}
