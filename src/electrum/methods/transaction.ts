// blockchain.transaction.*: broadcast (and 1.6's broadcast_package), get, get_merkle, id_from_pos.
import type { MethodDef } from './types.js';
import { p } from './types.js';
import { toDisplayHex } from '../../chain/hash.js';
import { headerHash } from '../../chain/header.js';
import { DaemonRpcError } from '../../daemon/types.js';
import { ECHO_LIMIT, ErrorCode, RpcError, grouped } from '../errors.js';
import { booleanParam, hexParam, listParam, nonNegativeInteger, txHashParam } from '../params.js';
import type { Call } from '../context.js';
import type { Served } from '../../mempool/chain-state.js';
import type { BlockTree } from '../block-merkle.js';
import { daemonError } from '../daemon-caches.js';
import { withServed } from './headers.js';

/** ElectrumX's message for a rejected broadcast; the raw transaction echoed is cut to ECHO_LIMIT characters. */
function rejected(message: string, raw: string): RpcError {
  const echo = raw.length > ECHO_LIMIT ? `${raw.slice(0, ECHO_LIMIT)}...` : raw;
  return new RpcError(ErrorCode.BAD_REQUEST, `the transaction was rejected by network rules.\n\n${message}\n[${echo}]`);
}

/** A daemon message, cut if it echoes long input back. */
function cut(message: string): string {
  return message.length > 3 * ECHO_LIMIT ? `${message.slice(0, 3 * ECHO_LIMIT)}...` : message;
}

/** The block tree at `height` of the served chain, or ElectrumX's error for a height beyond it. */
async function blockTree(call: Call, served: Served, height: number): Promise<BlockTree> {
  const header = height <= served.view.state.height ? await served.view.reader.getHeader(height) : null;
  const tree = header ? await call.server.blockMerkle.tree(served.view.reader, height, headerHash(header)) : null;
  if (!tree) throw new RpcError(ErrorCode.BAD_REQUEST, `db error: DBError('block ${grouped(height)} not on disk (>${grouped(served.view.state.height)})')`);
  return tree;
}

export const transactionMethods: MethodDef[] = [
  {
    name: 'blockchain.transaction.broadcast',
    sig: { params: [p('raw_tx')] },
    run: async ({ server }, [r]) => {
      const raw = hexParam(r);
      try {
        const txid = await server.daemon.sendRawTransaction(raw);
        server.log.info({ txid }, 'broadcast a transaction');
        // Into our mempool (and to the wallet's subscriptions) without waiting for the next poll.
        server.chain.refreshSoon();
        return txid;
      } catch (err) {
        if (err instanceof DaemonRpcError) throw rejected(err.message, raw);
        throw daemonError(err);
      }
    },
  },
  {
    name: 'blockchain.transaction.broadcast_package',
    sig: { params: [p('raw_txs'), p('verbose', true)] },
    since: [1, 6],
    run: async ({ server }, [r, v]) => {
      const raws = listParam(r).map(hexParam);
      const verbose = booleanParam(v, 'verbose');
      let result: { package_msg?: string; 'tx-results'?: Record<string, { txid?: string; error?: string }> };
      try {
        result = await server.daemon.call('submitpackage', [raws]);
      } catch (err) {
        // bitcoind's message may quote the whole package (a decode failure does): cut like any echo.
        if (err instanceof DaemonRpcError) throw new RpcError(ErrorCode.BAD_REQUEST, `the tx package was rejected by network rules.\n\n${cut(err.message)}.`);
        throw daemonError(err);
      }
      server.chain.refreshSoon();
      if (verbose) return result;
      const errors = Object.values(result['tx-results'] ?? {})
        .filter((t) => t.error)
        .map((t) => ({ txid: t.txid, error: t.error }));
      return errors.length > 0 ? { success: result.package_msg === 'success', errors } : { success: result.package_msg === 'success' };
    },
  },
  {
    name: 'blockchain.transaction.get',
    sig: { params: [p('tx_hash'), p('verbose', true)] },
    run: (call, [t, v]) => {
      const txid = txHashParam(t);
      const verbose = booleanParam(v, 'verbose');
      return withServed(call, (served) => (verbose ? call.server.txs.verbose(served, txid) : call.server.txs.rawHex(served, txid)));
    },
  },
  {
    name: 'blockchain.transaction.get_merkle',
    sig: { params: [p('tx_hash'), p('height')] },
    run: (call, [t, h]) => {
      const txid = txHashParam(t);
      const height = nonNegativeInteger(h);
      return withServed(call, async (served) => {
        const tree = await blockTree(call, served, height);
        const pos = tree.txids.findIndex((id) => id.equals(txid));
        if (pos < 0) throw new RpcError(ErrorCode.BAD_REQUEST, `tx ${toDisplayHex(txid)} not in block at height ${grouped(height)}`);
        return { block_height: height, merkle: tree.branch(pos).map(toDisplayHex), pos };
      });
    },
  },
  {
    name: 'blockchain.transaction.id_from_pos',
    sig: { params: [p('height'), p('tx_pos'), p('merkle', true)] },
    run: (call, [h, t, m]) => {
      const pos = nonNegativeInteger(t);
      const height = nonNegativeInteger(h);
      const merkle = booleanParam(m, 'merkle');
      return withServed(call, async (served) => {
        const tree = await blockTree(call, served, height);
        if (pos >= tree.txids.length) throw new RpcError(ErrorCode.BAD_REQUEST, `no tx at position ${grouped(pos)} in block at height ${grouped(height)}`);
        const txHash = toDisplayHex(tree.txids[pos]!);
        return merkle ? { tx_hash: txHash, merkle: tree.branch(pos).map(toDisplayHex) } : txHash;
      });
    },
  },
];
