// Fast mode: builds millions of structurally valid transactions quickly for the sync benchmark.
// Realistic script mix, multi-input/multi-output txs, address reuse with a heavy tail, spending
// real earlier outputs (coinbases only once mature), correct txids, merkle roots, witness
// commitments and PoW, but dummy signatures. Only raw blocks (+ fees, 4 bytes per txid for
// lookups) are kept; fast-chain outputs are not in the node's UTXO set (utxo() answers undefined
// for them) and the mempool path is not involved.
import { merkleRoot } from '../chain/merkle.js';
import { blockSubsidy, buildCoinbase, grindHeader, meetsRegtestTarget, BLOCK_VERSION, REGTEST_BITS } from './chain/assemble.js';
import { serializeHeader } from './chain/serialize.js';
import { parseTx } from '../chain/tx.js';
import type { DevnetNode } from './node.js';
import { OutputPool } from './fast/pool.js';
import { BytePool, Rng } from './fast/random.js';
import { Kind, makeScript, ScriptChooser, type FastScript } from './fast/scripts.js';
import { FastTxIndex } from './fast/txindex.js';
import { INPUT_VSIZE, isWitnessKind, Scratch, sha256dFast, writeScriptSig, writeWitness } from './fast/txwriter.js';

export interface FastChainOptions {
  /** Total transactions to add (coinbases included). */
  txCount: number;
  /** Default 2000. */
  txsPerBlock?: number;
  seed?: string;
  /** Scripts that each receive a large share of outputs (default 3: 100k+ history entries each at 2M txs). */
  heavyScripts?: number;
  /** Share of all outputs paying the heavy scripts (default 0.08). */
  heavyShare?: number;
  /** Called after each block (progress). */
  onBlock?: (height: number, txsSoFar: number) => void;
}

export interface FastChainResult {
  readonly blocks: number;
  readonly txs: number;
  /** The heavy-tail scripts (most reused first). */
  readonly heavyScripts: Buffer[];
}

const MAX_BLOCK_BYTES = 950_000; // raw bytes: keeps weight well under 4M even if all non-witness
const OP_RETURN_SHARE = 0.03;

export function buildFastChain(node: DevnetNode, opts: FastChainOptions): FastChainResult {
  const b = new FastBuilder(node, opts);
  return b.build();
}

interface Pending {
  height: number;
  txid: Buffer;
  value: number;
  kind: Kind;
}

class FastBuilder {
  private readonly rng: Rng;
  private readonly bytes: BytePool;
  private readonly chooser: ScriptChooser;
  private readonly pool = new OutputPool(1 << 20);
  private readonly immature: Pending[] = [];
  private readonly miners: FastScript[] = [];
  private readonly scratch = new Scratch(1 << 21);
  private readonly stripped = new Scratch(1 << 16);
  private readonly inputs = Buffer.allocUnsafe(36 * 16);
  private readonly index: FastTxIndex;
  private readonly perBlock: number;

  constructor(
    private readonly node: DevnetNode,
    private readonly opts: FastChainOptions,
  ) {
    this.rng = new Rng(`fastchain:${opts.seed ?? 'devnet'}`);
    this.bytes = new BytePool(this.rng);
    this.chooser = new ScriptChooser(this.rng, {
      heavyScripts: opts.heavyScripts ?? 3,
      heavyShare: opts.heavyShare ?? 0.08,
      reuseShare: 0.35,
      reusePool: 50_000,
    });
    for (const k of [Kind.P2WPKH, Kind.P2WPKH, Kind.P2PKH, Kind.P2SH, Kind.P2TR]) this.miners.push({ kind: k, script: makeScript(k, this.rng) });
    this.perBlock = Math.max(1, opts.txsPerBlock ?? 2000);
    const chain = node.engine.chain;
    this.index = new FastTxIndex((rec) => chain.isActive(rec));
    const previous = chain.fastLookup;
    chain.fastLookup = (txid) => previous?.(txid) ?? this.index.find(txid);
  }

  build(): FastChainResult {
    const chain = this.node.engine.chain;
    const startHeight = chain.tip.height;
    // Enough empty blocks first that coinbases mature; spread block times back from now.
    const estimatedBlocks = Math.ceil(this.opts.txCount / this.perBlock) + this.node.coin.coinbaseMaturity;
    let time = Math.max(chain.tip.medianTimePast() + 1, this.node.now() - estimatedBlocks * 600);
    let txs = 0;
    while (txs < this.opts.txCount) {
      const tip = chain.tip;
      const height = tip.height + 1;
      this.matureCoinbases(height);
      time = Math.max(time + 600, tip.medianTimePast() + 1);
      txs += this.buildBlock(height, Math.min(time, Math.max(this.node.now(), tip.medianTimePast() + 1)), this.opts.txCount - txs);
      this.opts.onBlock?.(height, txs);
    }
    return { blocks: chain.tip.height - startHeight, txs, heavyScripts: this.chooser.heavy.map((h) => h.script) };
  }

  private matureCoinbases(height: number): void {
    const maturity = this.node.coin.coinbaseMaturity;
    while (this.immature.length && height - this.immature[0]!.height >= maturity) {
      const p = this.immature.shift()!;
      this.pool.add(p.txid, 0, p.value, p.kind, this.rng);
    }
  }

