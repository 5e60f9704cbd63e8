// Fees and the mempool's summary: blockchain.estimatefee (mode in every version, as ElectrumX),
// blockchain.relayfee (before 1.6), mempool.get_info (1.6) and mempool.get_fee_histogram.
import type { MethodDef } from './types.js';
import { p } from './types.js';
import { ErrorCode, RpcError, shown } from '../errors.js';
import { nonNegativeInteger } from '../params.js';

function feeMode(value: unknown): 'CONSERVATIVE' | 'ECONOMICAL' | null {
  if (value === undefined || value === null) return null;
  const mode = typeof value === 'string' ? value.toUpperCase() : null;
  if (mode === 'CONSERVATIVE' || mode === 'ECONOMICAL') return mode;
  throw new RpcError(ErrorCode.BAD_REQUEST, `unknown estimatefee mode: ${mode ?? shown(value)}`);
}

export const feeMethods: MethodDef[] = [
  {
    name: 'blockchain.estimatefee',
    sig: { params: [p('number'), p('mode', true)] },
    run: ({ server }, [n, m]) => {
      const blocks = nonNegativeInteger(n);
      return server.caches.estimateFee(blocks, feeMode(m));
    },
  },
  {
    name: 'blockchain.relayfee',
    sig: { params: [] },
    until: [1, 6],
    run: ({ server }) => server.caches.relayFee(),
  },
  {
    name: 'mempool.get_info',
    sig: { params: [] },
    since: [1, 6],
    run: ({ server }) => server.caches.mempoolFees(),
  },
  {
    name: 'mempool.get_fee_histogram',
    sig: { params: [] },
    run: ({ server }) => server.chain.mempool.feeHistogram(),
  },
];
