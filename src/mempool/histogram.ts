// mempool.get_fee_histogram, binned as ElectrumX 1.20 does (mempool.py: _update_histogram and
// _compress_histogram): fee rates in sat/vB rounded down to 0.1, then tranches from the highest
// rate down, each closed once it holds more than the bin size (30,000 vB, growing by 10% per bin);
// a lump of more than twice the bin size at one rate first closes the tranche before it.
import type { MempoolTx } from './tx.js';

/** [[fee rate in sat/vB, vsize of the tranche], ...], highest rate first. */
export type FeeHistogram = Array<[number, number]>;

export const HISTOGRAM_BIN_VSIZE = 30_000;

export function feeHistogram(txs: Iterable<MempoolTx>, binSize = HISTOGRAM_BIN_VSIZE): FeeHistogram {
  // Fee rate in tenths of sat/vB -> total vsize: integer keys keep the rounding exact.
  const byRate = new Map<number, number>();
  for (const tx of txs) {
    const tenths = Math.floor((10 * tx.fee) / tx.vsize);
    byRate.set(tenths, (byRate.get(tenths) ?? 0) + tx.vsize);
  }
  return compressHistogram(byRate, binSize);
}

export function compressHistogram(byRate: ReadonlyMap<number, number>, binSize: number): FeeHistogram {
  const rates = [...byRate.keys()].sort((a, b) => b - a);
  const out: FeeHistogram = [];
  let bin = binSize;
  let cum = 0;
  let prev: number | null = null;
  for (const rate of rates) {
    const size = byRate.get(rate)!;
    if (size > 2 * bin && prev !== null && cum > 0) {
      out.push([prev / 10, cum]);
      cum = 0;
      bin *= 1.1;
    }
    cum += size;
    if (cum > bin) {
      out.push([rate / 10, cum]);
      cum = 0;
      bin *= 1.1;
    }
    prev = rate;
  }
  return out;
}
