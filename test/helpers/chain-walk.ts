// An independent model of what Electrum answers should be, built from the daemon's own RPC
// (getblock verbosity 2, getrawmempool verbose, getrawtransaction verbose), sharing no code with
// the index or the mempool: per script, its history, status, balance and unspent outputs.
import { createHash } from 'node:crypto';
import * as bitcoin from 'bitcoinjs-lib';
import type { Regtest } from './regtest.js';

interface RpcTx {
  txid: string;
  hex: string;
  vin: Array<{ txid?: string; vout?: number; coinbase?: string }>;
  vout: Array<{ value: number; n: number; scriptPubKey: { hex: string } }>;
}

export interface WalkTx {
  readonly txid: string;
  readonly hex: string;
  /** Block height, or 0 / -1 for mempool transactions (Electrum's heights). */
  readonly height: number;
  readonly position: number;
  readonly confirmed: boolean;
  readonly fee?: number;
  readonly vsize?: number;
}

export interface WalkUtxo {
  readonly tx_hash: string;
  readonly tx_pos: number;
  readonly height: number;
  readonly value: number;
}

export interface ChainWalk {
  readonly height: number;
  readonly blockHashes: string[];
  readonly txs: Map<string, WalkTx>;
  /** Display-hex scripthash -> the script (hex). */
  readonly scripts: Map<string, string>;
  history(scripthash: string): Array<{ tx_hash: string; height: number; fee?: number }>;
  status(scripthash: string): string | null;
  balance(scripthash: string): { confirmed: number; unconfirmed: number };
  listunspent(scripthash: string): WalkUtxo[];
  mempool(scripthash: string): Array<{ tx_hash: string; height: number; fee: number }>;
  /** Fee rate (sat/vB, rounded down to 0.1) and vsize of each mempool tx. */
  mempoolFees(): Array<{ rate: number; vsize: number }>;
}

export function scripthashOf(scriptHex: string): string {
  return Buffer.from(createHash('sha256').update(Buffer.from(scriptHex, 'hex')).digest()).reverse().toString('hex');
}

/** The Electrum scripthash of a regtest address. */
export function addressScripthash(address: string): string {
  return scripthashOf(bitcoin.address.toOutputScript(address, bitcoin.networks.regtest).toString('hex'));
}

const sats = (btc: number) => Math.round(btc * 1e8);

