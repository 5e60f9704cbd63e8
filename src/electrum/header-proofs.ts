// cp_height proofs: every block hash of the served chain in a MerkleCache, loaded on the first
// request that needs one (Electrum itself does not use cp_height, so most servers never pay for
// it), then kept current from chain changes. The cache belongs to one reorg epoch; a request
// whose view is from another epoch is retried with a fresh view.
import { headerHash } from '../chain/header.js';
import { toDisplayHex } from '../chain/hash.js';
import { MerkleCache } from '../chain/merkle-cache.js';
import type { ChainChange } from '../mempool/chain-state.js';
import type { Served } from '../mempool/chain-state.js';
import { ErrorCode, RpcError, grouped } from './errors.js';

/** Thrown when the chain was reorganised under a request: the session runs it again. */
export class ChainMovedError extends Error {}

const LOAD_CHUNK = 2016;

export interface HeaderProof {
  readonly branch: string[];
  readonly root: string;
}

export class HeaderProofs {
  private cache: MerkleCache | null = null;
  private epoch = -1;
  private loading: Promise<void> | null = null;

  /** Keeps the cache on the served chain: called synchronously with every chain change. */
  onChange(change: ChainChange): void {
    if (this.cache === null) return;
    if (change.reorg || this.loading) {
      this.cache = null;
      return;
    }
    for (const b of change.blocks) {
      if (b.height !== this.cache.length) {
        this.cache = null;
        return;
      }
      this.cache.append(b.hash);
    }
  }

  /** The proof of header `height` against the root at `cpHeight`, ElectrumX's checks first. */
  async proof(served: Served, height: number, cpHeight: number): Promise<HeaderProof> {
    const tip = served.view.state.height;
    if (!(height <= cpHeight && cpHeight <= tip)) {
      throw new RpcError(ErrorCode.BAD_REQUEST, `require header height ${grouped(height)} <= cp_height ${grouped(cpHeight)} <= chain height ${grouped(tip)}`);
    }
    if (this.cache === null || this.epoch !== served.epoch) await this.load(served);
    if (this.epoch !== served.epoch || this.cache === null || this.cache.length <= cpHeight) throw new ChainMovedError();
    const { branch, root } = this.cache.branch(height, cpHeight + 1);
    return { branch: branch.map(toDisplayHex), root: toDisplayHex(root) };
  }

  private load(served: Served): Promise<void> {
    this.loading ??= (async () => {
      const cache = new MerkleCache();
      const tip = served.view.state.height;
      try {
        for (let h = 0; h <= tip; h += LOAD_CHUNK) {
          for (const header of await served.view.reader.getHeaders(h, LOAD_CHUNK)) cache.append(headerHash(header));
        }
        // Blocks that arrived meanwhile are not in it: those proofs load again.
        this.cache = cache;
        this.epoch = served.epoch;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }
}
