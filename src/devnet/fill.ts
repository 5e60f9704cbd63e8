// Filling the mempool fast with real, signed transactions (for benchmarks: 50,000 of them in well
// under a minute). Funding is prepared once: fresh coinbases (or fill coins already confirmed)
// are split and fanned out into many confirmed outputs of every spendable kind, mined with
// generateblock. Then each mempool tx spends one (sometimes two) of those outputs, or the change
// of an earlier fill tx (unconfirmed chains up to `maxDepth`, clusters kept small), pays 1-3
// outputs of a realistic mix (wallet-less external scripts and fill keys, some OP_RETURNs) at a
// skewed fee rate, is signed (ECDSA or Schnorr) and goes through mempool acceptance like any
// sendrawtransaction (scripts re-verified only with `verify`), so ZMQ announces every one.
import * as bitcoin from 'bitcoinjs-lib';
import type { DevnetNode } from './node.js';
import { feeAt } from './chain/policy.js';
import { OUTPUT_KINDS, type OutputKind } from './chain/types.js';
import { Rng } from './fast/random.js';
import { makeScript, randomKind } from './fast/scripts.js';
import { deriveKeySet, INPUT_WEIGHT, type KeySet } from './wallet/keys.js';
import { signAll } from './wallet/sign.js';

export interface FillOptions {
  /** Deterministic choices and keys (default 'fill'). */
  seed?: string;
  /** Share of txs spending the change of an earlier fill tx (default 0.3). */
  chainShare?: number;
  /** Longest unconfirmed chain (default 6). */
  maxDepth?: number;
  /** Share of txs with two confirmed inputs (default 0.1). */
  twoInputShare?: number;
  /** Share of payment outputs paying fill keys rather than random external scripts (default 0.3). */
  internalShare?: number;
  /** Re-verify every signature on acceptance, as a real node does (default false: they are made here). */
  verify?: boolean;
}

export interface FillResult {
  /** The txids added, in order (internal byte order). */
  readonly txids: Buffer[];
  /** Blocks mined to prepare the confirmed outputs (0 when enough were there). */
  readonly fundingBlocks: number;
  readonly seconds: number;
}

/** Confirmed roots are worth this much (change chains spend down from it). */
const ROOT_VALUE = 100_000;
const MIN_ROOT = 30_000;
/** Stop extending a cluster at this many txs (Core's limit is 64). */
const MAX_CLUSTER = 24;
const FANOUT_WEIGHT = 360_000;
const BLOCK_WEIGHT = 3_900_000;
/** Root kinds: mostly p2wpkh, every kind present. */
const ROOT_KINDS: ReadonlyArray<[OutputKind, number]> = [
  ['p2wpkh', 0.5], ['p2tr', 0.15], ['p2pkh', 0.1], ['p2sh-p2wpkh', 0.1], ['p2wsh', 0.07], ['p2sh-multisig', 0.05], ['bare-multisig', 0.03],
];
const KEYS_PER_KIND = 16;

interface Coin {
  readonly txid: Buffer;
  readonly vout: number;
  readonly value: number;
  readonly keys: KeySet;
}

interface Unconfirmed extends Coin {
  readonly depth: number;
}

class FillKeys {
  private readonly sets = new Map<string, KeySet>();
  readonly byScript = new Map<string, KeySet>();

  constructor(private readonly seed: string, private readonly network: bitcoin.Network) {
    for (const kind of OUTPUT_KINDS) for (let i = 0; i < KEYS_PER_KIND; i++) this.get(kind, i);
  }

  get(kind: OutputKind, index: number): KeySet {
    const id = `${kind}/${index}`;
    let ks = this.sets.get(id);
    if (!ks) {
      ks = deriveKeySet(`fill:${this.seed}`, kind, index, this.network);
      this.sets.set(id, ks);
      this.byScript.set(ks.script.toString('hex'), ks);
    }
    return ks;
  }
}

const keyCache = new WeakMap<DevnetNode, Map<string, FillKeys>>();

function keysFor(node: DevnetNode, seed: string): FillKeys {
  let m = keyCache.get(node);
  if (!m) keyCache.set(node, (m = new Map()));
  let k = m.get(seed);
  if (!k) m.set(seed, (k = new FillKeys(seed, node.network)));
  return k;
}

function pickKind(rng: Rng): OutputKind {
  let r = rng.next();
  for (const [kind, p] of ROOT_KINDS) {
    if (r < p) return kind;
    r -= p;
  }
  return 'p2wpkh';
}

function outputWeight(script: Buffer): number {
  return (8 + 1 + script.length) * 4;
}

/** Estimated vsize (upper bound) of a tx with these inputs and output scripts. */
function estimateVsize(inputs: readonly Coin[], scripts: readonly Buffer[]): number {
  let w = 42 + 2;
  for (const c of inputs) w += INPUT_WEIGHT[c.keys.kind];
  for (const s of scripts) w += outputWeight(s);
  return Math.ceil(w / 4);
}