/** Display-hex order of txids (what the protocol sorts mempool ties by). */
const byTxid = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function walkChain(r: Regtest): Promise<ChainWalk> {
  const height = await r.rpc<number>('getblockcount');
  const blockHashes: string[] = [];
  for (let h = 0; h <= height; h++) blockHashes.push(await r.rpc<string>('getblockhash', [h]));
  const txs = new Map<string, WalkTx>();
  const outputs = new Map<string, { sh: string; value: number; txid: string; vout: number; height: number; confirmed: boolean }>();
  const scripts = new Map<string, string>();
  /** scripthash -> txids touching it, in order of appearance (chain order for confirmed ones). */
  const touching = new Map<string, string[]>();
  const spentBy = new Map<string, { txid: string; confirmed: boolean }>();
  const touch = (sh: string, txid: string) => {
    const l = touching.get(sh) ?? [];
    if (l[l.length - 1] !== txid && !l.includes(txid)) l.push(txid);
    touching.set(sh, l);
  };
  const addTx = (tx: RpcTx, h: number, position: number, confirmed: boolean, extra: { fee?: number; vsize?: number } = {}) => {
    txs.set(tx.txid, { txid: tx.txid, hex: tx.hex, height: h, position, confirmed, ...extra });
    for (const i of tx.vin) {
      if (i.coinbase !== undefined) continue;
      const key = `${i.txid}:${i.vout}`;
      const prev = outputs.get(key);
      if (!prev) throw new Error(`walk: unknown prevout ${key}`);
      touch(prev.sh, tx.txid);
      spentBy.set(key, { txid: tx.txid, confirmed });
    }
    // The genesis coinbase is unspendable and not indexed by Electrum servers.
    if (h === 0 && confirmed) return;
    for (const o of tx.vout) {
      const script = o.scriptPubKey.hex;
      if (script.startsWith('6a') || script.length > 20_000) continue; // OP_RETURN / unspendable
      const sh = scripthashOf(script);
      scripts.set(sh, script);
      touch(sh, tx.txid);
      outputs.set(`${tx.txid}:${o.n}`, { sh, value: sats(o.value), txid: tx.txid, vout: o.n, height: h, confirmed });
    }
  };
  for (let h = 0; h <= height; h++) {
    const b = await r.rpc<{ tx: RpcTx[] }>('getblock', [blockHashes[h], 2]);
    b.tx.forEach((tx, i) => addTx(tx, h, i, true));
  }
  const pool = await r.rpc<Record<string, { vsize: number; fees: { base: number }; depends: string[] }>>('getrawmempool', [true]);
  // Parents before children, so every prevout is known when a tx is added.
  const pending = Object.keys(pool);
  const done = new Set<string>();
  while (pending.length > 0) {
    const before = pending.length;
    for (let i = 0; i < pending.length; i++) {
      const txid = pending[i]!;
      if (!pool[txid]!.depends.every((d) => done.has(d))) continue;
      const tx = await r.rpc<RpcTx>('getrawtransaction', [txid, true]);
      const e = pool[txid]!;
      addTx(tx, e.depends.length > 0 ? -1 : 0, 0, false, { fee: sats(e.fees.base), vsize: e.vsize });
      done.add(txid);
      pending.splice(i--, 1);
    }
    if (pending.length === before) throw new Error('walk: mempool dependency cycle');
  }

  const history = (sh: string): Array<{ tx_hash: string; height: number; fee?: number }> => {
    const list = (touching.get(sh) ?? []).map((t) => txs.get(t)!);
    const conf = list.filter((t) => t.confirmed).sort((a, b) => a.height - b.height || a.position - b.position);
    const mem = list.filter((t) => !t.confirmed).sort((a, b) => b.height - a.height || byTxid(a.txid, b.txid));
    return [...conf.map((t) => ({ tx_hash: t.txid, height: t.height })), ...mem.map((t) => ({ tx_hash: t.txid, height: t.height, fee: t.fee! }))];
  };
  return {
    height,
    blockHashes,
    txs,
    scripts,
    history,
    status(sh) {
      const h = history(sh);
      if (h.length === 0) return null;
      return createHash('sha256').update(h.map((e) => `${e.tx_hash}:${e.height}:`).join('')).digest('hex');
    },
    balance(sh) {
      let confirmed = 0;
      let unconfirmed = 0;
      for (const [key, o] of outputs) {
        if (o.sh !== sh) continue;
        const spender = spentBy.get(key);
        if (o.confirmed) {
          if (!spender || !spender.confirmed) confirmed += o.value;
          if (spender && !spender.confirmed) unconfirmed -= o.value;
        } else {
          unconfirmed += o.value;
          if (spender) unconfirmed -= o.value;
        }
      }
      return { confirmed, unconfirmed };
    },
    listunspent(sh) {
      const out: Array<WalkUtxo & { order: number }> = [];
      for (const [key, o] of outputs) {
        if (o.sh !== sh || spentBy.has(key)) continue;
        const t = txs.get(o.txid)!;
        out.push({ tx_hash: o.txid, tx_pos: o.vout, height: o.confirmed ? o.height : 0, value: o.value, order: o.confirmed ? t.height * 1e6 + t.position : Infinity });
      }
      return out.sort((a, b) => a.order - b.order || (a.order === Infinity ? 0 : a.tx_pos - b.tx_pos)).map(({ order: _o, ...u }) => u);
    },
    mempool(sh) {
      return history(sh).filter((e): e is { tx_hash: string; height: number; fee: number } => 'fee' in e);
    },
    mempoolFees() {
      return Object.values(pool).map((e) => ({ rate: Math.floor((10 * sats(e.fees.base)) / e.vsize) / 10, vsize: e.vsize }));
    },
  };
}
