// Micro benchmark of the index writer: applyBlock + flush throughput (tx/s) on synthetic blocks.
//   node dist/bench/index-apply.js [--blocks 300] [--txs 2000] [--cache-mb 256] [--sync-flush 1] [--undo 1] [--dir /tmp/x]
// flushMs counts only time the loop waited for flushes; with pipelining most of the write overlaps.
// Mix per block (roughly mainnet-like): 1 coinbase; txs with 1-3 inputs (avg ~1.9) and 1-3 outputs
// (avg ~2.3), mostly P2WPKH/P2PKH/P2SH scripts drawn with heavy reuse from a 200k pool, 3% OP_RETURN;
// ~25% of spends hit outputs of the unflushed window (cache), the rest resolve from RocksDB.
import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sha256d, toDisplayHex } from '../src/chain/hash.js';
import { findCoin } from '../src/config/coins.js';
import { openIndex } from '../src/index/index.js';
import { prepareBlock, type PreparedBlock } from '../src/index/prepared-block.js';
import { rootLogger } from '../src/log.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const BLOCKS = Number(args.get('blocks') ?? 300);
const TXS = Number(args.get('txs') ?? 2000);
const CACHE_MB = Number(args.get('cache-mb') ?? 256);
const SCRIPTS = 200_000;
const SYNC_FLUSH = args.has('sync-flush');
// Initial sync runs far below the tip, where sync asks for no undo data; --undo 1 measures it anyway.
const KEEP_UNDO = args.has('undo');

let seed = 42;
const rand = (): number => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (n: number): number => Math.floor(rand() * n);

const scripts: Buffer[] = new Array(SCRIPTS);
for (let i = 0; i < SCRIPTS; i++) {
  const h = createHash('sha256').update(`s${i}`).digest().subarray(0, 20);
  scripts[i] = i % 3 === 0 ? Buffer.concat([Buffer.from([0, 20]), h]) : i % 3 === 1 ? Buffer.concat([Buffer.from([0x76, 0xa9, 20]), h, Buffer.from([0x88, 0xac])]) : Buffer.concat([Buffer.from([0xa9, 20]), h, Buffer.from([0x87])]);
}
const OP_RETURN = Buffer.from('6a0b68656c6c6f20776f726c64', 'hex');
// Skewed reuse: a few scripts get most of the payments.
const randomScript = (): Buffer => scripts[Math.floor(SCRIPTS * rand() ** 3)]!;

interface Coin { txid: Buffer; vout: number; value: number }
interface SynthTx { txid: Buffer; raw: Buffer; outputs: Array<{ script: Buffer; value: number }> }
const old: Coin[] = [];
let recent: Coin[] = [];
let txCounter = 0;

function varint(n: number): Buffer {
  if (n < 0xfd) return Buffer.from([n]);
  const b = Buffer.alloc(5);
  b[0] = 0xfe;
  b.writeUInt32LE(n, 1);
  return b;
}

/** A serialized legacy tx (empty scriptSigs: the index does not check signatures); null inputs = coinbase. */
function mkTx(inputs: Coin[] | null, outputs: Array<{ script: Buffer; value: number }>): SynthTx {
  const parts: Buffer[] = [Buffer.from([2, 0, 0, 0])];
  if (inputs === null) {
    // A unique coinbase scriptSig keeps txids distinct.
    const tag = Buffer.alloc(8);
    tag.writeUInt32LE(txCounter++);
    parts.push(varint(1), Buffer.alloc(32), Buffer.from([0xff, 0xff, 0xff, 0xff]), varint(tag.length), tag, Buffer.alloc(4));
  } else {
    parts.push(varint(inputs.length));
    for (const c of inputs) {
      const vout = Buffer.alloc(4);
      vout.writeUInt32LE(c.vout);
      parts.push(c.txid, vout, varint(0), Buffer.alloc(4));
    }
  }
  parts.push(varint(outputs.length));
  for (const o of outputs) {
    const v = Buffer.alloc(8);
    v.writeBigUInt64LE(BigInt(o.value));
    parts.push(v, varint(o.script.length), o.script);
  }
  parts.push(Buffer.alloc(4));
  const raw = Buffer.concat(parts);
  return { txid: sha256d(raw), raw, outputs };
}

function mkBlock(prevHash: Buffer, txs: SynthTx[], height: number): PreparedBlock {
  const header = Buffer.alloc(80);
  header.writeInt32LE(0x20000000, 0);
  prevHash.copy(header, 4);
  header.writeUInt32LE(height, 68);
  return prepareBlock(Buffer.concat([header, varint(txs.length), ...txs.map((t) => t.raw)]));
}

function takeCoin(): Coin {
  const fromRecent = recent.length > 0 && rand() < 0.25;
  const list = fromRecent || old.length === 0 ? recent : old;
  const i = pick(list.length);
  const c = list[i]!;
  list[i] = list[list.length - 1]!;
  list.pop();
  return c;
}

function addOutputs(tx: SynthTx): void {
  tx.outputs.forEach((o, vout) => {
    if (o.script !== OP_RETURN) recent.push({ txid: tx.txid, vout, value: o.value });
  });
}

