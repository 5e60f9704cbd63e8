// IndexView over a RocksDB snapshot session: reads see the database as it was when the view was
// opened, with the state and tx counts of that moment, however many commits land meanwhile.
import type RocksDB from 'rocksdb-native';
import type { IndexReader, IndexState, IndexView } from './types.js';
import type { TxCountsView } from './tx-counts.js';
import { Reader } from './reader.js';

export class SnapshotView implements IndexView {
  readonly reader: IndexReader;
  private holds = 1;

  constructor(
    private readonly session: RocksDB,
    readonly state: IndexState,
    counts: TxCountsView,
  ) {
    this.reader = new Reader(session, counts, () => state);
  }

  retain(): IndexView {
    if (this.holds <= 0) throw new Error('IndexView retained after its release');
    this.holds++;
    return this;
  }

  release(): void {
    if (--this.holds !== 0) return;
    // Reads in flight keep the snapshot referenced inside rocksdb-native until they finish.
    this.session.close().catch(() => undefined);
  }
}
