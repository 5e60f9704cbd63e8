// Undo records: what undoBlock() needs to take the tip block back out without the block itself.
//   u32 nSpent,   nSpent  x 44: outpoint key (20, no prefix) + outpoint value (24)  -> put back
//   u32 nCreated, nCreated x 40: outpoint key (20) + script-utxo key (20)           -> delete
//   u32 nHist,    nHist   x 16: history key (16, no prefix)                         -> delete
// Headers, tx-count, txid and txid-index rows are found from the height and the tx-count array.
import type RocksDB from 'rocksdb-native';
import type { CommittedBlock, IndexState } from './types.js';
import type { RecordArena } from './arena.js';
import type { TxCounts } from './tx-counts.js';
import { encodeState } from './state.js';
import { HASHX_LEN, T, TXID_INDEX_KEY_LEN, TXID_INDEX_LEN, heightKey, readUInt40BE, writeUInt40BE } from './keys.js';
import { addTouched, sortTouched } from './touched.js';
import { headerHash } from '../chain/header.js';
import { TXIDS_PER_CHUNK, chunkKey, chunkOf, readTxidRange } from './txid-chunks.js';

export function buildUndo(spent: Buffer[], utxos: RecordArena, utxoStart: number, hist: RecordArena, histStart: number): Buffer {
  const nCreated = utxos.count - utxoStart;
  const nHist = hist.count - histStart;
  const out = Buffer.allocUnsafe(12 + 44 * spent.length + 40 * nCreated + 16 * nHist);
  let p = 0;
  out.writeUInt32BE(spent.length, p);
  p += 4;
  for (const s of spent) p += s.copy(out, p);
  out.writeUInt32BE(nCreated, p);
  p += 4;
  for (let id = utxoStart; id < utxos.count; id++) {
    const b = utxos.buf(id);
    const o = utxos.off(id);
    p += b.copy(out, p, o + 1, o + 21);
    p += b.copy(out, p, o + 46, o + 66);
  }
  out.writeUInt32BE(nHist, p);
  p += 4;
  for (let id = histStart; id < hist.count; id++) {
    const o = hist.off(id);
    p += hist.buf(id).copy(out, p, o + 1, o + 17);
  }
  return out;
}

export class NoUndoError extends Error {
  readonly code = 'NO_UNDO';
  constructor(message: string) {
    super(message);
    this.name = 'NoUndoError';
  }
}

const ZERO_HASH = Buffer.alloc(32);

function prefixed(table: number, src: Buffer, start: number, len: number): Buffer {
  const k = Buffer.allocUnsafe(1 + len);
  k[0] = table;
  src.copy(k, 1, start, start + len);
  return k;
}

/**
 * Removes the tip block in one atomic batch and returns the new state. `landed` is called with it
 * and the block removed (its txids and the scripts its history touched, from the undo record) in
 * the same synchronous step as the batch lands and the tx counts are cut, so that nothing can read
 * the index between. The writer has flushed.
 */
