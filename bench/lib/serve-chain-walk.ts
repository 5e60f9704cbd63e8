// One pass over devnet's fast chain, in the devnet child, for two things bench:serve needs:
//  - wallet-like scripts: how many outputs pay each script over the whole chain, so that clients
//    can be given scripts with short histories (as wallets have) and never a popular one whose
//    thousands of transactions would turn one wallet sync into a bulk download;
//  - a txid -> (block, offset) index, because devnet finds a fast-chain transaction by parsing
//    its whole block (about 8 ms per 2,000-tx block, twice per getrawtransaction): the wallet
//    sync's transaction.get would then measure devnet, not Anode. With this index devnet answers
//    like bitcoind's txindex (one read and parse of that transaction).
import { parseBlock } from '../../src/chain/block.js';
import { sha256, toDisplayHex } from '../../src/chain/hash.js';
import { parseTx } from '../../src/chain/tx.js';
import { isUnspendable } from '../../src/chain/scripthash.js';
import type { DevnetNode, FoundTx } from '../../src/devnet/node.js';

export interface WalkResult {
  readonly seconds: number;
  readonly txs: number;
  /** Electrum scripthash hex of each heavy script with its history length (entries). */
  readonly heavy: Array<{ scripthash: string; entries: number }>;
  /** Scripts (as latin1 strings: a million Buffers would cost far more) paid exactly once, and 2-20 times. */
  readonly single: string[];
  readonly few: string[];
}

export function electrumScripthash(script: Buffer): string {
  return toDisplayHex(sha256(script));
}

/** Walks every block above genesis; installs the fast txindex on `node`; returns the script picks. */
export function walkChain(node: DevnetNode, heavyScripts: readonly Buffer[]): WalkResult {
  const t0 = performance.now();
  const tip = node.tipHeight();
  const heavyKeys = heavyScripts.map((s) => s.toString('latin1'));
  const heavyEntries = heavyKeys.map(() => 0);
  // Outpoints paying a heavy script, so that spends of them count as history entries too.
  const heavyOutpoints = new Map<string, number>();
  const payCount = new Map<string, number>();
  const where = new Map<string, number>();
  const at = new Locations();
  for (let h = 1; h <= tip; h++) {
    const raw = node.block(node.blockHash(h)!)!.raw;
    const block = parseBlock(raw);
    block.txs.forEach((tx, pos) => {
      const key = tx.txid.toString('latin1');
      where.set(key, at.push(h, tx.raw.byteOffset - raw.byteOffset, tx.raw.length, pos));
      const touched = new Set<number>();
      for (const i of tx.inputs) {
        if (heavyOutpoints.size === 0) break;
        const k = heavyOutpoints.get(`${i.prevTxid.toString('latin1')}${i.prevVout}`);
        if (k !== undefined) touched.add(k);
      }
      tx.outputs.forEach((o, vout) => {
        if (isUnspendable(o.script)) return;
        const s = o.script.toString('latin1');
        const k = heavyKeys.indexOf(s);
        if (k >= 0) {
          heavyOutpoints.set(`${key}${vout}`, k);
          touched.add(k);
          return;
        }
        if (pos > 0) payCount.set(s, (payCount.get(s) ?? 0) + 1);
        else payCount.set(s, 1000); // coinbase payees (the few miner scripts) are never picked
      });
      for (const k of touched) heavyEntries[k]!++;
    });
  }
  installTxIndex(node, where, at);
  const single: string[] = [];
  const few: string[] = [];
  for (const [s, c] of payCount) {
    if (c === 1) single.push(s);
    else if (c <= 20) few.push(s);
  }
  return {
    seconds: (performance.now() - t0) / 1000,
    txs: at.size,
    heavy: heavyScripts.map((s, i) => ({ scripthash: electrumScripthash(s), entries: heavyEntries[i]! })),
    single,
    few,
  };
}

/** Where each transaction is: block height, byte offset and length in the block, position. */
class Locations {
  height = new Uint32Array(1 << 20);
  offset = new Uint32Array(1 << 20);
  length = new Uint32Array(1 << 20);
  position = new Uint32Array(1 << 20);
  size = 0;

  push(height: number, offset: number, length: number, position: number): number {
    if (this.size === this.height.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      [this.height, this.offset, this.length, this.position] = [grow(this.height), grow(this.offset), grow(this.length), grow(this.position)];
    }
    const i = this.size++;
    this.height[i] = height;
    this.offset[i] = offset;
    this.length[i] = length;
    this.position[i] = position;
    return i;
  }
}

/** Answers node.findTx for fast-chain transactions from the index (mempool and others as before). */
function installTxIndex(node: DevnetNode, where: Map<string, number>, at: Locations): void {
  const original = node.findTx.bind(node);
  node.findTx = (txid: Buffer): FoundTx | undefined => {
    const i = where.get(txid.toString('latin1'));
    if (i === undefined || node.mempoolEntry(txid)) return original(txid);
    const hash = node.blockHash(at.height[i]!);
    const block = hash && node.block(hash);
    if (!block || !node.isActive(block.hash)) return original(txid);
    const raw = block.raw.subarray(at.offset[i]!, at.offset[i]! + at.length[i]!);
    const tx = parseTx(raw);
    // parseTx hashes it again: a wrong offset can never hand out the wrong transaction.
    if (!tx.txid.equals(txid)) return original(txid);
    return { tx, raw, block, position: at.position[i]! };
  };
}
