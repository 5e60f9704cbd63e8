// JSON-RPC errors with bitcoind's codes.

// One table of codes for the client side (daemon/) and this server.
export { RpcCode as RPC } from '../../daemon/types.js';

/** An error answered to the client as {code, message}. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const WARMUP_MESSAGE = 'Loading block index…';
