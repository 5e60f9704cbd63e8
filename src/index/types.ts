// The index's public face: what sync/ writes through and what the server (and `anode query`)
// reads through. Only index/ knows key layouts. Hashes are internal byte order Buffers.
import type { PreparedBlock } from './prepared-block.js';

export interface IndexState {
  /** Height of the last applied block; -1 for an empty index. */
  readonly height: number;
  /** Hash of that block (internal order); 32 zero bytes when empty. */
  readonly tipHash: Buffer;
  /** Confirmed transactions indexed (= the next tx number). */
  readonly txCount: number;
  readonly formatVersion: number;
  readonly coin: string;
  readonly network: string;
  readonly genesisHash: Buffer;
}

export interface HistoryEntry {
  readonly height: number;
  readonly txid: Buffer;
  readonly txNum: number;
}

/** A run of history entries as flat arrays (no object per entry): for long histories. */
export interface HistoryRun {
  readonly count: number;
  /** count x 32 bytes, internal byte order. */
  readonly txids: Buffer;
  readonly heights: Int32Array;
  readonly txNums: Float64Array;
  /** The tx number of the last entry (-1 when empty): the next run starts after it. */
  readonly lastTxNum: number;
}

export interface Utxo {
  readonly txid: Buffer;
  readonly vout: number;
  readonly height: number;
  readonly value: number;
  readonly txNum: number;
}

/**
 * An opaque key of an output script: equal for outputs of the same script (the index keys scripts
 * by a prefix of their scripthash; scriptKeyOf() in index.ts gives it for a scripthash). A short
 * latin1 string, so that it can key Maps and Sets cheaply.
 */
export type ScriptKey = string;

export interface Outpoint {
  /** Internal byte order. */
  readonly txid: Buffer;
  readonly vout: number;
}

/** A confirmed unspent output, as the index holds it. */
export interface Coin {
  readonly scriptKey: ScriptKey;
  readonly value: number;
  readonly txNum: number;
  readonly height: number;
}

export interface TxLocation {
  readonly txNum: number;
  readonly height: number;
  /** Position of the transaction in its block (0 = coinbase). */
  readonly position: number;
}

export interface IndexReader {
  /** Tip as last flushed, or null when empty. */
  tip(): Promise<{ height: number; hash: Buffer } | null>;
  getHeader(height: number): Promise<Buffer | null>;
  /** Up to `count` consecutive 80-byte headers from `start` (fewer at the tip). */
  getHeaders(start: number, count: number): Promise<Buffer[]>;
  /**
   * Confirmed history in chain order: each transaction that funds or spends the script, once.
   * `fromTxNum` skips entries before that tx number (to extend a history already read); `limit`
   * caps the entries returned (ask limit + 1 to detect a history over the limit).
   */
  getHistory(scriptHash: Buffer, opts?: { limit?: number; fromTxNum?: number }): Promise<HistoryEntry[]>;
  /** The same entries as getHistory, as flat arrays: one iterator and one read batch per call. */
  getHistoryRun(scriptHash: Buffer, opts: { limit: number; fromTxNum?: number }): Promise<HistoryRun>;
  /** Confirmed unspent outputs in chain order (tx order, then output index). */
  getUtxos(scriptHash: Buffer): Promise<Utxo[]>;
  /** Confirmed balance in satoshis. */
  getBalance(scriptHash: Buffer): Promise<number>;
  getTxid(txNum: number): Promise<Buffer | null>;
  findTx(txid: Buffer): Promise<TxLocation | null>;
  /** Txids of the block at `height` in block order: what merkle proofs and id_from_pos need. */
  getBlockTxids(height: number): Promise<Buffer[] | null>;
  /** The unspent confirmed outputs at these outpoints (null where spent or unknown), in one read batch. */
  getCoins(outpoints: readonly Outpoint[]): Promise<Array<Coin | null>>;
}

/** A block a commit connected or disconnected, with what the server needs to notify about it. */
export interface CommittedBlock {
  readonly height: number;
  /** Internal byte order. */
  readonly hash: Buffer;
  readonly header: Buffer;
  /** Tx number of its first transaction (its coinbase). */
  readonly firstTxNum: number;
  /**
   * Its txids (internal order), and each script its transactions touch (funding or spending) with
   * those transactions' tx numbers in chain order; null for a block applied before anyone
   * listened to commits (consumers then resync fully).
   */
  readonly txids: readonly Buffer[] | null;
  readonly touched: ReadonlyMap<ScriptKey, readonly number[]> | null;
}

/** What one flush or undo made durable; listeners run synchronously before anything else reads. */
export interface IndexCommit {
  readonly state: IndexState;
  /** Blocks a flush added, in height order (empty for an undo). */
  readonly connected: readonly CommittedBlock[];
  /** The block an undo removed. */
  readonly disconnected: CommittedBlock | null;
}

/**
 * A consistent read view: one RocksDB snapshot with the state and tx counts it was taken at, so
 * every read through it answers for the same chain tip however long the request takes.
 */
export interface IndexView {
  readonly state: IndexState;
  readonly reader: IndexReader;
  /** Another holder; every retain() needs a release(). */
  retain(): IndexView;
  /** Drops a hold; the snapshot is freed when the last one goes. */
  release(): void;
}

export interface IndexWriter {
  /** State including blocks applied but not yet flushed. */
  readonly state: IndexState;
  /** Bytes of memory held by unflushed work; sync flushes when this passes its CACHE_MB budget. */
  readonly pendingBytes: number;
  /**
   * Applies the next block (its parent must be the current tip, else it throws). Work is buffered
   * in memory until flush(). `keepUndo` stores what undoBlock() needs; sync asks for it only within
   * the coin's reorg limit of the daemon's tip.
   */
  applyBlock(block: PreparedBlock, height: number, keepUndo: boolean): Promise<void>;
  /** Optional hint: starts the DB reads of the block that will be applied after the current one. */
  prefetch(block: PreparedBlock): void;
  /** Writes everything pending, with the state record, in one atomic RocksDB batch. */
  flush(): Promise<void>;
  /** Rolls the tip block back with its undo data (flushing first); throws if none is stored. */
  undoBlock(): Promise<void>;
  /** Lowest height whose undo data is stored (what a reorg can roll back to), or null. */
  undoFloor(): Promise<number | null>;
}
