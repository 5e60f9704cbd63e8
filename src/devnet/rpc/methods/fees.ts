// estimatesmartfee from what recent blocks actually paid: a percentile of their transactions'
// fee rates, higher for nearer targets, floored at the relay minimum like Core.
import { isCoinbase, txVsize } from '../../../chain/tx.js';
import type { DevnetNode } from '../../node.js';
import { RpcError, RPC } from '../errors.js';
import { btc } from '../json.js';
import { int, opt, type MethodSpec } from '../params.js';
import { MIN_RELAY_SAT_PER_KVB as MIN_RELAY_FEE_SATS_PER_KVB } from '../../chain/policy.js';

const MAX_TARGET = 1008;
const MAX_SAMPLES = 5000;

/** Fee rates (sat/kvB) of the non-coinbase transactions of the last `blocks` blocks. */
export function recentFeeRates(node: DevnetNode, blocks: number): number[] {
  const rates: number[] = [];
  for (let h = node.tipHeight(); h > 0 && h > node.tipHeight() - blocks && rates.length < MAX_SAMPLES; h--) {
    const sb = node.block(node.blockHash(h)!)!;
    if (sb.fees.length !== sb.txCount || sb.txCount < 2) continue;
    sb.block.txs.forEach((tx, i) => {
      if (!isCoinbase(tx)) rates.push((sb.fees[i]! * 1000) / txVsize(tx));
    });
  }
  return rates.sort((a, b) => a - b);
}

/** sat/kvB for a target, or undefined without data. */
export function estimateFeeRate(node: DevnetNode, target: number, conservative: boolean): number | undefined {
  const rates = recentFeeRates(node, Math.min(100, Math.max(6, target * 2)));
  if (rates.length === 0) return undefined;
  // Sooner confirmation asks for a higher place among what got mined.
  const base = target <= 2 ? 0.8 : target <= 6 ? 0.6 : target <= 25 ? 0.4 : 0.2;
  const p = Math.min(0.95, base + (conservative ? 0.1 : 0));
  const rate = rates[Math.min(rates.length - 1, Math.floor(p * rates.length))]!;
  return Math.max(MIN_RELAY_FEE_SATS_PER_KVB, Math.ceil(rate));
}

export const feeMethods: MethodSpec[] = [
  {
    name: 'estimatesmartfee',
    args: [
      { names: 'conf_target', type: 'number' },
      { names: 'estimate_mode', type: 'string', optional: true },
    ],
    summary: 'Estimates the approximate fee per kilobyte needed for a transaction to begin\nconfirmation within conf_target blocks if possible and return the number of blocks\nfor which the estimate is valid.',
    run({ node }, params) {
      const target = int(params[0]);
      if (target < 1 || target > MAX_TARGET) throw new RpcError(RPC.INVALID_PARAMETER, `Invalid conf_target, must be between 1 and ${MAX_TARGET}`);
      const mode = String(opt(params, 1, 'unset')).toLowerCase();
      if (!['unset', 'economical', 'conservative'].includes(mode)) {
        throw new RpcError(RPC.INVALID_PARAMETER, 'Invalid estimate_mode parameter, must be one of: "unset", "economical", "conservative"');
      }
      const rate = estimateFeeRate(node, target, mode === 'conservative');
      if (rate === undefined) return { errors: ['Insufficient data or no feerate found'], blocks: 0 };
      // Core never answers for 1 block: the smallest target it returns is 2.
      return { feerate: btc(rate), blocks: Math.max(2, target) };
    },
  },
];
