// Finding where our indexed chain and the daemon's active chain part: compare our stored header
// hashes with the daemon's getblockhash, walking down in small batches.
import { headerHash } from '../chain/header.js';
import { toDisplayHex } from '../chain/hash.js';
import type { Daemon } from '../daemon/types.js';
import { DaemonRpcError, RpcCode } from '../daemon/types.js';
import type { IndexReader } from '../index/types.js';

const STEP = 16;

export interface ForkSearch {
  /** Highest height where both chains have the same block; -1 when even block 0 differs. */
  readonly fork: number;
  /** True when the search stopped at `lowest` without finding a common block. */
  readonly tooDeep: boolean;
}

/**
 * Walks down from `top` (at most our tip and the daemon's tip) to `lowest` and returns the highest
 * height whose block both chains share.
 */
export async function findForkPoint(daemon: Daemon, reader: IndexReader, top: number, lowest: number): Promise<ForkSearch> {
  let hi = top;
  while (hi >= Math.max(lowest, 0)) {
    const lo = Math.max(lowest, 0, hi - STEP + 1);
    const count = hi - lo + 1;
    const [ours, theirs] = await Promise.all([reader.getHeaders(lo, count), daemonHashes(daemon, lo, count)]);
    for (let h = hi; h >= lo; h--) {
      const header = ours[h - lo];
      const theirHash = theirs[h - lo];
      if (header && theirHash !== undefined && toDisplayHex(headerHash(header)) === theirHash) return { fork: h, tooDeep: false };
    }
    hi = lo - 1;
  }
  return { fork: Math.max(lowest, 0) - 1, tooDeep: lowest > 0 };
}

/** The daemon's hashes for lo..lo+count-1; heights it does not have (it shrank) come back missing. */
async function daemonHashes(daemon: Daemon, lo: number, count: number): Promise<(string | undefined)[]> {
  const heights = Array.from({ length: count }, (_, i) => lo + i);
  try {
    return await daemon.getBlockHashes(heights);
  } catch (err) {
    if (!(err instanceof DaemonRpcError && err.code === RpcCode.INVALID_PARAMETER)) throw err;
    const tip = await daemon.getBlockCount();
    const have = heights.filter((h) => h <= tip);
    const got = have.length ? await daemon.getBlockHashes(have) : [];
    return heights.map((_, i) => got[i]);
  }
}