  /** Writes one block of up to `remaining` txs; returns how many txs it holds. */
  private buildBlock(height: number, time: number, remaining: number): number {
    const s = this.scratch;
    s.pos = 0;
    const txids: Buffer[] = [];
    const wtxids: Buffer[] = [];
    const fees: number[] = [0];
    const want = Math.min(this.perBlock, remaining) - 1;
    while (txids.length < want && this.pool.size > 0 && s.pos < MAX_BLOCK_BYTES) {
      const fee = this.writeTx(txids, wtxids);
      fees.push(fee);
    }
    const miner = this.miners[this.rng.int(this.miners.length)]!;
    const reward = blockSubsidy(height, this.node.coin.subsidyHalvingInterval) + fees.reduce((a, b) => a + b, 0);
    const coinbase = buildCoinbase(height, miner.script, reward, wtxids);
    const cbTxid = parseTx(coinbase).txid;
    const header = serializeHeader({ version: BLOCK_VERSION, prevHash: this.node.engine.chain.tip.hash, merkleRoot: merkleRoot([cbTxid, ...txids]), time, bits: REGTEST_BITS, nonce: 0 });
    grindHeader(header, meetsRegtestTarget);
    const n = txids.length + 1;
    const varint = n < 0xfd ? Buffer.from([n]) : Buffer.from([0xfd, n & 0xff, n >> 8]);
    const raw = Buffer.concat([header, varint, coinbase, s.buf.subarray(0, s.pos)]);
    const chain = this.node.engine.chain;
    const rec = chain.addBlock(raw, { fast: true });
    rec.fees = fees;
    chain.connect(rec);
    this.index.addBlock(rec, [cbTxid, ...txids]);
    if (reward > 0) this.immature.push({ height, txid: cbTxid, value: reward, kind: miner.kind });
    this.node.engine.emit({ type: 'blockConnected', block: rec });
    return n;
  }

  /** Appends one transaction to the scratch buffer; returns its fee. */
  private writeTx(txids: Buffer[], wtxids: Buffer[]): number {
    const rng = this.rng;
    const s = this.scratch;
    s.ensure(16_384);
    // Inputs: mostly one or two, sometimes consolidations.
    const u = rng.next();
    let nIn = u < 0.7 ? 1 : u < 0.9 ? 2 : 3 + rng.int(3);
    nIn = Math.min(nIn, this.pool.size);
    const kinds: Kind[] = [];
    let valueIn = 0;
    let segwit = false;
    for (let i = 0; i < nIn; i++) {
      const o = this.pool.takeRandom(rng, this.inputs, i * 36);
      kinds.push(o.kind);
      valueIn += o.value;
      segwit ||= isWitnessKind(o.kind);
    }
    // Outputs: fan out while the pool is small, else mostly payment + change.
    const v = rng.next();
    let nOut = this.pool.size < 20_000 ? 20 + rng.int(30) : v < 0.15 ? 1 : v < 0.85 ? 2 : 3 + rng.int(6);
    const opReturn = rng.next() < OP_RETURN_SHARE;
    let vsize = 11 + 43 * nOut + (opReturn ? 50 : 0);
    for (const k of kinds) vsize += INPUT_VSIZE[k];
    let fee = Math.min(vsize * (1 + rng.int(20)), Math.floor(valueIn / 10));
    if (valueIn - fee < nOut * 1000) nOut = 1;
    if (valueIn - fee < 546) fee = Math.max(0, valueIn - 546);
    const spend = valueIn - fee;

    const start = s.pos;
    s.u32(2);
    if (segwit) {
      s.u8(0);
      s.u8(1);
    }
    const bodyStart = s.pos;
    s.varint(nIn);
    for (let i = 0; i < nIn; i++) {
      this.inputs.copy(s.buf, s.pos, i * 36, i * 36 + 36);
      s.pos += 36;
      writeScriptSig(s, kinds[i]!, rng, this.bytes);
      s.u32(0xfffffffd);
    }
    s.varint(nOut + (opReturn ? 1 : 0));
    const outKinds: Kind[] = [];
    const outValues: number[] = [];
    let left = spend;
    for (let i = 0; i < nOut; i++) {
      const value = i === nOut - 1 ? left : Math.max(546, Math.floor((left / (nOut - i)) * (0.2 + rng.next() * 1.6)));
      const clamped = Math.min(value, left - 546 * (nOut - 1 - i));
      left -= clamped;
      const out = this.chooser.next();
      s.u64(clamped);
      s.varint(out.script.length);
      s.bytes(out.script);
      outKinds.push(out.kind);
      outValues.push(clamped);
    }
    if (opReturn) {
      const len = 20 + rng.int(21);
      s.u64(0);
      s.u8(len + 2);
      s.u8(0x6a);
      s.u8(len);
      this.bytes.copy(rng, s.buf, s.pos, len);
      s.pos += len;
    }
    const bodyEnd = s.pos;
    if (segwit) for (const k of kinds) writeWitness(s, k, rng, this.bytes);
    s.u32(0);
    const end = s.pos;
    const wtxid = sha256dFast(s.buf.subarray(start, end));
    let txid = wtxid;
    if (segwit) {
      const t = this.stripped;
      t.pos = 0;
      t.ensure(bodyEnd - bodyStart + 8);
      t.u32(2);
      s.buf.copy(t.buf, t.pos, bodyStart, bodyEnd);
      t.pos += bodyEnd - bodyStart;
      t.u32(0);
      txid = sha256dFast(t.buf.subarray(0, t.pos));
    }
    txids.push(txid);
    wtxids.push(wtxid);
    for (let i = 0; i < nOut; i++) this.pool.add(txid, i, outValues[i]!, outKinds[i]!, rng);
    return fee;
  }
}
