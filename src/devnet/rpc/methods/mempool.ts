// Mempool: getrawmempool, getmempoolentry, getmempoolinfo (entry shapes as Core's entryToJSON).
import { toDisplayHex } from '../../../chain/hash.js';
import type { DevnetNode, MempoolEntry } from '../../node.js';
import { RpcError, RPC } from '../errors.js';
import { btc } from '../json.js';
import { hashParam, opt, type MethodSpec } from '../params.js';

/** -minrelaytxfee, -incrementalrelayfee defaults: 1000 sat/kvB. */
export const MIN_RELAY_FEE_SATS_PER_KVB = 1000;

type Pool = Map<string, MempoolEntry>;

function poolOf(node: DevnetNode): Pool {
  const m: Pool = new Map();
  for (const e of node.mempool()) m.set(e.txid.toString('hex'), e);
  return m;
}

/** The entry and all its in-mempool ancestors (or descendants), each once. */
function closure(pool: Pool, start: MempoolEntry, edge: (e: MempoolEntry) => readonly Buffer[]): MempoolEntry[] {
  const seen = new Map<string, MempoolEntry>([[start.txid.toString('hex'), start]]);
  const todo = [start];
  while (todo.length > 0) {
    for (const id of edge(todo.pop()!)) {
      const key = id.toString('hex');
      const e = pool.get(key);
      if (e && !seen.has(key)) {
        seen.set(key, e);
        todo.push(e);
      }
    }
  }
  return [...seen.values()];
}

/** BIP125 signal: nSequence below 0xfffffffe on any input. */
function signalsRbf(e: MempoolEntry): boolean {
  return e.tx.inputs.some((i) => i.sequence < 0xfffffffe);
}

export function entryToJson(pool: Pool, e: MempoolEntry): Record<string, unknown> {
  const ancestors = closure(pool, e, (x) => x.depends);
  const descendants = closure(pool, e, (x) => x.spentby);
  const sum = (list: MempoolEntry[], f: (x: MempoolEntry) => number): number => list.reduce((s, x) => s + f(x), 0);
  const depends = [...new Set(e.tx.inputs.filter((i) => pool.has(i.prevTxid.toString('hex'))).map((i) => toDisplayHex(i.prevTxid)))].sort();
  const spentby = [...e.spentby].sort(Buffer.compare).map(toDisplayHex);
  return {
    vsize: e.vsize,
    weight: e.weight,
    time: e.time,
    height: e.height,
    descendantcount: descendants.length,
    descendantsize: sum(descendants, (x) => x.vsize),
    ancestorcount: ancestors.length,
    ancestorsize: sum(ancestors, (x) => x.vsize),
    wtxid: toDisplayHex(e.wtxid),
    fees: {
      base: btc(e.fee),
      modified: btc(e.fee),
      ancestor: btc(sum(ancestors, (x) => x.fee)),
      descendant: btc(sum(descendants, (x) => x.fee)),
    },
    depends,
    spentby,
    'bip125-replaceable': ancestors.some(signalsRbf),
    unbroadcast: false,
  };
}

/** A stand-in for DynamicMemoryUsage: the tx bytes plus Core's per-entry overhead. */
function memoryUsage(entries: readonly MempoolEntry[]): number {
  return entries.reduce((s, e) => s + e.raw.length * 2 + 640, 0);
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
      if (verbose) {
        if (withSequence) throw new RpcError(RPC.INVALID_PARAMETER, 'Verbose results cannot contain mempool sequence values.');
        const pool = poolOf(node);
        const out: Record<string, unknown> = {};
        for (const e of pool.values()) out[toDisplayHex(e.txid)] = entryToJson(pool, e);
        return out;
      }
      const txids = node.mempool().map((e) => toDisplayHex(e.txid));
      return withSequence ? { txids, mempool_sequence: node.mempoolSequence() } : txids;
    },
  },
  {
    name: 'getmempoolentry',
    args: [{ names: 'txid', type: 'string' }],
    summary: 'Returns mempool data for given transaction',
    run({ node }, params) {
      const txid = hashParam(params[0], 'parameter 1');
      const e = node.mempoolEntry(txid);
      if (!e) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Transaction not in mempool');
      return entryToJson(poolOf(node), e);
    },
  },
  {
    name: 'getmempoolinfo',
    args: [],
    summary: 'Returns details on the active state of the TX memory pool.',
    run({ node }) {
      const entries = node.mempool();
      return {
        loaded: true,
        size: entries.length,
        bytes: entries.reduce((s, e) => s + e.vsize, 0),
        usage: memoryUsage(entries),
        total_fee: btc(entries.reduce((s, e) => s + e.fee, 0)),
        maxmempool: 300_000_000,
        mempoolminfee: btc(MIN_RELAY_FEE_SATS_PER_KVB),
        minrelaytxfee: btc(MIN_RELAY_FEE_SATS_PER_KVB),
        incrementalrelayfee: btc(MIN_RELAY_FEE_SATS_PER_KVB),
        unbroadcastcount: 0,
        fullrbf: true,
      };
    },
  },
];