function build(inputs: readonly Coin[], outputs: ReadonlyArray<{ script: Buffer; value: number }>, locktime: number, version = 2): bitcoin.Transaction {
  const tx = new bitcoin.Transaction();
  tx.version = version;
  tx.locktime = locktime;
  for (const c of inputs) tx.addInput(c.txid, c.vout, 0xfffffffd);
  for (const o of outputs) tx.addOutput(o.script, o.value);
  signAll(tx, inputs.map((c) => ({ keys: c.keys, value: c.value })));
  return tx;
}

/** The shape of the fill: per tx, the parent tx index whose change it spends (-1: confirmed inputs). */
interface Plan {
  readonly parent: number;
  readonly inputs: number;
}

function plan(n: number, rng: Rng, chainShare: number, maxDepth: number, twoInputShare: number): Plan[] {
  const out: Plan[] = [];
  const open: number[] = []; // tx indices whose change is unspent and may be extended
  const depth: number[] = [];
  const clusterOf: number[] = [];
  const clusterSize: number[] = [];
  for (let i = 0; i < n; i++) {
    let parent = -1;
    if (open.length > 0 && rng.next() < chainShare) {
      const at = rng.int(open.length);
      parent = open[at]!;
      open[at] = open[open.length - 1]!;
      open.pop();
    }
    if (parent >= 0) {
      depth.push(depth[parent]! + 1);
      clusterOf.push(clusterOf[parent]!);
      clusterSize[clusterOf[parent]!]!++;
      out.push({ parent, inputs: 1 });
    } else {
      depth.push(0);
      clusterOf.push(clusterSize.length);
      clusterSize.push(1);
      out.push({ parent: -1, inputs: rng.next() < twoInputShare ? 2 : 1 });
    }
    if (depth[i]! < maxDepth && clusterSize[clusterOf[i]!]! < MAX_CLUSTER) open.push(i);
  }
  return out;
}

/** Confirmed, mature fill coins worth a root, not spent in the mempool. */
function confirmedFillCoins(node: DevnetNode, keys: FillKeys): Coin[] {
  const { chain, mempool } = node.engine;
  const spendHeight = chain.tip.height + 1;
  const out: Coin[] = [];
  for (const [key, coin] of chain.utxo.entries()) {
    if (coin.value < MIN_ROOT) continue;
    const ks = keys.byScript.get(coin.script.toString('hex'));
    if (!ks) continue;
    if (coin.coinbase && spendHeight - coin.height < chain.coinbaseMaturity) continue;
    const sep = key.indexOf(':');
    const txid = Buffer.from(key.slice(0, sep), 'hex');
    const vout = Number(key.slice(sep + 1));
    if (mempool.spender(txid, vout)) continue;
    out.push({ txid, vout, value: coin.value, keys: ks });
  }
  return out;
}

/** Mines funding: coinbases to a fill key, matured, split, fanned out into `count` root coins. */
function prepareRoots(node: DevnetNode, keys: FillKeys, count: number, rng: Rng): { coins: Coin[]; blocks: number } {
  const payout = node.wallet.address('p2wpkh', 0);
  const funder = keys.get('p2wpkh', 0);
  // The fan-outs: groups of root outputs, each within a standard tx weight.
  const groups: Array<Array<{ script: Buffer; value: number; keys: KeySet }>> = [[]];
  let w = 0;
  for (let i = 0; i < count; i++) {
    const ks = keys.get(pickKind(rng), rng.int(KEYS_PER_KIND));
    const ow = outputWeight(ks.script);
    if (w + ow > FANOUT_WEIGHT) {
      groups.push([]);
      w = 0;
    }
    groups[groups.length - 1]!.push({ script: ks.script, value: ROOT_VALUE, keys: ks });
    w += ow;
  }
  const fanoutFee = (g: ReadonlyArray<{ script: Buffer }>) => 2 * estimateVsize([{ txid: Buffer.alloc(32), vout: 0, value: 0, keys: funder }], g.map((o) => o.script));
  const need = groups.map((g) => g.length * ROOT_VALUE + fanoutFee(g));
  const total = need.reduce((a, b) => a + b, 0);
  const splitScripts = [...need.map(() => funder.script), funder.script];
  const splitFee = (inputs: readonly Coin[]) => 2 * estimateVsize(inputs, splitScripts);
  // Coinbases to the funder until they cover it, then maturity.
  let blocks = 0;
  let funds = 0;
  const coinbases: Coin[] = [];
  while (funds < total + splitFee([...coinbases, { txid: Buffer.alloc(32), vout: 0, value: 0, keys: funder }])) {
    const [hash] = node.generateToScript(1, funder.script, { includeMempool: false });
    const cb = node.block(hash!)!.block.txs[0]!;
    coinbases.push({ txid: cb.txid, vout: 0, value: cb.outputs[0]!.value, keys: funder });
    funds += cb.outputs[0]!.value;
    blocks++;
  }
  node.generateToAddress(node.coin.coinbaseMaturity, payout, { includeMempool: false });
  blocks += node.coin.coinbaseMaturity;
  // One split tx: an output per fan-out, change back to the funder.
  const splitOuts = need.map((value) => ({ script: funder.script, value }));
  const change = funds - total - splitFee(coinbases);
  const split = build(coinbases, change >= 1000 ? [...splitOuts, { script: funder.script, value: change }] : splitOuts, node.tipHeight());
  node.generateBlock(payout, [split.toBuffer()]);
  blocks++;
  const splitId = split.getHash();
  const coins: Coin[] = [];
  let batch: Buffer[] = [];
  let batchWeight = 0;
  groups.forEach((g, gi) => {
    const input: Coin = { txid: splitId, vout: gi, value: need[gi]!, keys: funder };
    const tx = build([input], g, node.tipHeight());
    const raw = tx.toBuffer();
    const id = tx.getHash();
    g.forEach((o, vout) => coins.push({ txid: id, vout, value: o.value, keys: o.keys }));
    if (batchWeight + tx.weight() > BLOCK_WEIGHT) {
      node.generateBlock(payout, batch);
      blocks++;
      batch = [];
      batchWeight = 0;
    }
    batch.push(raw);
    batchWeight += tx.weight();
  });
  if (batch.length) {
    node.generateBlock(payout, batch);
    blocks++;
  }
  return { coins, blocks };
}

