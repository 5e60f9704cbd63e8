// Real serialized regtest blocks for the index tests: the actual regtest genesis block, then
// blocks of hand-built transactions (scripts are not signed: the index does not validate them).
// Also an independent model of what the index should answer, computed straight from the blocks.
import { createHash } from 'node:crypto';
import { parseBlock, type Block } from '../../src/chain/block.js';
import { ByteWriter } from '../../src/chain/bytes.js';
import { sha256d } from '../../src/chain/hash.js';
import { merkleRoot } from '../../src/chain/merkle.js';
import { isCoinbase } from '../../src/chain/tx.js';
import { isUnspendable } from '../../src/chain/scripthash.js';

const GENESIS_COINBASE =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';

/** The real Bitcoin regtest genesis block (hash 0f9188f1…2206). */
export function regtestGenesis(): Block {
  const cb = Buffer.from(GENESIS_COINBASE, 'hex');
  const root = sha256d(cb);
  const w = new ByteWriter(300);
  w.i32le(1).bytes(Buffer.alloc(32)).bytes(root).u32le(1296688602).u32le(0x207fffff).u32le(2).varint(1).bytes(cb);
  return parseBlock(w.toBuffer());
}

export interface TxInSpec {
  readonly txid: Buffer;
  readonly vout: number;
}
export interface TxOutSpec {
  readonly script: Buffer;
  readonly value: number;
}

export function serializeTx(inputs: readonly TxInSpec[], outputs: readonly TxOutSpec[], opts: { witness?: boolean; tag?: number } = {}): Buffer {
  const w = new ByteWriter(256);
  w.i32le(2);
  if (opts.witness) w.u8(0).u8(1);
  w.varint(inputs.length);
  for (const i of inputs) w.bytes(i.txid).u32le(i.vout).varBytes(Buffer.from([0x51])).u32le(0xfffffffd);
  w.varint(outputs.length);
  for (const o of outputs) w.u64le(o.value).varBytes(o.script);
  if (opts.witness) for (let k = 0; k < inputs.length; k++) w.varint(2).varBytes(Buffer.alloc(71, 0x30)).varBytes(Buffer.alloc(33, 0x02));
  w.u32le(opts.tag ?? 0);
  return w.toBuffer();
}

export function coinbaseTx(height: number, outputs: readonly TxOutSpec[], tag = 0): Buffer {
  const w = new ByteWriter(128);
  const sig = Buffer.alloc(9);
  sig[0] = 4;
  sig.writeUInt32LE(height, 1);
  sig[5] = 3;
  sig.writeUIntLE(tag & 0xffffff, 6, 3);
  w.i32le(2).varint(1).bytes(Buffer.alloc(32)).u32le(0xffffffff).varBytes(sig).u32le(0xffffffff);
  w.varint(outputs.length);
  for (const o of outputs) w.u64le(o.value).varBytes(o.script);
  w.u32le(0);
  return w.toBuffer();
}

export function makeBlock(prevHash: Buffer, txs: readonly Buffer[], time: number): Block {
  const txids = txs.map((raw) => parseBlockTxid(raw));
  const w = new ByteWriter(1024);
  w.i32le(0x20000000).bytes(prevHash).bytes(merkleRoot(txids)).u32le(time).u32le(0x207fffff).u32le(0);
  w.varint(txs.length);
  for (const t of txs) w.bytes(t);
  return parseBlock(w.toBuffer());
}

function parseBlockTxid(raw: Buffer): Buffer {
  // Witness txs hash without marker/flag/witness; reuse the block parser's logic by a one-tx parse.
  const w = new ByteWriter(raw.length + 90);
  w.bytes(Buffer.alloc(80)).varint(1).bytes(raw);
  return parseBlock(w.toBuffer()).txs[0]!.txid;
}

/** A standard-looking output script number n (P2WPKH, P2PKH or P2SH by n mod 3). */
export function script(n: number): Buffer {
  const h = createHash('sha256').update(`script-${n}`).digest().subarray(0, 20);
  switch (n % 3) {
    case 0:
      return Buffer.concat([Buffer.from([0x00, 0x14]), h]);
    case 1:
      return Buffer.concat([Buffer.from([0x76, 0xa9, 0x14]), h, Buffer.from([0x88, 0xac])]);
    default:
      return Buffer.concat([Buffer.from([0xa9, 0x14]), h, Buffer.from([0x87])]);
  }
}

export const OP_RETURN = Buffer.from([0x6a, 0x04, 0xde, 0xad, 0xbe, 0xef]);

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Coin {
  readonly txid: Buffer;
  readonly vout: number;
  readonly value: number;
}

function unspent(blocks: readonly Block[]): Coin[] {
  const set = new Map<string, Coin>();
  blocks.forEach((b, h) => {
    for (const tx of b.txs) {
      if (!isCoinbase(tx)) for (const i of tx.inputs) set.delete(`${i.prevTxid.toString('hex')}:${i.prevVout}`);
      if (h === 0) continue;
      tx.outputs.forEach((o, vout) => {
        if (!isUnspendable(o.script)) set.set(`${tx.txid.toString('hex')}:${vout}`, { txid: tx.txid, vout, value: o.value });
      });
    }
  });
  return [...set.values()];
}

