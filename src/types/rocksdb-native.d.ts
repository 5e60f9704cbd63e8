// Types for the parts of rocksdb-native (a CommonJS package without typings) that Anode uses.
declare module 'rocksdb-native' {
  export interface ColumnFamilyOptions {
    tableBlockSize?: number;
    writeBufferSize?: number;
    maxWriteBufferNumber?: number;
    optimizeFiltersForHits?: boolean;
    enableBlobFiles?: boolean;
    minBlobSize?: number;
    filterPolicy?: unknown;
  }
  export class ColumnFamily {
    constructor(name: string, opts?: ColumnFamilyOptions);
  }
  export class BloomFilterPolicy {
    constructor(bitsPerKey: number);
  }
  export interface OpenOptions extends ColumnFamilyOptions {
    columnFamilies?: Array<string | ColumnFamily>;
    readOnly?: boolean;
    createIfMissing?: boolean;
    maxBackgroundJobs?: number;
    maxOpenFiles?: number;
    avoidFlushDuringShutdown?: boolean;
  }
  export interface RangeOptions {
    gt?: Buffer;
    gte?: Buffer;
    lt?: Buffer;
    lte?: Buffer;
    reverse?: boolean;
    limit?: number;
    values?: boolean;
  }
  export interface Entry {
    key: Buffer;
    value: Buffer;
  }
  export interface ReadBatch {
    get(key: Buffer): Promise<Buffer | null>;
    flush(): Promise<void>;
    tryFlush(): void;
    destroy(): void;
  }
  export interface WriteBatch {
    put(key: Buffer, value: Buffer): Promise<void>;
    tryPut(key: Buffer, value: Buffer): void;
    delete(key: Buffer): Promise<void>;
    tryDelete(key: Buffer): void;
    deleteRange(start: Buffer, end: Buffer): Promise<void>;
    tryDeleteRange(start: Buffer, end: Buffer): void;
    flush(): Promise<void>;
    tryFlush(): void;
    destroy(): void;
  }
  export default class RocksDB {
    constructor(path: string, opts?: OpenOptions);
    readonly opened: boolean;
    readonly closed: boolean;
    readonly path: string;
    /** Operations issued through this handle's batches since open. */
    readonly stats: { readonly gets: number; readonly puts: number; readonly deletes: number; readonly readBatches: number; readonly writeBatches: number };
    ready(): Promise<void>;
    close(opts?: { force?: boolean }): Promise<void>;
    columnFamily(name: string | ColumnFamily): RocksDB;
    snapshot(): RocksDB;
    session(): RocksDB;
    read(opts?: { capacity?: number; autoDestroy?: boolean }): ReadBatch;
    write(opts?: { capacity?: number; autoDestroy?: boolean }): WriteBatch;
    get(key: Buffer): Promise<Buffer | null>;
    put(key: Buffer, value: Buffer): Promise<void>;
    delete(key: Buffer): Promise<void>;
    iterator(range?: RangeOptions, opts?: RangeOptions): AsyncIterable<Entry>;
    keys(range?: RangeOptions, opts?: RangeOptions): AsyncIterable<Buffer>;
    peek(range?: RangeOptions, opts?: RangeOptions): Promise<Entry | null>;
    flush(opts?: unknown): Promise<void>;
    compactRange(start?: Buffer | null, end?: Buffer | null, opts?: unknown): Promise<void>;
    approximateSize(start: Buffer, end: Buffer, opts?: unknown): Promise<number>;
    getProperty(name: string): Promise<string>;
  }
}
