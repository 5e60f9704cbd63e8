// Mining and chain control: generatetoaddress, generateblock, invalidateblock, reconsiderblock.
import * as bitcoin from 'bitcoinjs-lib';
import { toDisplayHex } from '../../../chain/hash.js';
import { DevnetRejectError, type DevnetNode } from '../../node.js';
import { RpcError, RPC } from '../errors.js';
import { hashParam, int, opt, type MethodSpec } from '../params.js';
import { decodeHexTx } from './transactions.js';

export function isValidAddress(node: DevnetNode, address: string): boolean {
  try {
    bitcoin.address.toOutputScript(address, node.network);
    return true;
  } catch {
    return false;
  }
}

/** Runs a model call, turning its rejections into the RPC error bitcoind would answer. */
export function asRpc<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DevnetRejectError) throw new RpcError(e.code, e.message);
    throw e;
  }
}

function knownHash(node: DevnetNode, v: unknown): Buffer {
  const hash = hashParam(v, 'blockhash');
  if (!node.block(hash)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
  return hash;
}

export const controlMethods: MethodSpec[] = [
  {
    name: 'generatetoaddress',
    args: [
      { names: 'nblocks', type: 'number' },
      { names: 'address', type: 'string' },
      { names: 'maxtries', type: 'number', optional: true },
    ],
    summary: 'Mine to a specified address and return the block hashes.',
    run({ node }, params) {
      const n = int(params[0]);
      const address = params[1] as string;
      if (!isValidAddress(node, address)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Error: Invalid address');
      if (n <= 0) return [];
      return asRpc(() => node.generateToAddress(n, address)).map(toDisplayHex);
    },
  },
  {
    name: 'generateblock',
    args: [
      { names: 'output', type: 'string' },
      { names: 'transactions', type: 'array' },
      { names: 'submit', type: 'boolean', optional: true },
    ],
    summary: 'Mine a set of ordered transactions to a specified address or descriptor and return the block hash.',
    run({ node }, params) {
      const address = params[0] as string;
      if (!isValidAddress(node, address)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Error: Invalid address or descriptor');
      const raws = (params[1] as unknown[]).map((item) => {
        if (typeof item !== 'string') throw new RpcError(RPC.TYPE_ERROR, 'JSON value is not a string as expected');
        if (/^[0-9a-fA-F]{64}$/.test(item)) {
          const entry = node.mempoolEntry(Buffer.from(item, 'hex').reverse());
          if (!entry) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Transaction ${item} not in mempool.`);
          return entry.raw;
        }
        const tx = decodeHexTx(item);
        if (!tx) throw new RpcError(RPC.DESERIALIZATION_ERROR, `Transaction decode failed for ${item}. Make sure the tx has at least one input.`);
        return tx.raw;
      });
      if (opt<boolean>(params, 2, true) === false) throw new RpcError(RPC.INVALID_PARAMETER, 'devnet mines every block it builds: submit=false is not available');
      return { hash: toDisplayHex(asRpc(() => node.generateBlock(address, raws))) };
    },
  },
  {
    name: 'invalidateblock',
    args: [{ names: 'blockhash', type: 'string' }],
    summary: 'Permanently marks a block as invalid, as if it violated a consensus rule.',
    run({ node }, params) {
      const hash = knownHash(node, params[0]);
      asRpc(() => node.invalidateBlock(hash));
      return null;
    },
  },
  {
    name: 'reconsiderblock',
    args: [{ names: 'blockhash', type: 'string' }],
    summary: 'Removes invalidity status of a block, its ancestors and its descendants, reconsider them for activation.',
    run({ node }, params) {
      const hash = knownHash(node, params[0]);
      asRpc(() => node.reconsiderBlock(hash));
      return null;
    },
  },
];
