// devnet-only controls, reachable over RPC by out-of-process tests and the demo:
// devnet_pay, devnet_newaddress, devnet_mine, devnet_fillmempool, devnet_reorg, devnet_fault.
import { toDisplayHex } from '../../../chain/hash.js';
import { OUTPUT_KINDS, type OutputKind } from '../../node.js';
import { reorg as scenarioReorg } from '../../scenario.js';
import { RpcError, RPC } from '../errors.js';
import { ZMQ_TOPICS, type Count, type ZmqTopic } from '../faults.js';
import { int, opt, type MethodSpec } from '../params.js';
import { asRpc, isValidAddress } from './control.js';
import { ADDRESS_TYPES, walletCall } from './wallet.js';

function outputKind(v: unknown): OutputKind {
  const s = String(v);
  if ((OUTPUT_KINDS as readonly string[]).includes(s)) return s as OutputKind;
  const k = ADDRESS_TYPES[s];
  if (k) return k;
  throw new RpcError(RPC.INVALID_PARAMETER, `Unknown output kind '${s}' (one of ${OUTPUT_KINDS.join(', ')})`);
}

function count(v: unknown): Count {
  if (v === null || v === undefined) return 1;
  if (v === 'always') return 'always';
  return int(v);
}

/** The fault kinds devnet_fault takes, with their arguments. */
const FAULT_USAGE = 'devnet_fault "rpcdown" ms | "slow" ms | "errors" code "message" (count|"always") | "dropzmq" (topic|"all") (count|"always") | "reset"';

