// Outgoing JSON-RPC messages, keys in aiorpcx's order ("jsonrpc", "result"|"error", "id"; an
// error's "code" before its "message"), ids echoed as their wire text. A 1.0 session gets 1.0's
// shape: "result" and "error" both present, no "jsonrpc".
import type { Flavour, WireId } from './message.js';
import type { RpcError } from '../errors.js';

export function resultMessage(flavour: Flavour | null, id: WireId, resultJson: string): string {
  return flavour === 'v1' ? `{"result":${resultJson},"error":null,"id":${id}}` : `{"jsonrpc":"2.0","result":${resultJson},"id":${id}}`;
}

export function errorMessage(flavour: Flavour | null, id: WireId, error: RpcError): string {
  const e = `{"code":${error.code},"message":${JSON.stringify(error.message)}}`;
  return flavour === 'v1' ? `{"result":null,"error":${e},"id":${id}}` : `{"jsonrpc":"2.0","error":${e},"id":${id}}`;
}

export function notificationMessage(flavour: Flavour | null, method: string, paramsJson: string): string {
  return flavour === 'v1' ? `{"method":"${method}","params":${paramsJson},"id":null}` : `{"jsonrpc":"2.0","method":"${method}","params":${paramsJson}}`;
}

export function batchMessage(parts: readonly string[]): string {
  return `[${parts.join(',')}]`;
}

/** A result already encoded as ASCII bytes, as the pieces of its answer (no 10 MB string built). */
export function resultPieces(flavour: Flavour | null, id: WireId, resultJson: Buffer): Buffer[] {
  return flavour === 'v1'
    ? [Buffer.from('{"result":', 'latin1'), resultJson, Buffer.from(`,"error":null,"id":${id}}`, 'latin1')]
    : [Buffer.from('{"jsonrpc":"2.0","result":', 'latin1'), resultJson, Buffer.from(`,"id":${id}}`, 'latin1')];
}
