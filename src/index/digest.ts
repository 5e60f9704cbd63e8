// A canonical digest of the index's logical content, for tests that assert "same as a clean sync".
// Undo rows are left out: they depend on which blocks were applied with keepUndo and when pruning
// ran, not on the chain. Everything else (state record included) must match byte for byte.
import { createHash } from 'node:crypto';
import type RocksDB from 'rocksdb-native';
import { T, tableRange } from './keys.js';

export interface TableDump {
  readonly rows: number;
  readonly bytes: number;
  /** sha256 over (key length, key, value length, value) of every row in key order. */
  readonly digest: string;
}

/** The tables that make up the logical content, by name. */
export const LOGICAL_TABLES: Record<string, number> = {
  state: T.state,
  header: T.header,
  txCount: T.txCount,
  txid: T.txid,
  txidIndex: T.txidIndex,
  history: T.history,
  outpoint: T.outpoint,
  scriptUtxo: T.scriptUtxo,
};

export async function dumpTables(db: RocksDB, tables: Record<string, number> = LOGICAL_TABLES): Promise<Record<string, TableDump>> {
  const out: Record<string, TableDump> = {};
  const len = Buffer.allocUnsafe(4);
  for (const [name, table] of Object.entries(tables)) {
    const h = createHash('sha256');
    let rows = 0;
    let bytes = 0;
    for await (const e of db.iterator(tableRange(table), { capacity: 1024 } as object)) {
      len.writeUInt32BE(e.key.length);
      h.update(len).update(e.key);
      len.writeUInt32BE(e.value.length);
      h.update(len).update(e.value);
      rows++;
      bytes += e.key.length + e.value.length;
    }
    out[name] = { rows, bytes, digest: h.digest('hex') };
  }
  return out;
}

export function combineDigest(dump: Record<string, TableDump>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(dump).sort()) h.update(`${name}:${dump[name]!.digest};`);
  return h.digest('hex');
}
