// The floor under the index writer: rows written through rocksdb-native and nothing else (no
// blocks, no RPC, no index logic), with the index's own RocksDB options and the row shape the sync
// writes. It answers "what does a row cost?", so a sync's rows per tx (printed by bench:sync) turn
// into the CPU no layout with that many rows can go below.
//   node dist/bench/rocksdb-rows.js [--txs 1000000] [--puts 8.2] [--deletes 2.4] [--batch-txs 50000]
// Per tx: one 14-byte txid-index key, history keys (17 bytes, empty value), outpoint rows (21-byte
// key, 24-byte value) and script-UTXO rows (21-byte key, 8-byte value) in equal numbers; deletes
// remove outpoint/script-UTXO rows written by earlier batches, as spends do. Keys are random (they
// are hashes in the index) and each batch is sorted by table, as the writer's flush sorts them.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { findCoin } from '../src/config/coins.js';
import { openIndex } from '../src/index/index.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const TXS = Number(args.get('txs') ?? 1_000_000);
const PUTS = Number(args.get('puts') ?? 8.2);
const DELETES = Number(args.get('deletes') ?? 2.4);
const BATCH_TXS = Number(args.get('batch-txs') ?? 50_000);
const CACHE_MB = 1200;

/** CPU seconds of this process's main thread and of all its threads, from /proc (Linux). */
function threadCpu(): { main: number; all: number } {
  let main = 0;
  let all = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const s = (Number(f[11]) + Number(f[12])) / 100;
    all += s;
    if (tid === String(process.pid)) main = s;
  }
  return { main, all };
}

/**
 * `count` random keys of `len` bytes after a table byte, in key order by construction (the first
 * four bytes after the table byte climb evenly, as sorted hashes do), packed in one buffer: no JS
 * object per key until the batch is built, as in the writer.
 */
function sortedKeys(table: number, len: number, count: number): KeyRun {
  const buf = randomFillSync(Buffer.allocUnsafe(len * count));
  for (let i = 0; i < count; i++) {
    buf[i * len] = table;
    buf.writeUInt32BE(Math.floor(((i + Math.random()) / count) * 0xffffffff), i * len + 1);
  }
  return { buf, len, count };
}

interface KeyRun {
  readonly buf: Buffer;
  readonly len: number;
  readonly count: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'anode-bench-rows-'));
  const index = await openIndex(dir, { coin: findCoin('Bitcoin', 'regtest'), cacheMb: CACHE_MB / 8 });
  const db = index.db;
  const empty = new Uint8Array(0);
  const value24 = new Uint8Array(24).fill(7);
  const value8 = new Uint8Array(8).fill(9);
  // History rows take what is left of the puts after the txid row and the UTXO pairs the deletes
  // imply (each spend deletes an outpoint row and a script-UTXO row that an earlier put made).
  const utxoPairs = DELETES / 2;
  const histPerTx = Math.max(0, PUTS - 1 - 2 * utxoPairs);
  // Outpoint and script-UTXO keys not deleted yet, oldest batch first; a spend deletes the oldest
  // (the keys of one run are spread over the whole key space, so deletes land everywhere).
  const live: Array<{ run: KeyRun; next: number }> = [];
  let rows = 0;
  let building = 0;
  let waited = 0;
  const cpu0 = threadCpu();
  const t0 = performance.now();
  for (let done = 0; done < TXS; done += BATCH_TXS) {
    const n = Math.min(BATCH_TXS, TXS - done);
    const txKeys = sortedKeys(0x54, 14, n);
    const hist = sortedKeys(0x68, 17, Math.round(n * histPerTx));
    const outs = sortedKeys(0x6f, 21, Math.round(n * utxoPairs));
    const utxos = sortedKeys(0x75, 21, Math.round(n * utxoPairs));
    const tb = performance.now();
    const wb = db.write({ capacity: txKeys.count + hist.count + 2 * outs.count + Math.round(n * DELETES) });
    const put = (r: KeyRun, value: Uint8Array) => {
      for (let i = 0; i < r.count; i++) wb.tryPut(new Uint8Array(r.buf.buffer, r.buf.byteOffset + i * r.len, r.len) as Buffer, value as Buffer);
    };
    put(txKeys, empty);
    put(hist, empty);
    put(outs, value24);
    put(utxos, value8);
    let deletes = 0;
    for (let want = Math.round(n * DELETES); want > 0 && live.length > 0; ) {
      const older = live[0]!;
      const r = older.run;
      for (; want > 0 && older.next < r.count; older.next++, want--, deletes++) {
        wb.tryDelete(new Uint8Array(r.buf.buffer, r.buf.byteOffset + older.next * r.len, r.len) as Buffer);
      }
      if (older.next === r.count) live.shift();
    }
    const p = wb.flush();
    // The binding reads the batch in a microtask of flush(); it has run when the next macrotask does.
    await new Promise((r) => setImmediate(r));
    const tw = performance.now();
    building += tw - tb;
    await p;
    waited += performance.now() - tw;
    wb.destroy();
    rows += txKeys.count + hist.count + outs.count + utxos.count + deletes;
    live.push({ run: outs, next: 0 }, { run: utxos, next: 0 });
  }
  const writeSeconds = (performance.now() - t0) / 1000;
  // Compaction goes on after the last write; its CPU belongs to these rows too.
  for (;;) {
    const running = Number(await db.getProperty('rocksdb.num-running-compactions'));
    const pending = Number(await db.getProperty('rocksdb.compaction-pending'));
    if (running === 0 && pending === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const cpu1 = threadCpu();
  await index.close();
  rmSync(dir, { recursive: true, force: true });

  const perRow = (s: number) => ((s * 1e6) / rows).toFixed(2);
  const perTx = (s: number) => ((s * 1e6) / TXS).toFixed(1);
  const mainCpu = cpu1.main - cpu0.main;
  const allCpu = cpu1.all - cpu0.all;
  console.log(`machine: ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, node ${process.version}`);
  console.log(
    `rows: ${rows.toLocaleString('en-US')} for ${TXS.toLocaleString('en-US')} txs (asked ${(PUTS + DELETES).toFixed(2)} per tx: puts ${PUTS}, deletes ${DELETES}; ` +
      `written ${(rows / TXS).toFixed(2)}, the first batch having nothing to delete), batches of ${BATCH_TXS.toLocaleString('en-US')} txs`,
  );
  console.log(`wall ${writeSeconds.toFixed(1)} s writing (${(rows / writeSeconds / 1e6).toFixed(2)}M rows/s), waiting on RocksDB ${(waited / 1000).toFixed(1)} s`);
  console.log(`main thread: building batches and the binding's call ${(building / 1000).toFixed(1)} s = ${perRow(building / 1000)} us/row; main-thread CPU ${mainCpu.toFixed(1)} s (random keys and GC included)`);
  console.log(`CPU, all threads, compaction to the end: ${allCpu.toFixed(1)} s = ${perRow(allCpu)} us/row = ${perTx(allCpu)} us/tx`);
  console.log(`  of which not the main thread (RocksDB write path, memtables, flushes, compaction): ${(allCpu - mainCpu).toFixed(1)} s = ${perTx(allCpu - mainCpu)} us/tx`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
