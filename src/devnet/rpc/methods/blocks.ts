// Blocks and headers: getblockheader, getblock.
import type { DevnetNode, StoredBlock } from '../../node.js';
import { blockToJson, headerToJson } from '../blockjson.js';
import { RpcError, RPC } from '../errors.js';
import { hashParam, opt, verbosity, type MethodSpec } from '../params.js';

function knownBlock(node: DevnetNode, hash: Buffer): StoredBlock {
  const sb = node.block(hash);
  if (!sb) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block not found');
  return sb;
}

export const blockMethods: MethodSpec[] = [
  {
    name: 'getblockheader',
    args: [
      { names: 'blockhash', type: 'string' },
      { names: 'verbose', type: 'boolean', optional: true },
    ],
    summary: "If verbose is false, returns a string that is serialized, hex-encoded data for blockheader 'hash'.\nIf verbose is true, returns an Object with information about blockheader <hash>.",
    run({ node }, params) {
      const sb = knownBlock(node, hashParam(params[0], 'hash'));
      if (!opt(params, 1, true)) return sb.header.raw.toString('hex');
      return headerToJson(node, sb);
    },
  },
  {
    name: 'getblock',
    args: [
      { names: 'blockhash', type: 'string' },
      { names: 'verbosity|verbose', type: 'any', optional: true },
    ],
    summary: "If verbosity is 0, returns a string that is serialized, hex-encoded data for block 'hash'.\nIf verbosity is 1, returns an Object with information about block <hash>.\nIf verbosity is 2, returns an Object with information about block <hash> and information about each transaction.\nIf verbosity is 3, returns an Object with information about block <hash> and information about each transaction, including prevout information for inputs (only for unpruned blocks in the current best chain).",
    run({ node }, params) {
      const sb = knownBlock(node, hashParam(params[0], 'blockhash'));
      const v = verbosity(params[1], 1, true);
      if (v <= 0) return sb.raw.toString('hex');
      return blockToJson(node, sb, Math.min(v, 3));
    },
  },
];
