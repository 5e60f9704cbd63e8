// Transactions: getrawtransaction, sendrawtransaction, decoderawtransaction.
import { toDisplayHex } from '../../../chain/hash.js';
import { isCoinbase, parseTx, type Tx } from '../../../chain/tx.js';
import { DevnetRejectError, type DevnetNode, type StoredBlock } from '../../node.js';
import { blockTxFee, blockTxPrevouts } from '../blockjson.js';
import { RpcError, RPC } from '../errors.js';
import { btc } from '../json.js';
import { hashParam, int, isHex, opt, verbosity, type MethodSpec } from '../params.js';
import { scriptPubKeyJson, solve } from '../script.js';
import { txToJson, type Prevout } from '../txjson.js';

const NOT_FOUND_SUFFIX = '. Use gettransaction for wallet transactions.';

/** DecodeHexTx: hex that parses as one whole transaction, or undefined. */
export function decodeHexTx(hex: unknown): Tx | undefined {
  if (typeof hex !== 'string' || !isHex(hex) || hex.length === 0) return undefined;
  try {
    const tx = parseTx(Buffer.from(hex, 'hex'));
    return tx.inputs.length > 0 ? tx : undefined;
  } catch {
    return undefined;
  }
}

/** Core's BTC amount parsing (AmountFromValue): number or numeric string, 8 decimals at most. */
export function amountToSats(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || (typeof v === 'string' && !/^-?\d+(\.\d+)?$/.test(v))) {
    throw new RpcError(RPC.TYPE_ERROR, 'Invalid amount');
  }
  const sats = Math.round(n * 1e8);
  if (Math.abs(n * 1e8 - sats) > 1e-6) throw new RpcError(RPC.TYPE_ERROR, 'Invalid amount');
  if (sats < 0) throw new RpcError(RPC.TYPE_ERROR, 'Amount out of range');
  return sats;
}

/** ParseFeeRate: a BTC/kvB amount below 1 BTC/kvB, in sat/kvB. */
export function parseFeeRate(v: unknown): number {
  const sats = amountToSats(v);
  if (sats >= 100_000_000) throw new RpcError(RPC.INVALID_PARAMETER, 'Fee rates larger than or equal to 1BTC/kvB are not accepted');
  return sats;
}

/** The maxburnamount test: provably unspendable (OP_RETURN) or with invalid opcodes. */
export function isBurnOutput(script: Buffer): boolean {
  return solve(script).type === 'nulldata' || (script.length > 0 && script[0] === 0x6a);
}

interface Located {
  tx: Tx;
  block?: StoredBlock;
  position?: number;
}

function locate(node: DevnetNode, txid: Buffer, inBlock: StoredBlock | undefined, txindex: boolean): Located | undefined {
  if (inBlock) {
    const txs = inBlock.block.txs;
    const position = txs.findIndex((t) => t.txid.equals(txid));
    return position < 0 ? undefined : { tx: txs[position]!, block: inBlock, position };
  }
  // Without -txindex (devnet's prune mode) only the mempool is searched, as GetTransaction does.
  const found = txindex ? node.findTx(txid) : node.mempoolEntry(txid);
  if (!found) return undefined;
  if (!('block' in found)) return { tx: found.tx };
  return { tx: found.tx, block: found.block, position: found.position };
}