/** Adds `n` signed transactions to the mempool; see the file comment. */
export function fillMempool(node: DevnetNode, n: number, opts: FillOptions = {}): FillResult {
  const started = process.hrtime.bigint();
  const seed = opts.seed ?? 'fill';
  const rng = new Rng(`fill:${seed}:${node.tipHeight()}:${node.mempool().length}`);
  const keys = keysFor(node, seed);
  const shape = plan(n, rng, opts.chainShare ?? 0.3, opts.maxDepth ?? 6, opts.twoInputShare ?? 0.1);
  const rootsNeeded = shape.reduce((s, p) => s + (p.parent < 0 ? p.inputs : 0), 0);
  let roots = confirmedFillCoins(node, keys);
  let fundingBlocks = 0;
  if (roots.length < rootsNeeded) {
    const prepared = prepareRoots(node, keys, rootsNeeded - roots.length, rng);
    fundingBlocks = prepared.blocks;
    roots = [...roots, ...prepared.coins];
  }
  const internal = opts.internalShare ?? 0.3;
  const verify = opts.verify ?? false;
  const changeOf: Array<Unconfirmed | undefined> = new Array(n);
  const txids: Buffer[] = [];
  const locktime = node.tipHeight();
  let nextRoot = 0;
  for (let i = 0; i < n; i++) {
    const p = shape[i]!;
    let inputs: Coin[];
    let depth = 0;
    if (p.parent >= 0 && changeOf[p.parent]) {
      const c = changeOf[p.parent]!;
      inputs = [c];
      depth = c.depth + 1;
    } else {
      inputs = [];
      for (let k = 0; k < p.inputs && nextRoot < roots.length; k++) inputs.push(roots[nextRoot++]!);
      if (inputs.length === 0) break; // out of funds (only if the chain was spent elsewhere meanwhile)
    }
    const valueIn = inputs.reduce((s, c) => s + c.value, 0);
    const nPay = rng.next() < 0.7 ? 1 : 2;
    const outputs: Array<{ script: Buffer; value: number }> = [];
    for (let o = 0; o < nPay; o++) {
      const script = rng.next() < internal ? keys.get(pickKind(rng), rng.int(KEYS_PER_KIND)).script : makeScript(randomKind(rng), rng);
      outputs.push({ script, value: 1_000 + rng.int(4_000) });
    }
    if (rng.next() < 0.05) outputs.push({ script: bitcoin.payments.embed({ data: [Buffer.from(`fill ${i}`)] }).output!, value: 0 });
    const changeKeys = keys.get(pickKind(rng), rng.int(KEYS_PER_KIND));
    const rate = 1 + Math.floor(rng.next() ** 3 * 40) + (rng.next() < 0.5 ? 0.5 : 0);
    const fee = feeAt(rate * 1000, estimateVsize(inputs, [...outputs.map((o) => o.script), changeKeys.script]));
    const change = valueIn - fee - outputs.reduce((s, o) => s + o.value, 0);
    if (change < 2_000) {
      // Too little left: pay everything but the fee to the first output.
      outputs.length = 1;
      outputs[0]!.value = valueIn - fee;
    } else {
      outputs.push({ script: changeKeys.script, value: change });
    }
    const tx = build(inputs, outputs, rng.next() < 0.8 ? locktime : 0);
    const raw = tx.toBuffer();
    const entry = node.engine.accept(raw, { skipScripts: !verify, unbroadcast: true });
    txids.push(entry.txid);
    if (change >= 2_000) {
      changeOf[i] = { txid: entry.txid, vout: outputs.length - 1, value: change, keys: changeKeys, depth };
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { txids, fundingBlocks, seconds };
}

