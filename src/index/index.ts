// Opening the index: the one entry point sync, the server and `anode query` use.
//
//   const idx = await openIndex(dir, { coin });          // writer + reader
//   await idx.writer!.applyBlock(block, h, keepUndo); await idx.writer!.flush();
//   const q = await openIndex(dir, { coin, readOnly: true });   // reader only; another process may write
//   const digest = await indexDigest(idx);               // canonical content digest (flushed data)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import RocksDB from 'rocksdb-native';
import type { CoinParams } from '../config/coins.js';
import { silentLogger, type Logger } from '../log.js';
import type { IndexCommit, IndexReader, IndexState, IndexView, IndexWriter } from './types.js';
import { STATE_KEY, T, readUInt64BE, tableRange } from './keys.js';
import { IndexMismatchError, checkState, decodeState, emptyState } from './state.js';
import { TxCounts } from './tx-counts.js';
import { Reader } from './reader.js';
import { SnapshotView } from './view.js';
import { Writer } from './writer.js';
import { lowestUndoHeight } from './undo.js';
import { TxidTail } from './txid-chunks.js';
import { combineDigest, dumpTables, type TableDump } from './digest.js';

export { IndexMismatchError } from './state.js';
export { scriptKeyOf } from './reader.js';
export { NoUndoError } from './undo.js';
export type { TableDump } from './digest.js';

export interface OpenIndexOptions {
  readonly coin: CoinParams;
  /** Open without a writer; works while another process holds the index open for writing. */
  readonly readOnly?: boolean;
  /** Memory budget hint in MB; sizes RocksDB's write buffer (sync bounds its own cache via pendingBytes). */
  readonly cacheMb?: number;
  readonly logger?: Logger;
}

export interface AnodeIndex {
  readonly reader: IndexReader;
  /** Absent when opened readOnly. */
  readonly writer?: IndexWriter;
  /** The durable state: what the last flush (or undo) committed. */
  readonly state: IndexState;
  readonly dir: string;
  readonly readOnly: boolean;
  /**
   * A consistent view of the durable state (one RocksDB snapshot), held once for the caller:
   * release() it when done.
   */
  openView(): IndexView;
  /**
   * Calls `listener` synchronously after each flush or undo, before the writer's promise settles:
   * a view opened inside the listener shows exactly that commit. Returns the unsubscribe function.
   */
  onCommit(listener: (commit: IndexCommit) => void): () => void;
  close(): Promise<void>;
  /** @internal the RocksDB handle, for digests and tests. */
  readonly db: RocksDB;
}

export async function openIndex(dir: string, opts: OpenIndexOptions): Promise<AnodeIndex> {
  const { coin } = opts;
  const readOnly = opts.readOnly ?? false;
  const log = opts.logger ?? silentLogger();
  if (readOnly && !existsSync(join(dir, 'CURRENT'))) throw new Error(`no index at ${dir} (nothing has been synced there yet)`);
  const writeBufferMb = Math.min(256, Math.max(16, Math.floor((opts.cacheMb ?? 256) / 4)));
  const db = new RocksDB(dir, {
    readOnly,
    createIfMissing: !readOnly,
    maxBackgroundJobs: 2,
    writeBufferSize: writeBufferMb * 1024 * 1024,
    maxWriteBufferNumber: 3,
  });
  try {
    await db.ready();
  } catch (err) {
    const msg = (err as Error).message;
    if (/lock/i.test(msg)) throw new Error(`index at ${dir} is in use by another process (${msg}); open it readOnly to query it`);
    throw new Error(`cannot open index at ${dir}: ${msg}`);
  }
  try {
    const raw = await db.get(STATE_KEY);
    let state: IndexState;
    if (raw) {
      state = decodeState(raw);
      checkState(state, coin, dir);
    } else {
      const any = await db.peek({});
      if (any) throw new IndexMismatchError(`${dir} holds a RocksDB database without an Anode state record; it is not an Anode index`);
      state = emptyState(coin);
    }
    const counts = await loadTxCounts(db, state, dir);
    let durable = state;
    const reader = new Reader(db, counts, () => durable);
    const listeners = new Set<(commit: IndexCommit) => void>();
    const commit = (c: IndexCommit): void => {
      durable = c.state;
      for (const l of listeners) {
        try {
          l(c);
        } catch (err) {
          log.error({ err }, 'an index commit listener threw');
        }
      }
    };
    const writer = readOnly
      ? undefined
      : new Writer(db, coin, state, counts, await TxidTail.load(db, state.txCount), await lowestUndoHeight(db), log.child({ part: 'index-writer' }), commit, () => listeners.size > 0);
    log.info({ dir, height: state.height, txCount: state.txCount, readOnly }, 'index opened');
    let closed = false;
    return {
      reader,
      writer,
      get state() {
        return durable;
      },
      dir,
      readOnly,
      db,
      openView() {
        const s = durable;
        return new SnapshotView(db.snapshot(), s, counts.freeze(s.height));
      },
      onCommit(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      async close() {
        if (closed) return;
        closed = true;
        await writer?.idle();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

async function loadTxCounts(db: RocksDB, state: IndexState, dir: string): Promise<TxCounts> {
  const counts = new TxCounts();
  for await (const e of db.iterator(tableRange(T.txCount), { capacity: 4096 } as object)) {
    const h = e.key.readUInt32BE(1);
    if (h !== counts.length) throw new Error(`index at ${dir} is corrupt: tx count row for height ${h} where ${counts.length} was expected`);
    counts.push(readUInt64BE(e.value, 0));
  }
  if (counts.length !== state.height + 1 || (state.height >= 0 && counts.after(state.height) !== state.txCount)) {
    throw new Error(`index at ${dir} is corrupt: tx counts cover ${counts.length} blocks, state says height ${state.height}`);
  }
  return counts;
}

/** Per-table row counts, sizes and digests of the durable logical content. */
export async function dumpIndex(target: AnodeIndex | string, coin?: CoinParams): Promise<Record<string, TableDump>> {
  if (typeof target !== 'string') return dumpTables(target.db);
  if (!coin) throw new Error('dumpIndex(dir) needs the coin');
  const idx = await openIndex(target, { coin, readOnly: true });
  try {
    return await dumpTables(idx.db);
  } finally {
    await idx.close();
  }
}

/** One hex digest of the durable logical content (everything but undo data): equal iff same index. */
export async function indexDigest(target: AnodeIndex | string, coin?: CoinParams): Promise<string> {
  return combineDigest(await dumpIndex(target, coin));
}
