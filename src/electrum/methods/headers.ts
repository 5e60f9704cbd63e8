// Headers: blockchain.headers.subscribe, blockchain.block.header and blockchain.block.headers,
// with cp_height proofs (branch and root of the tree over block hashes 0..cp_height).
import type { MethodDef } from './types.js';
import { p } from './types.js';
import { ErrorCode, RpcError, grouped } from '../errors.js';
import { nonNegativeInteger } from '../params.js';
import { atLeast } from '../version.js';
import type { Served } from '../../mempool/chain-state.js';
import { JsonText } from '../context.js';

/** Headers per blockchain.block.headers answer (ElectrumX, Fulcrum and electrs all use 2016). */
export const MAX_CHUNK_SIZE = 2016;

/** {"hex", "height"} of the served tip, as subscribe answers and notifications carry it. */
export async function tipHeader(served: Served): Promise<{ hex: string; height: number }> {
  const { height } = served.view.state;
  const header = await served.view.reader.getHeader(height);
  if (!header) throw new Error(`tip header ${height} missing from the index`);
  return { hex: header.toString('hex'), height };
}

async function withServed<T>(call: { server: { chain: { current(): Served } } }, fn: (s: Served) => Promise<T>): Promise<T> {
  const served = call.server.chain.current();
  try {
    return await fn(served);
  } finally {
    served.view.release();
  }
}

export const headerMethods: MethodDef[] = [
  {
    name: 'blockchain.headers.subscribe',
    sig: { params: [] },
    run: (call) =>
      withServed(call, async (served) => {
        call.session.subscribeHeaders();
        return tipHeader(served);
      }),
  },
  {
    name: 'blockchain.block.header',
    sig: { params: [p('height'), p('cp_height', true)] },
    run: (call, [h, cp]) => {
      const height = nonNegativeInteger(h);
      const cpHeight = nonNegativeInteger(cp, 0);
      return withServed(call, async (served) => {
        const header = await served.view.reader.getHeader(height);
        if (!header) throw new RpcError(ErrorCode.BAD_REQUEST, `height ${grouped(height)} out of range`);
        if (cpHeight === 0) return header.toString('hex');
        const proof = await call.server.headers.proof(served, height, cpHeight);
        return { header: header.toString('hex'), branch: proof.branch, root: proof.root };
      });
    },
  },
  {
    name: 'blockchain.block.headers',
    sig: { params: [p('start_height'), p('count'), p('cp_height', true)] },
    run: (call, [s, c, cp]) => {
      const start = nonNegativeInteger(s);
      const count = Math.min(nonNegativeInteger(c), MAX_CHUNK_SIZE);
      const cpHeight = nonNegativeInteger(cp, 0);
      return withServed(call, async (served) => {
        const headers = count > 0 ? await served.view.reader.getHeaders(start, count) : [];
        const n = headers.length;
        const proof = n > 0 && cpHeight > 0 ? await call.server.headers.proof(served, start + n - 1, cpHeight) : null;
        const tail = proof ? `,"branch":${JSON.stringify(proof.branch)},"root":"${proof.root}"` : '';
        if (atLeast(call.session.version, [1, 6])) {
          return new JsonText(`{"count":${n},"max":${MAX_CHUNK_SIZE},"headers":[${headers.map((h) => `"${h.toString('hex')}"`).join(',')}]${tail}}`);
        }
        return new JsonText(`{"hex":"${Buffer.concat(headers).toString('hex')}","count":${n},"max":${MAX_CHUNK_SIZE}${tail}}`);
      });
    },
  },
];

export { withServed };
