// Transaction finality (nLockTime), shared by mempool acceptance, reorg eviction, block
// assembly and block connection, so all four agree as they do in bitcoind.
import type { Tx } from '../../chain/tx.js';

const LOCKTIME_THRESHOLD = 500_000_000;

/**
 * bitcoind's IsFinalTx: a height lock must be below the block's height, a time lock below the
 * median time past of its parent (BIP113); all-final sequences disable the lock.
 */
export function isFinalTx(tx: Tx, height: number, medianTimePast: number): boolean {
  if (tx.locktime === 0) return true;
  if (tx.locktime < (tx.locktime < LOCKTIME_THRESHOLD ? height : medianTimePast)) return true;
  return tx.inputs.every((i) => i.sequence === 0xffffffff);
}
