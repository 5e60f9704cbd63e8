// Mempool: getrawmempool, getmempoolentry, getmempoolinfo (shapes as Core 31's entryToJSON and
// MempoolInfoToJSON, cluster mempool fields included), testmempoolaccept and submitpackage
// (src/rpc/mempool.cpp).
import { toDisplayHex } from '../../../chain/hash.js';
import type { Tx } from '../../../chain/tx.js';
import { signalsRbf } from '../../chain/accept.js';
import type { Entry, Mempool } from '../../chain/mempool.js';
import { packageStateString, isChildWithParentsTree, wtxidOf } from '../../chain/package.js';
import {
  CLUSTER_COUNT_LIMIT, CLUSTER_SIZE_LIMIT_VB, DEFAULT_MAX_RAW_TX_FEE_RATE_SAT_PER_KVB, feeAt, INCREMENTAL_RELAY_SAT_PER_KVB, MAX_DATACARRIER_BYTES,
  MAX_MEMPOOL_BYTES, MAX_PACKAGE_COUNT, MIN_RELAY_SAT_PER_KVB, PERMIT_BARE_MULTISIG,
} from '../../chain/policy.js';
import type { DevnetNode } from '../../node.js';
import { RpcError, RPC } from '../errors.js';
import { btc } from '../json.js';
import { hashParam, opt, type MethodSpec } from '../params.js';
import { amountToSats, decodeHexTx, isBurnOutput, parseFeeRate } from './transactions.js';

/** -minrelaytxfee default (Core 30+): 100 sat/kvB. */
export const MIN_RELAY_FEE_SATS_PER_KVB = MIN_RELAY_SAT_PER_KVB;

function poolOf(node: DevnetNode): Mempool {
  return node.engine.mempool;
}

/** entryToJSON, in Core 31's key order. */
export function entryToJson(pool: Mempool, e: Entry): Record<string, unknown> {
  const ancestors = pool.ancestors(e);
  const descendants = pool.descendants(e);
  let ancSize = e.vsize;
  let ancFee = e.fee;
  for (const a of ancestors) {
    ancSize += a.vsize;
    ancFee += a.fee;
  }
  let descSize = e.vsize;
  let descFee = e.fee;
  for (const d of descendants) {
    descSize += d.vsize;
    descFee += d.fee;
  }
  const chunk = pool.chunkOf(e);
  // std::set<std::string> of parent txids (display hex), and children in txid (uint256) order.
  const depends = [...new Set([...e.parents].map((p) => toDisplayHex(p.txid)))].sort();
  const spentby = [...e.children].map((c) => c.txid).sort(Buffer.compare).map(toDisplayHex);
  return {
    vsize: e.vsize,
    weight: e.weight,
    time: e.time,
    height: e.height,
    descendantcount: descendants.length + 1,
    descendantsize: descSize,
    ancestorcount: ancestors.length + 1,
    ancestorsize: ancSize,
    chunkweight: chunk.weight,
    wtxid: toDisplayHex(e.wtxid),
    fees: {
      base: btc(e.fee),
      modified: btc(e.fee),
      ancestor: btc(ancFee),
      descendant: btc(descFee),
      chunk: btc(chunk.fee),
    },
    depends,
    spentby,
    'bip125-replaceable': signalsRbf(e.tx) || ancestors.some((a) => signalsRbf(a.tx)),
    unbroadcast: e.unbroadcast,
  };
}

/** A stand-in for DynamicMemoryUsage: the tx bytes plus Core's per-entry overhead. */
function memoryUsage(pool: Mempool): number {
  return pool.totalRawBytes * 2 + pool.size * 640;
}

