// The expected answers, computed straight from the daemon's chain with no index involved: walks
// every block over RPC and replays it into plain maps (history, UTXOs, balance per scripthash).
import { parseBlock, type Block } from '../../src/chain/block.js';
import { isCoinbase } from '../../src/chain/tx.js';
import { scriptHash, isUnspendable } from '../../src/chain/scripthash.js';
import { toDisplayHex } from '../../src/chain/hash.js';

export type Rpc = <T = unknown>(method: string, params?: unknown[]) => Promise<T>;

export interface ModelUtxo {
  readonly txid: string;
  readonly vout: number;
  readonly height: number;
  readonly value: number;
}

export interface ChainModel {
  readonly height: number;
  readonly tipHash: string;
  readonly txCount: number;
  /** scripthash (internal hex) -> txids (display hex) in chain order, each once. */
  readonly history: Map<string, Array<{ height: number; txid: string }>>;
  /** scripthash (internal hex) -> unspent outputs in chain order. */
  readonly utxos: Map<string, ModelUtxo[]>;
  readonly balance: Map<string, number>;
  /** Every block, for tests that want to look closer. */
  readonly blocks: Block[];
}

export async function fetchChain(rpc: Rpc): Promise<{ height: number; blocks: Block[] }> {
  const height = await rpc<number>('getblockcount');
  const blocks: Block[] = [];
  for (let h = 0; h <= height; h++) {
    const hash = await rpc<string>('getblockhash', [h]);
    const hex = await rpc<string>('getblock', [hash, 0]);
    blocks.push(parseBlock(Buffer.from(hex, 'hex')));
  }
  return { height, blocks };
}

export function modelChain(blocks: Block[]): ChainModel {
  interface Out { sh: string; value: number; height: number; txid: string; vout: number; order: number }
  const unspent = new Map<string, Out>(); // txidhex:vout
  const history = new Map<string, Array<{ height: number; txid: string }>>();
  let order = 0;
  let txCount = 0;
  const touch = (sh: string, height: number, txid: string) => {
    let list = history.get(sh);
    if (!list) history.set(sh, (list = []));
    const last = list[list.length - 1];
    if (!last || last.txid !== txid) list.push({ height, txid });
  };
  blocks.forEach((block, height) => {
    for (const tx of block.txs) {
      txCount++;
      const txid = toDisplayHex(tx.txid);
      if (!isCoinbase(tx)) {
        for (const input of tx.inputs) {
          const key = `${toDisplayHex(input.prevTxid)}:${input.prevVout}`;
          const spent = unspent.get(key);
          if (!spent) throw new Error(`chain model: ${txid} spends unknown ${key}`);
          unspent.delete(key);
          touch(spent.sh, height, txid);
        }
      }
      tx.outputs.forEach((out, vout) => {
        if (isUnspendable(out.script)) return;
        const sh = scriptHash(out.script).toString('hex');
        // Genesis outputs are not spendable in Bitcoin and never indexed.
        if (height === 0) return;
        unspent.set(`${txid}:${vout}`, { sh, value: out.value, height, txid, vout, order: order++ });
        touch(sh, height, txid);
      });
    }
  });
  const utxos = new Map<string, ModelUtxo[]>();
  const balance = new Map<string, number>();
  for (const o of [...unspent.values()].sort((a, b) => a.order - b.order)) {
    let list = utxos.get(o.sh);
    if (!list) utxos.set(o.sh, (list = []));
    list.push({ txid: o.txid, vout: o.vout, height: o.height, value: o.value });
    balance.set(o.sh, (balance.get(o.sh) ?? 0) + o.value);
  }
  const tip = blocks[blocks.length - 1]!;
  return { height: blocks.length - 1, tipHash: toDisplayHex(tip.header.hash), txCount, history, utxos, balance, blocks };
}
