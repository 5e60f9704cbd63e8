// Scenario helpers on the devnet model: blocks full of realistic signed payments across every
// output kind (with unconfirmed chains and OP_RETURNs), and reorgs whose competing branch carries
// different transactions (double spends replace some, so those vanish).
import { isCoinbase } from '../chain/tx.js';
import type { DevnetNode } from './node.js';
import { OUTPUT_KINDS, type OutputKind } from './chain/types.js';
import { Rng } from './fast/random.js';
import { makeScript, randomKind } from './fast/scripts.js';
import type { PaymentOutput } from './wallet/wallet.js';

export interface ProduceOptions {
  /** Payments per block (default 20). */
  txsPerBlock?: number;
  seed?: string;
  /** Share of outputs paying scripts outside the wallet (default 0.3). */
  externalShare?: number;
}

export interface ProduceResult {
  readonly blocks: Buffer[];
  readonly txids: Buffer[];
}

/** Mines `n` blocks, each after submitting `txsPerBlock` signed payments; funds the wallet if needed. */
export function produceBlocks(node: DevnetNode, n: number, opts: ProduceOptions = {}): ProduceResult {
  const rng = new Rng(`scenario:${opts.seed ?? 'devnet'}:${node.tipHeight()}`);
  const per = opts.txsPerBlock ?? 20;
  const external = opts.externalShare ?? 0.3;
  if (node.wallet.balance() < 10_00000000) node.wallet.fund();
  const blocks: Buffer[] = [];
  const txids: Buffer[] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < per; i++) {
      const txid = randomPayment(node, rng, external);
      if (txid) txids.push(txid);
    }
    blocks.push(...node.generateToScript(1, node.wallet.script(OUTPUT_KINDS[rng.int(4)]!, rng.int(3))));
  }
  return { blocks, txids };
}

function randomPayment(node: DevnetNode, rng: Rng, externalShare: number): Buffer | undefined {
  const nOut = rng.next() < 0.6 ? 1 : 2 + rng.int(3);
  const to: PaymentOutput[] = [];
  for (let o = 0; o < nOut; o++) {
    const value = 10_000 + rng.int(2_000_000);
    if (rng.next() < externalShare) to.push({ script: makeScript(randomKind(rng), rng), value });
    else to.push({ script: node.wallet.script(OUTPUT_KINDS[rng.int(OUTPUT_KINDS.length)]!, rng.int(6)), value });
  }
  const opReturn = rng.next() < 0.1 ? Buffer.from(`devnet ${rng.u32().toString(16)}`) : undefined;
  const from: OutputKind[] | undefined = rng.next() < 0.6 ? [OUTPUT_KINDS[rng.int(OUTPUT_KINDS.length)]!] : undefined;
  const feeRate = 1.5 + rng.int(20);
  try {
    return node.wallet.pay(to, { from, opReturn, feeRate });
  } catch {
    // No coin of that kind (or too deep an unconfirmed chain): any kind will do.
    try {
      return node.wallet.pay(to, { opReturn, feeRate });
    } catch {
      return undefined;
    }
  }
}

export interface ReorgOptions {
  /** Blocks on the new branch (default depth + 1, so it wins). */
  newBlocks?: number;
  /** How many of the disconnected txs get double-spent (replaced) before the new branch is mined (default 1). */
  doubleSpends?: number;
  /** Share of the remaining mempool left out of the new branch (default 0). */
  leaveInMempool?: number;
  seed?: string;
}

export interface ReorgResult {
  /** Hashes of the blocks that became stale. */
  readonly staleBlocks: Buffer[];
  readonly newBlocks: Buffer[];
  /** Confirmed txs of the old branch replaced by a double spend (gone from chain and mempool). */
  readonly replaced: Buffer[];
  /** The double spends (confirmed on the new branch unless left in the mempool). */
  readonly doubleSpends: Buffer[];
}

/**
 * Replaces the last `depth` blocks with a longer branch carrying different transactions: the old
 * blocks' txs return to the mempool, some are double-spent, then the new branch is mined. The old
 * branch ends as a valid stale fork (like a natural reorg), not an invalid one.
 */
export function reorg(node: DevnetNode, depth: number, opts: ReorgOptions = {}): ReorgResult {
  if (depth < 1 || depth >= node.tipHeight()) throw new RangeError(`reorg depth ${depth} out of range`);
  const rng = new Rng(`reorg:${opts.seed ?? 'devnet'}:${node.tipHeight()}`);
  const firstHeight = node.tipHeight() - depth + 1;
  const stale: Buffer[] = [];
  for (let h = firstHeight; h <= node.tipHeight(); h++) stale.push(node.blockHash(h)!);
  const disconnectedTxs = stale.flatMap((h) => node.block(h)!.block.txs.filter((t) => !isCoinbase(t)).map((t) => t.txid));
  node.invalidateBlock(stale[0]!);

  const replaced: Buffer[] = [];
  const doubleSpends: Buffer[] = [];
  const wanted = opts.doubleSpends ?? 1;
  for (const txid of disconnectedTxs) {
    if (doubleSpends.length >= wanted) break;
    const entry = node.mempoolEntry(txid);
    if (!entry) continue;
    const input = entry.tx.inputs[0]!;
    const value = Math.floor(entry.prevouts[0]!.value / 3);
    try {
      const ds = node.wallet.pay([{ script: node.wallet.script('p2wpkh', 7), value }], {
        coins: [{ txid: input.prevTxid, vout: input.prevVout }],
        feeRate: 60,
      });
      replaced.push(txid);
      doubleSpends.push(ds);
    } catch {
      // Not a wallet coin, or the replacement rules refused it: try the next one.
    }
  }
  const count = opts.newBlocks ?? depth + 1;
  const keep = 1 - (opts.leaveInMempool ?? 0);
  const maxTxs = Math.max(0, Math.floor(node.mempool().length * keep));
  const newBlocks: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    newBlocks.push(...node.generateToScript(1, node.wallet.script('p2wpkh', rng.int(3)), { maxTxs: i === 0 ? maxTxs : 0, includeMempool: i === 0 }));
  }
  if (count > depth) node.reconsiderBlock(stale[0]!);
  return { staleBlocks: stale, newBlocks, replaced, doubleSpends };
}