export const transactionMethods: MethodSpec[] = [
  {
    name: 'getrawtransaction',
    args: [
      { names: 'txid', type: 'string' },
      { names: 'verbosity|verbose', type: 'any', optional: true },
      { names: 'blockhash', type: 'string', optional: true },
    ],
    summary: 'By default, this call only returns a transaction if it is in the mempool. If -txindex is enabled\nand no blockhash argument is passed, it will return the transaction if it is in any block.',
    run({ node, txindex }, params) {
      const txid = hashParam(params[0], 'parameter 1');
      const genesis = node.block(node.blockHash(0)!)!;
      if (txid.equals(genesis.header.merkleRoot)) {
        throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'The genesis block coinbase is not considered an ordinary transaction and cannot be retrieved');
      }
      const v = verbosity(params[1], 0, true);
      let given: StoredBlock | undefined;
      if (params[2] !== null && params[2] !== undefined) {
        given = node.block(hashParam(params[2], 'parameter 3'));
        if (!given) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Block hash not found');
      }
      const found = locate(node, txid, given, txindex);
      if (!found) {
        const what = given
          ? 'No such transaction found in the provided block'
          : txindex
            ? 'No such mempool or blockchain transaction'
            : 'No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction queries';
        throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, what + NOT_FOUND_SUFFIX);
      }
      if (v <= 0) return found.tx.raw.toString('hex');
      const result: Record<string, unknown> = {};
      if (given) result.in_active_chain = node.isActive(given.hash);
      // Verbosity 2 adds fee and prevouts for confirmed transactions (Core reads the block's undo data).
      let prevouts: Prevout[] | undefined;
      let fee: number | undefined;
      if (v >= 2 && found.block && found.position !== undefined && !isCoinbase(found.tx)) {
        prevouts = blockTxPrevouts(node, found.block, found.position, found.tx);
        fee = blockTxFee(found.block, found.position);
      }
      Object.assign(result, txToJson(found.tx, node.network, { includeHex: true, fee, prevouts }));
      if (found.block) {
        result.blockhash = toDisplayHex(found.block.hash);
        if (node.isActive(found.block.hash)) {
          result.confirmations = node.confirmations(found.block.hash);
          result.time = found.block.header.time;
          result.blocktime = found.block.header.time;
        } else {
          result.confirmations = 0;
        }
      }
      return result;
    },
  },
  {
    name: 'sendrawtransaction',
    args: [
      { names: 'hexstring', type: 'string' },
      { names: 'maxfeerate', type: 'amount', optional: true },
      { names: 'maxburnamount', type: 'amount', optional: true },
    ],
    summary: 'Submit a raw transaction (serialized, hex-encoded) to local node and network.',
    run({ node }, params) {
      const maxBurn = amountToSats(opt(params, 2, 0));
      const tx = decodeHexTx(params[0]);
      if (!tx) throw new RpcError(RPC.DESERIALIZATION_ERROR, 'TX decode failed. Make sure the tx has at least one input.');
      for (const out of tx.outputs) {
        if (isBurnOutput(out.script) && out.value > maxBurn) {
          throw new RpcError(RPC.VERIFY_ERROR, 'Unspendable output exceeds maximum configured by user (maxburnamount)');
        }
      }
      // maxfeerate in BTC/kvB (default 0.10; 0 disables the check); the model takes sat/vB.
      const maxFeeRate = parseFeeRate(opt(params, 1, 0.1)) / 1000;
      try {
        return toDisplayHex(node.acceptTx(tx.raw, { maxFeeRate }));
      } catch (e) {
        if (e instanceof DevnetRejectError) throw new RpcError(e.code, e.message);
        throw e;
      }
    },
  },
  {
    name: 'decoderawtransaction',
    args: [
      { names: 'hexstring', type: 'string' },
      { names: 'iswitness', type: 'boolean', optional: true },
    ],
    summary: 'Return a JSON object representing the serialized, hex-encoded transaction.',
    run({ node }, params) {
      const tx = decodeHexTx(params[0]);
      if (!tx) throw new RpcError(RPC.DESERIALIZATION_ERROR, 'TX decode failed');
      return txToJson(tx, node.network, { includeHex: false });
    },
  },
  {
    name: 'gettxout',
    args: [
      { names: 'txid', type: 'string' },
      { names: 'n', type: 'number' },
      { names: 'include_mempool', type: 'boolean', optional: true },
    ],
    summary: 'Returns details about an unspent transaction output.',
    run({ node }, params) {
      const txid = hashParam(params[0], 'txid');
      const n = int(params[1]);
      const withMempool = opt(params, 2, true);
      let coin: { value: number; script: Buffer; confirmations: number; coinbase: boolean } | undefined;
      const confirmed = node.utxo(txid, n);
      if (confirmed) {
        coin = { value: confirmed.value, script: confirmed.script, confirmations: node.tipHeight() - confirmed.height + 1, coinbase: confirmed.coinbase };
      } else if (withMempool) {
        const out = node.mempoolEntry(txid)?.tx.outputs[n];
        if (out) coin = { value: out.value, script: out.script, confirmations: 0, coinbase: false };
      }
      if (!coin || (withMempool && node.mempoolSpender(txid, n))) return null;
      return {
        bestblock: toDisplayHex(node.tipHash()),
        confirmations: coin.confirmations,
        value: btc(coin.value),
        scriptPubKey: scriptPubKeyJson(coin.script, node.network),
        coinbase: coin.coinbase,
      };
    },
  },
];