/**
 * Extends `base` (which starts at genesis) by `n` random blocks. Scripts come from a small pool so
 * they repeat; txs spend older and same-block outputs, pay a script twice, fund and spend the same
 * script, and carry OP_RETURN outputs.
 */
export function extendChain(base: readonly Block[], n: number, seed: number, opts: { maxTxs?: number; scripts?: number } = {}): Block[] {
  const rand = rng(seed);
  const pick = (k: number) => Math.floor(rand() * k);
  const pool = opts.scripts ?? 12;
  const maxTxs = opts.maxTxs ?? 8;
  const coins = unspent(base);
  const blocks = [...base];
  for (let k = 0; k < n; k++) {
    const height = blocks.length;
    const prev = blocks[height - 1]!;
    const raws: Buffer[] = [coinbaseTx(height, [{ script: script(pick(pool)), value: 50_0000_0000 }], seed)];
    const fresh: Coin[] = [];
    const nTx = pick(maxTxs + 1);
    for (let t = 0; t < nTx && coins.length + fresh.length > 0; t++) {
      const inputs: Coin[] = [];
      const nIn = 1 + pick(3);
      for (let i = 0; i < nIn; i++) {
        // Sometimes spend an output created earlier in this very block.
        const fromFresh = fresh.length > 0 && (coins.length === 0 || rand() < 0.3);
        const list = fromFresh ? fresh : coins;
        if (list.length === 0) break;
        inputs.push(list.splice(pick(list.length), 1)[0]!);
      }
      const total = inputs.reduce((s, c) => s + c.value, 0);
      const nOut = 1 + pick(3);
      const outs: TxOutSpec[] = [];
      const budget = Math.max(0, total - 1000);
      const target = pick(pool);
      for (let o = 0; o < nOut; o++) {
        const s = rand() < 0.25 ? script(target) : script(pick(pool)); // repeats a script inside a tx
        outs.push({ script: s, value: Math.floor(budget / nOut) });
      }
      if (rand() < 0.15) outs.push({ script: OP_RETURN, value: 0 });
      const raw = serializeTx(inputs, outs, { witness: rand() < 0.5, tag: seed });
      raws.push(raw);
      const txid = parseBlockTxid(raw);
      outs.forEach((o, vout) => {
        if (!isUnspendable(o.script)) fresh.push({ txid, vout, value: o.value });
      });
    }
    const blk = makeBlock(prev.header.hash, raws, 1_700_000_000 + height * 600 + (seed % 600));
    blocks.push(blk);
    coins.push(...fresh);
    const cb = blk.txs[0]!;
    coins.push({ txid: cb.txid, vout: 0, value: cb.outputs[0]!.value });
  }
  return blocks;
}

export interface ModelEntry {
  readonly height: number;
  readonly position: number;
  readonly txid: Buffer;
}
export interface ModelUtxo {
  readonly txid: Buffer;
  readonly vout: number;
  readonly height: number;
  readonly value: number;
  readonly order: number;
}

/** What the index must answer, computed directly and naively from the blocks. */
export class ChainModel {
  readonly history = new Map<string, ModelEntry[]>();
  readonly utxos = new Map<string, ModelUtxo>();
  readonly scriptOf = new Map<string, string>();
  readonly txs = new Map<string, { height: number; position: number; txNum: number }>();
  txCount = 0;

  constructor(readonly blocks: readonly Block[]) {
    const outputs = new Map<string, { sh: string; value: number }>();
    blocks.forEach((b, height) => {
      b.txs.forEach((tx, position) => {
        const txNum = this.txCount++;
        this.txs.set(tx.txid.toString('hex'), { height, position, txNum });
        const touched = new Set<string>();
        if (!isCoinbase(tx)) {
          for (const i of tx.inputs) {
            const key = `${i.prevTxid.toString('hex')}:${i.prevVout}`;
            const prev = outputs.get(key);
            if (!prev) throw new Error(`model: unknown prevout ${key}`);
            touched.add(prev.sh);
            this.utxos.delete(key);
          }
        }
        if (height > 0) {
          tx.outputs.forEach((o, vout) => {
            if (isUnspendable(o.script)) return;
            const sh = createHash('sha256').update(o.script).digest('hex');
            touched.add(sh);
            const key = `${tx.txid.toString('hex')}:${vout}`;
            outputs.set(key, { sh, value: o.value });
            this.scriptOf.set(key, sh);
            this.utxos.set(key, { txid: tx.txid, vout, height, value: o.value, order: txNum * 1e6 + vout });
          });
        }
        for (const sh of touched) {
          const list = this.history.get(sh) ?? [];
          list.push({ height, position, txid: tx.txid });
          this.history.set(sh, list);
        }
      });
    });
  }

  utxosOf(shHex: string): ModelUtxo[] {
    const out: ModelUtxo[] = [];
    for (const [key, u] of this.utxos) if (this.scriptOf.get(key) === shHex) out.push(u);
    return out.sort((a, b) => a.order - b.order);
  }
}
