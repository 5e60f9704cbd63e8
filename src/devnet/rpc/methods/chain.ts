// Chain state: getblockchaininfo, getblockcount, getbestblockhash, getblockhash, getdifficulty,
// getchaintips-free basics that Anode and the harness call.
import { toDisplayHex } from '../../../chain/hash.js';
import type { DevnetNode } from '../../node.js';
import { difficulty, hex32 } from '../blockjson.js';
import { RpcError, RPC } from '../errors.js';
import { int, type MethodSpec } from '../params.js';

/** size_on_disk: bytes of the active chain's blocks, kept incrementally per tip. */
class ChainSize {
  private height = -1;
  private hash?: Buffer;
  private total = 0;

  of(node: DevnetNode): number {
    if (this.hash && !this.hashAt(node, this.height)?.equals(this.hash)) {
      this.height = -1;
      this.total = 0;
    }
    const tip = node.tipHeight();
    if (this.height > tip) {
      this.height = -1;
      this.total = 0;
    }
    for (let h = this.height + 1; h <= tip; h++) this.total += node.block(node.blockHash(h)!)!.raw.length;
    this.height = tip;
    this.hash = node.tipHash();
    return this.total;
  }

  private hashAt(node: DevnetNode, h: number): Buffer | undefined {
    return h >= 0 ? node.blockHash(h) : undefined;
  }
}

const sizes = new WeakMap<DevnetNode, ChainSize>();

export function sizeOnDisk(node: DevnetNode): number {
  let s = sizes.get(node);
  if (!s) sizes.set(node, (s = new ChainSize()));
  return s.of(node);
}

export const chainMethods: MethodSpec[] = [
  {
    name: 'getblockchaininfo',
    args: [],
    summary: 'Returns an object containing various state info regarding blockchain processing.',
    run({ node, prune }) {
      const tip = node.block(node.tipHash())!;
      return {
        chain: 'regtest',
        blocks: tip.height,
        headers: tip.height,
        bestblockhash: toDisplayHex(tip.hash),
        difficulty: difficulty(tip.header.bits),
        time: tip.header.time,
        mediantime: node.medianTimePast(tip.hash),
        verificationprogress: 1,
        initialblockdownload: tip.height === 0,
        chainwork: hex32(tip.chainwork),
        size_on_disk: sizeOnDisk(node),
        pruned: prune,
        // Manual pruning (-prune=1) that has pruned nothing yet: every block is still stored.
        ...(prune ? { pruneheight: 0, automatic_pruning: false } : {}),
        warnings: [],
      };
    },
  },
  {
    name: 'getblockcount',
    args: [],
    summary: 'Returns the height of the most-work fully-validated chain.',
    run: ({ node }) => node.tipHeight(),
  },
  {
    name: 'getbestblockhash',
    args: [],
    summary: 'Returns the hash of the best (tip) block in the most-work fully-validated chain.',
    run: ({ node }) => toDisplayHex(node.tipHash()),
  },
  {
    name: 'getblockhash',
    args: [{ names: 'height', type: 'number' }],
    summary: 'Returns hash of block in best-block-chain at height provided.',
    run({ node }, [height]) {
      const h = int(height);
      const hash = h >= 0 && h <= node.tipHeight() ? node.blockHash(h) : undefined;
      if (!hash) throw new RpcError(RPC.INVALID_PARAMETER, 'Block height out of range');
      return toDisplayHex(hash);
    },
  },
  {
    name: 'getdifficulty',
    args: [],
    summary: 'Returns the proof-of-work difficulty as a multiple of the minimum difficulty.',
    run: ({ node }) => difficulty(node.block(node.tipHash())!.header.bits),
  },
  {
    name: 'getchaintips',
    args: [],
    summary: 'Return information about all known tips in the block tree, including the main chain as well as orphaned branches.',
    run({ node }) {
      const all = node.blocks();
      const parents = new Set(all.map((b) => b.header.prevHash.toString('hex')));
      const tips = all.filter((b) => !parents.has(b.hash.toString('hex')) || b.hash.equals(node.tipHash()));
      // CompareBlocksByHeight: highest first.
      tips.sort((a, b) => b.height - a.height);
      return tips.map((tip) => {
        let fork = tip;
        while (!node.isActive(fork.hash)) fork = node.block(fork.header.prevHash)!;
        const status = node.blockStatus(tip.hash) === 'invalid' ? 'invalid' : node.isActive(tip.hash) ? 'active' : 'valid-fork';
        return { height: tip.height, hash: toDisplayHex(tip.hash), branchlen: tip.height - fork.height, status };
      });
    },
  },
  {
    name: 'getindexinfo',
    args: [{ names: 'index_name', type: 'string', optional: true }],
    summary: 'Returns the status of one or all available indices currently running in the node.',
    run({ node, txindex }, [name]) {
      // Only the transaction index exists (as bitcoind -txindex=1); nothing without it.
      if (!txindex) return {};
      const info = { txindex: { synced: true, best_block_height: node.tipHeight() } };
      if (name === null || name === undefined || name === 'txindex') return info;
      return {};
    },
  },
];
