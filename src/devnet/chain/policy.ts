// Bitcoin Core 31's default mempool policy values (policy/policy.h, policy/truc_policy.h,
// policy/packages.h, kernel/mempool_options.h), in one place.

/** -minrelaytxfee default since Core 30: 0.1 sat/vB. */
export const MIN_RELAY_SAT_PER_KVB = 100;
/** -incrementalrelayfee default since Core 30. */
export const INCREMENTAL_RELAY_SAT_PER_KVB = 100;
/** -dustrelayfee default. */
export const DUST_RELAY_SAT_PER_KVB = 3000;
/** -datacarriersize default since Core 30 (MAX_OP_RETURN_RELAY): shared by all OP_RETURN outputs of a tx. */
export const MAX_DATACARRIER_BYTES = 100_000;
/** -permitbaremultisig default. */
export const PERMIT_BARE_MULTISIG = true;
/** -maxmempool default (300 MB). */
export const MAX_MEMPOOL_BYTES = 300_000_000;
/** -limitclustercount default. */
export const CLUSTER_COUNT_LIMIT = 64;
/** -limitclustersize default, in virtual bytes (101 kvB); the graph compares weight (x4). */
export const CLUSTER_SIZE_LIMIT_VB = 101_000;
export const CLUSTER_WEIGHT_LIMIT = CLUSTER_SIZE_LIMIT_VB * 4;
export const MAX_STANDARD_TX_WEIGHT = 400_000;
/** MAX_DUST_OUTPUTS_PER_TX (ephemeral dust, Core 29+). */
export const MAX_DUST_OUTPUTS_PER_TX = 1;
/** BIP125 rule 5 bound, on distinct conflicting clusters since Core 31. */
export const MAX_REPLACEMENT_CANDIDATES = 100;
export const MAX_PACKAGE_COUNT = 25;
export const MAX_PACKAGE_WEIGHT = 404_000;
export const TRUC_VERSION = 3;
export const TRUC_MAX_VSIZE = 10_000;
export const TRUC_CHILD_MAX_VSIZE = 1_000;
/** sendrawtransaction/testmempoolaccept/submitpackage maxfeerate default: 0.10 BTC/kvB. */
export const DEFAULT_MAX_RAW_TX_FEE_RATE_SAT_PER_KVB = 10_000_000;

/** CFeeRate::GetFee since Core 30: the fee for `vsize` at a rate, rounded up. */
export function feeAt(satPerKvB: number, vsize: number): number {
  return Math.ceil((satPerKvB * vsize) / 1000);
}

/** CFeeRate(fee, vsize).GetFeePerK(): sat/kvB, rounded down. */
export function feeRatePerKvB(fee: number, vsize: number): number {
  return vsize > 0 ? Math.floor((fee * 1000) / vsize) : 0;
}