function nextBlock(prevHash: Buffer, height: number): PreparedBlock {
  const txs: SynthTx[] = [mkTx(null, [{ script: randomScript(), value: 625_000_000 }])];
  addOutputs(txs[0]!);
  for (let t = 1; t < TXS && old.length + recent.length > 3; t++) {
    const r = rand();
    const nIn = r < 0.45 ? 1 : r < 0.85 ? 2 : 3;
    const ins: Coin[] = [];
    for (let i = 0; i < nIn && old.length + recent.length > 0; i++) ins.push(takeCoin());
    const total = ins.reduce((s, c) => s + c.value, 0);
    const r2 = rand();
    const nOut = r2 < 0.15 ? 1 : r2 < 0.8 ? 2 : 3;
    const outs = [];
    for (let o = 0; o < nOut; o++) outs.push({ script: randomScript(), value: Math.floor(total / (nOut + 1)) });
    if (rand() < 0.03) outs.push({ script: OP_RETURN, value: 0 });
    const tx = mkTx(ins, outs);
    txs.push(tx);
    addOutputs(tx);
  }
  return mkBlock(prevHash, txs, height);
}

function dirSize(d: string): number {
  return readdirSync(d).reduce((s, f) => s + statSync(join(d, f)).size, 0);
}

async function main(): Promise<void> {
  const dir = args.get('dir') || mkdtempSync(join(tmpdir(), 'anode-bench-index-'));
  // Block 0 is a synthetic genesis; block 1 fans out 20k coins so spends have something to hit.
  const genesis = mkBlock(Buffer.alloc(32), [mkTx(null, [{ script: scripts[0]!, value: 0 }])], 0);
  const coin = { ...findCoin('Bitcoin', 'regtest'), genesisHash: toDisplayHex(genesis.hash) };
  const idx = await openIndex(dir, { coin, cacheMb: Number(args.get('db-cache-mb') ?? CACHE_MB), logger: process.env.LOG_LEVEL ? rootLogger() : undefined });
  const w = idx.writer!;
  await w.applyBlock(genesis, 0, false);
  const fan = mkTx(null, Array.from({ length: 20_000 }, () => ({ script: randomScript(), value: 100_000_000 })));
  addOutputs(fan);
  await w.applyBlock(mkBlock(genesis.hash, [fan], 1), 1, false);
  await w.flush();
  for (const c of recent) old.push(c);
  recent = [];

  let applyMs = 0;
  let flushMs = 0;
  let genMs = 0;
  let txs = 0;
  let flushes = 0;
  let maxPending = 0;
  let maxHeapDelta = 0;
  let maxFlushPeak = 0;
  let pendingAtPeak = 0;
  const mem = (): number => {
    (globalThis as { gc?: () => void }).gc?.(); // with --expose-gc: live memory, not garbage
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const heap0 = mem();
  let prev = idx.state.tipHash;
  let inflight: Promise<void> = Promise.resolve();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let genCpuUs = 0;
  for (let h = 2; h < BLOCKS + 2; h++) {
    const g = performance.now();
    const gc0 = process.cpuUsage();
    const block = nextBlock(prev, h);
    const gc1 = process.cpuUsage(gc0);
    genCpuUs += gc1.user + gc1.system;
    genMs += performance.now() - g;
    const a = performance.now();
    await w.applyBlock(block, h, KEEP_UNDO);
    applyMs += performance.now() - a;
    txs += block.txCount;
    prev = block.hash;
    maxPending = Math.max(maxPending, w.pendingBytes);
    if (w.pendingBytes > CACHE_MB * 1024 * 1024 || h === BLOCKS + 1) {
      maxHeapDelta = Math.max(maxHeapDelta, mem() - heap0);
      const f = performance.now();
      // Pipelined: wait for the previous write only, then keep applying while this one lands.
      await inflight;
      const pendingAtFlush = w.pendingBytes;
      inflight = w.flush();
      // The batch is built by now: live memory peaks here, with the window and its op objects.
      const peak = mem() - heap0;
      if (peak > maxFlushPeak) [maxFlushPeak, pendingAtPeak] = [peak, pendingAtFlush];
      if (SYNC_FLUSH || h === BLOCKS + 1) await inflight;
      flushMs += performance.now() - f;
      flushes++;
      for (const c of recent) old.push(c);
      recent = [];
    }
  }
  const wall = performance.now() - t0 - genMs;
  const cpu = process.cpuUsage(cpu0);
  // CPU seconds of all threads (JS, RocksDB writes and background compaction), minus block generation.
  const cpuSec = (cpu.user + cpu.system - genCpuUs) / 1e6;
  const cores = cpus();
  const result = {
    machine: `${cores[0]?.model ?? 'unknown cpu'}, ${cores.length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GB RAM, node ${process.version}`,
    blocks: BLOCKS,
    txs,
    flushes,
    cacheMb: CACHE_MB,
    pipelined: !SYNC_FLUSH,
    keepUndo: KEEP_UNDO,
    applyMs: Math.round(applyMs),
    flushMs: Math.round(flushMs),
    txPerSec: Math.round(txs / (wall / 1000)),
    blocksPerSec: Number((BLOCKS / (wall / 1000)).toFixed(1)),
    applyOnlyTxPerSec: Math.round(txs / (applyMs / 1000)),
    txPerCpuSec: Math.round(txs / cpuSec),
    maxPendingMB: Math.round(maxPending / 1048576),
    maxJsMemDeltaMB: Math.round(maxHeapDelta / 1048576),
    flushPeakJsMemMB: Math.round(maxFlushPeak / 1048576),
    pendingAtPeakMB: Math.round(pendingAtPeak / 1048576),
    dbMB: Math.round(dirSize(dir) / 1048576),
    peakRssMB: Math.round((process.resourceUsage().maxRSS * 1024) / 1048576),
  };
  console.log(JSON.stringify(result));
  await idx.close();
  if (!args.get('dir')) rmSync(dir, { recursive: true, force: true });
}

await main();