/** The rawtxs/package array: 1 to 25 hex strings, decoded; Core 31's -22 message names the hex. */
function decodePackage(v: unknown): Tx[] {
  const items = v as unknown[];
  if (items.length < 1 || items.length > MAX_PACKAGE_COUNT) {
    throw new RpcError(RPC.INVALID_PARAMETER, `Array must contain between 1 and ${MAX_PACKAGE_COUNT} transactions.`);
  }
  return items.map((item) => {
    if (typeof item !== 'string') {
      const type = item === null ? 'null' : Array.isArray(item) ? 'array' : typeof item === 'boolean' ? 'bool' : typeof item;
      throw new RpcError(RPC.MISC_ERROR, `JSON value of type ${type} is not of expected type string`);
    }
    const tx = decodeHexTx(item);
    if (!tx) throw new RpcError(RPC.DESERIALIZATION_ERROR, `TX decode failed: ${item} Make sure the tx has at least one input.`);
    return tx;
  });
}

export const mempoolMethods: MethodSpec[] = [
  {
    name: 'getrawmempool',
    args: [
      { names: 'verbose', type: 'boolean', optional: true },
      { names: 'mempool_sequence', type: 'boolean', optional: true },
    ],
    summary: 'Returns all transaction ids in memory pool as a json array of string transaction ids.',
    run({ node }, params) {
      const verbose = opt(params, 0, false);
      const withSequence = opt(params, 1, false);
      const pool = poolOf(node);
      if (verbose) {
        if (withSequence) throw new RpcError(RPC.INVALID_PARAMETER, 'Verbose results cannot contain mempool sequence values.');
        const out: Record<string, unknown> = {};
        for (const e of pool.values()) out[toDisplayHex(e.txid)] = entryToJson(pool, e);
        return out;
      }
      const txids: string[] = new Array(pool.size);
      let i = 0;
      for (const e of pool.values()) txids[i++] = toDisplayHex(e.txid);
      return withSequence ? { txids, mempool_sequence: pool.sequence } : txids;
    },
  },
  {
    name: 'getmempoolentry',
    args: [{ names: 'txid', type: 'string' }],
    summary: 'Returns mempool data for given transaction',
    run({ node }, params) {
      const txid = hashParam(params[0], 'txid');
      const pool = poolOf(node);
      const e = pool.get(txid);
      if (!e) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Transaction not in mempool');
      return entryToJson(pool, e);
    },
  },
  {
    name: 'getmempoolinfo',
    args: [],
    summary: 'Returns details on the active state of the TX memory pool.',
    run({ node }) {
      const pool = poolOf(node);
      return {
        loaded: true,
        size: pool.size,
        bytes: pool.totalVsize,
        usage: memoryUsage(pool),
        total_fee: btc(pool.totalFee),
        maxmempool: MAX_MEMPOOL_BYTES,
        mempoolminfee: btc(MIN_RELAY_SAT_PER_KVB),
        minrelaytxfee: btc(MIN_RELAY_SAT_PER_KVB),
        incrementalrelayfee: btc(INCREMENTAL_RELAY_SAT_PER_KVB),
        unbroadcastcount: pool.unbroadcastCount,
        fullrbf: true,
        permitbaremultisig: PERMIT_BARE_MULTISIG,
        maxdatacarriersize: MAX_DATACARRIER_BYTES,
        limitclustercount: CLUSTER_COUNT_LIMIT,
        limitclustersize: CLUSTER_SIZE_LIMIT_VB,
        optimal: true,
      };
    },
  },
  {
    name: 'testmempoolaccept',
    args: [
      { names: 'rawtxs', type: 'array' },
      { names: 'maxfeerate', type: 'amount', optional: true },
    ],
    summary: 'Returns result of mempool acceptance tests indicating if raw transaction(s) (serialized, hex-encoded) would be accepted by mempool.',
    run({ node }, params) {
      const items = params[0] as unknown[];
      if (items.length < 1 || items.length > MAX_PACKAGE_COUNT) {
        throw new RpcError(RPC.INVALID_PARAMETER, `Array must contain between 1 and ${MAX_PACKAGE_COUNT} transactions.`);
      }
      const maxRate = parseFeeRate(opt(params, 1, DEFAULT_MAX_RAW_TX_FEE_RATE_SAT_PER_KVB / 1e8));
      const txs = decodePackage(items);
      const result = node.testMempoolAccept(txs.map((t) => t.raw));
      const out: Record<string, unknown>[] = [];
      let exitEarly = false;
      for (const tx of txs) {
        const r = result.results.get(wtxidOf(tx).toString('hex'));
        const item: Record<string, unknown> = { txid: toDisplayHex(tx.txid), wtxid: toDisplayHex(wtxidOf(tx)) };
        if (result.state?.result === 'policy') item['package-error'] = packageStateString(result.state);
        if (exitEarly || !r) {
          out.push(item);
          continue;
        }
        if (r.type === 'valid') {
          const maxFee = feeAt(maxRate, r.vsize);
          if (maxFee && r.fee > maxFee) {
            item.allowed = false;
            item['reject-reason'] = 'max-fee-exceeded';
            exitEarly = true;
          } else {
            item.allowed = true;
            item.vsize = r.vsize;
            item.fees = {
              base: btc(r.fee),
              'effective-feerate': btc(r.effectiveFeerate),
              'effective-includes': r.effectiveIncludes.map(toDisplayHex),
            };
          }
        } else if (r.type === 'invalid') {
          item.allowed = false;
          if (r.error.kind === 'missing-inputs') {
            item['reject-reason'] = 'missing-inputs';
          } else {
            item['reject-reason'] = r.error.reason;
            item['reject-details'] = r.error.message;
          }
        }
        out.push(item);
      }
      return out;
    },
  },
  {
    name: 'submitpackage',
    args: [
      { names: 'package', type: 'array' },
      { names: 'maxfeerate', type: 'amount', optional: true },
      { names: 'maxburnamount', type: 'amount', optional: true },
    ],
    summary: 'Submit a package of raw transactions (serialized, hex-encoded) to local node.',
    run({ node }, params) {
      const items = params[0] as unknown[];
      if (items.length < 1 || items.length > MAX_PACKAGE_COUNT) {
        throw new RpcError(RPC.INVALID_PARAMETER, `Array must contain between 1 and ${MAX_PACKAGE_COUNT} transactions.`);
      }
      const maxRate = parseFeeRate(opt(params, 1, DEFAULT_MAX_RAW_TX_FEE_RATE_SAT_PER_KVB / 1e8));
      const maxBurn = params[2] === null || params[2] === undefined ? 0 : amountToSats(params[2]);
      const txs: Tx[] = [];
      for (const item of items) {
        const [tx] = decodePackage([item]);
        if (tx!.outputs.some((o) => isBurnOutput(o.script) && o.value > maxBurn)) {
          throw new RpcError(RPC.VERIFY_ERROR, 'Unspendable output exceeds maximum configured by user (maxburnamount)');
        }
        txs.push(tx!);
      }
      if (txs.length > 1 && !isChildWithParentsTree(txs)) {
        throw new RpcError(RPC.VERIFY_ERROR, 'package topology disallowed. not child-with-parents or parents depend on each other.');
      }
      const result = node.submitPackage(txs.map((t) => t.raw), { maxFeeRate: maxRate === 0 ? undefined : maxRate });
      const txResults: Record<string, unknown> = {};
      const replaced = new Map<string, Buffer>();
      for (const tx of txs) {
        const key = wtxidOf(tx);
        const r = result.results.get(key.toString('hex'));
        const item: Record<string, unknown> = { txid: toDisplayHex(tx.txid) };
        if (!r) {
          item.error = 'package-not-validated';
        } else if (r.type === 'different-witness') {
          item['other-wtxid'] = toDisplayHex(r.otherWtxid);
        } else if (r.type === 'invalid') {
          item.error = r.error.message;
        } else {
          item.vsize = r.vsize;
          const fees: Record<string, unknown> = { base: btc(r.fee) };
          if (r.type === 'valid') {
            fees['effective-feerate'] = btc(r.effectiveFeerate);
            fees['effective-includes'] = r.effectiveIncludes.map(toDisplayHex);
            for (const t of r.replaced) replaced.set(t.toString('hex'), t);
          }
          item.fees = fees;
        }
        txResults[toDisplayHex(key)] = item;
      }
      return {
        package_msg: result.state ? packageStateString(result.state) : 'success',
        'tx-results': txResults,
        'replaced-transactions': [...replaced.values()].sort(Buffer.compare).map(toDisplayHex),
      };
    },
  },
];