export const devnetMethods: MethodSpec[] = [
  {
    name: 'devnet_pay',
    args: [
      { names: 'address', type: 'string' },
      { names: 'sats', type: 'number' },
      { names: 'fee_rate', type: 'number', optional: true },
    ],
    summary: 'Pays sats to the address from the devnet wallet (real signed tx, sent to the mempool); returns the txid.',
    run({ node }, params) {
      const address = params[0] as string;
      if (!isValidAddress(node, address)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Invalid address');
      const value = int(params[1]);
      const feeRate = params[2] === null || params[2] === undefined ? undefined : Number(params[2]);
      return toDisplayHex(walletCall(() => node.wallet.pay([{ address, value }], feeRate ? { feeRate } : {})));
    },
  },
  {
    name: 'devnet_newaddress',
    args: [{ names: 'kind', type: 'string', optional: true }],
    summary: `A fresh wallet address of a kind (${OUTPUT_KINDS.filter((k) => k !== 'bare-multisig').join(', ')}, or legacy/p2sh-segwit/bech32/bech32m).`,
    run({ node }, params) {
      const kind = outputKind(opt(params, 0, 'p2wpkh'));
      if (kind === 'bare-multisig') throw new RpcError(RPC.INVALID_PARAMETER, 'bare-multisig outputs have no address');
      return node.wallet.newAddress(kind);
    },
  },
  {
    name: 'devnet_mine',
    args: [
      { names: 'nblocks', type: 'number', optional: true },
      { names: 'address', type: 'string', optional: true },
    ],
    summary: 'Mines blocks (with the mempool) to the wallet or an address; returns their hashes.',
    run({ node }, params) {
      const n = int(opt(params, 0, 1));
      const address = opt(params, 1, node.wallet.address('p2wpkh', 0));
      if (!isValidAddress(node, address)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Error: Invalid address');
      return asRpc(() => node.generateToAddress(Math.max(0, n), address)).map(toDisplayHex);
    },
  },
  {
    name: 'devnet_fillmempool',
    args: [
      { names: 'n', type: 'number' },
      { names: 'options', type: 'object', optional: true },
    ],
    summary: 'Adds n signed transactions of every output kind (with unconfirmed chains) to the mempool, mining funding blocks first if needed. '
      + 'options: seed, chain_share, max_depth, verify, txids (return the txids). Returns {added, funding_blocks, seconds, mempool_size[, txids]}.',
    run({ node }, params) {
      const n = int(params[0]);
      if (n < 0 || n > 1_000_000) throw new RpcError(RPC.INVALID_PARAMETER, 'n must be between 0 and 1000000');
      const o = opt<Record<string, unknown>>(params, 1, {});
      const num = (k: string): number | undefined => (o[k] === undefined || o[k] === null ? undefined : Number(o[k]));
      const r = node.fillMempool(n, {
        seed: o.seed === undefined ? undefined : String(o.seed),
        chainShare: num('chain_share'),
        maxDepth: num('max_depth'),
        verify: o.verify === true,
      });
      return {
        added: r.txids.length,
        funding_blocks: r.fundingBlocks,
        seconds: Math.round(r.seconds * 1000) / 1000,
        mempool_size: node.mempool().length,
        ...(o.txids === true ? { txids: r.txids.map(toDisplayHex) } : {}),
      };
    },
  },
  {
    name: 'devnet_reorg',
    args: [
      { names: 'depth', type: 'number' },
      { names: 'newblocks', type: 'number', optional: true },
      { names: 'doublespends', type: 'number', optional: true },
    ],
    summary: 'Replaces the last depth blocks with a longer competing branch (newblocks, default depth+1), optionally double-spending some of their wallet txs first; returns the new tip hash.',
    run({ node }, params) {
      const depth = int(params[0]);
      if (depth < 1 || depth >= node.tipHeight()) throw new RpcError(RPC.INVALID_PARAMETER, `reorg depth must be between 1 and ${node.tipHeight() - 1}`);
      const newBlocks = params[1] === null || params[1] === undefined ? undefined : int(params[1]);
      const doubleSpends = int(opt(params, 2, 0));
      if (doubleSpends > 0) {
        // The scenario reorg replaces disconnected txs by double spends: ZMQ announces them with 'R'.
        asRpc(() => scenarioReorg(node, depth, { newBlocks, doubleSpends }));
      } else {
        // A fresh payout address keeps the new branch's blocks distinct from the ones they replace.
        asRpc(() => node.reorg(depth, { newBlocks, address: node.wallet.newAddress('p2wpkh') }));
      }
      return toDisplayHex(node.tipHash());
    },
  },
  {
    name: 'devnet_fault',
    args: [
      { names: 'kind', type: 'string' },
      { names: 'arg1', type: 'any', optional: true },
      { names: 'arg2', type: 'any', optional: true },
      { names: 'arg3', type: 'any', optional: true },
    ],
    summary: FAULT_USAGE,
    run({ faults }, [kind, a, b, c]) {
      switch (kind) {
        case 'rpcdown': {
          // Down for `ms`, then back on the same port; the answer goes out before the port closes.
          const ms = int(a);
          if (ms <= 0) throw new RpcError(RPC.INVALID_PARAMETER, 'rpcdown needs a duration in ms');
          setTimeout(() => {
            void faults.rpcDown(true).then(() => setTimeout(() => void faults.rpcDown(false), ms));
          }, 50);
          return null;
        }
        case 'slow':
          faults.rpcSlow(int(a));
          return null;
        case 'errors':
          faults.rpcErrors(int(a), String(b ?? 'devnet injected error'), count(c));
          return null;
        case 'dropzmq': {
          const topic = String(a ?? 'all');
          if (topic !== 'all' && !(ZMQ_TOPICS as readonly string[]).includes(topic)) throw new RpcError(RPC.INVALID_PARAMETER, `Unknown zmq topic '${topic}'`);
          faults.dropZmq(topic as ZmqTopic | 'all', count(b));
          return null;
        }
        case 'reset':
          return faults.reset().then(() => null);
        default:
          throw new RpcError(RPC.INVALID_PARAMETER, `Unknown fault '${String(kind)}'. Usage: ${FAULT_USAGE}`);
      }
    },
  },
];