export async function applyUndo(
  db: RocksDB, s: IndexState, counts: TxCounts, landed: (state: IndexState, block: CommittedBlock) => void,
): Promise<IndexState> {
  const h = s.height;
  if (h < 0) throw new NoUndoError('undoBlock: the index is empty');
  const rb = db.read({ capacity: 2, autoDestroy: true });
  const undoP = rb.get(heightKey(T.undo, h));
  const headerP = rb.get(heightKey(T.header, h));
  rb.tryFlush();
  const [undo, header] = await Promise.all([undoP, headerP]);
  if (!undo) throw new NoUndoError(`undoBlock: no undo data stored for height ${h} (applied without keepUndo, or beyond the reorg window)`);
  if (!header) throw new Error(`undoBlock: header ${h} missing from the index`);
  const first = counts.first(h);
  const end = counts.after(h);

  const wb = db.write({ capacity: 16 + 2 * (end - first) + undo.length / 8 });
  try {
    const txids = await readTxidRange(db, first, end);
    if (txids.length !== end - first) throw new Error(`undoBlock: txids of block ${h} missing from the index`);
    txids.forEach((txid, i) => {
      const k = Buffer.allocUnsafe(TXID_INDEX_KEY_LEN);
      k[0] = T.txidIndex;
      txid.copy(k, 1, 0, TXID_INDEX_LEN);
      writeUInt40BE(k, first + i, 1 + TXID_INDEX_LEN);
      wb.tryDelete(k);
    });
    // Txid chunks: truncate the one holding `first`, drop any after it.
    const c = chunkOf(first);
    const keep = first - c * TXIDS_PER_CHUNK;
    if (keep > 0) {
      const chunk = await db.get(chunkKey(c));
      if (!chunk) throw new Error(`undoBlock: txid chunk ${c} missing from the index`);
      wb.tryPut(chunkKey(c), Buffer.from(chunk.subarray(0, keep * 32)));
    } else {
      wb.tryDelete(chunkKey(c));
    }
    wb.tryDeleteRange(chunkKey(c + 1), chunkKey(chunkOf(end - 1) + 1));
    wb.tryDelete(heightKey(T.header, h));
    wb.tryDelete(heightKey(T.txCount, h));
    wb.tryDelete(heightKey(T.undo, h));

    let p = 0;
    const nSpent = undo.readUInt32BE(p);
    const spentAt = p + 4;
    p = spentAt + 44 * nSpent;
    const nCreated = undo.readUInt32BE(p);
    p += 4;
    for (let i = 0; i < nCreated; i++, p += 40) {
      wb.tryDelete(prefixed(T.outpoint, undo, p, 20));
      wb.tryDelete(prefixed(T.scriptUtxo, undo, p + 20, 20));
    }
    const nHist = undo.readUInt32BE(p);
    p += 4;
    const touched = new Map<string, number[]>();
    for (let i = 0; i < nHist; i++, p += 16) {
      wb.tryDelete(prefixed(T.history, undo, p, 16));
      addTouched(touched, undo.toString('latin1', p, p + HASHX_LEN), readUInt40BE(undo, p + HASHX_LEN));
    }
    sortTouched(touched);
    if (p !== undo.length) throw new Error(`undoBlock: undo record of height ${h} is malformed`);
    // Puts after deletes: within a batch the later operation on a key wins.
    for (let i = 0, q = spentAt; i < nSpent; i++, q += 44) {
      wb.tryPut(prefixed(T.outpoint, undo, q, 20), undo.subarray(q + 20, q + 44));
      // u-key: hashX (value 5..16) + txNum (value 0..5) + vout (key 16..20); u-value: value (value 16..24)
      const uk = Buffer.allocUnsafe(21);
      uk[0] = T.scriptUtxo;
      undo.copy(uk, 1, q + 25, q + 36);
      undo.copy(uk, 12, q + 20, q + 25);
      undo.copy(uk, 17, q + 16, q + 20);
      wb.tryPut(uk, undo.subarray(q + 36, q + 44));
    }
    const next: IndexState = {
      ...s,
      height: h - 1,
      tipHash: h > 0 ? Buffer.from(header.subarray(4, 36)) : ZERO_HASH,
      txCount: first,
    };
    wb.tryPut(Buffer.from([T.state]), encodeState(next));
    const block: CommittedBlock = { height: h, hash: headerHash(header), header: Buffer.from(header), firstTxNum: first, txids, touched };
    await wb.flush();
    counts.truncate(h - 1);
    landed(next, block);
    return next;
  } finally {
    wb.destroy();
  }
}

/** The lowest height with an undo record (at or above `from`), or null if none. */
export async function lowestUndoHeight(db: RocksDB, from = 0): Promise<number | null> {
  const e = await db.peek({ gte: heightKey(T.undo, Math.max(0, from)), lt: Buffer.from([T.undo + 1]) });
  return e ? e.key.readUInt32BE(1) : null;
}

