// JSON-RPC over one HTTP body, as bitcoind's HTTPReq_JSONRPC does it: 1.0 replies carry both
// result and error, 2.0 ("jsonrpc":"2.0") replies one of them; a single 1.0 request that fails
// answers HTTP 500 (404 for an unknown method, 400 for a bad request object); batches and 2.0
// requests always answer 200; 2.0 notifications (no id) get no reply (204).
import type { Logger } from '../../log.js';
import type { RpcContext } from './context.js';
import { RpcError, RPC, WARMUP_MESSAGE } from './errors.js';
import { writeJson } from './json.js';
import { checkParams, type MethodSpec } from './params.js';

export interface HttpReply {
  readonly status: number;
  /** Absent for 204. */
  readonly body?: string;
}

type Version = 1 | 2;

/** One parsed request object; fields are filled as far as parsing got (like Core's JSONRPCRequest). */
interface Request {
  id: unknown;
  hasId: boolean;
  version: Version;
  method: string;
  params: unknown[] | Record<string, unknown>;
}

interface ErrorObject {
  code: number;
  message: string;
}

function replyObject(result: unknown, error: ErrorObject | null, req: Pick<Request, 'id' | 'hasId' | 'version'>): Record<string, unknown> {
  const id = req.hasId ? req.id : null;
  if (req.version === 2) return error ? { jsonrpc: '2.0', error, id } : { jsonrpc: '2.0', result, id };
  return { result: error ? null : result, error, id };
}

function httpStatusFor(code: number): number {
  if (code === RPC.INVALID_REQUEST) return 400;
  if (code === RPC.METHOD_NOT_FOUND) return 404;
  return 500;
}

/** JSONRPCRequest::parse; throws RpcError(-32600) with `into` filled as far as it got. */
function parseRequest(value: unknown, into: Request): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RpcError(RPC.INVALID_REQUEST, 'Invalid Request object');
  const obj = value as Record<string, unknown>;
  into.hasId = 'id' in obj;
  into.id = obj.id;
  into.version = 1;
  if (obj.jsonrpc !== undefined && obj.jsonrpc !== null) {
    if (typeof obj.jsonrpc !== 'string') throw new RpcError(RPC.INVALID_REQUEST, 'jsonrpc field must be a string');
    if (obj.jsonrpc === '2.0') into.version = 2;
    else if (obj.jsonrpc !== '1.0') throw new RpcError(RPC.INVALID_REQUEST, 'JSON-RPC version not supported');
  }
  if (obj.method === undefined || obj.method === null) throw new RpcError(RPC.INVALID_REQUEST, 'Missing method');
  if (typeof obj.method !== 'string') throw new RpcError(RPC.INVALID_REQUEST, 'Method must be a string');
  into.method = obj.method;
  const p = obj.params;
  if (p === undefined || p === null) into.params = [];
  else if (typeof p === 'object') into.params = p as unknown[] | Record<string, unknown>;
  else throw new RpcError(RPC.INVALID_REQUEST, 'Params must be an array or object');
}

function freshRequest(): Request {
  return { id: null, hasId: false, version: 1, method: '', params: [] };
}

function isNotification(req: Request): boolean {
  return !req.hasId && req.version === 2;
}

function asErrorObject(e: unknown): ErrorObject {
  if (e instanceof RpcError) return { code: e.code, message: e.message };
  // Anything else thrown inside a method is Core's std::exception path: RPC_MISC_ERROR.
  return { code: RPC.MISC_ERROR, message: e instanceof Error ? e.message : String(e) };
}

export interface DispatcherHooks {
  /** Still warming up: every call answers -28. */
  inWarmup(): boolean;
}

export class Dispatcher {
  private readonly methods = new Map<string, MethodSpec>();

  constructor(
    specs: readonly MethodSpec[],
    private readonly ctx: RpcContext,
    private readonly hooks: DispatcherHooks,
    private readonly log: Logger,
  ) {
    for (const s of specs) this.methods.set(s.name, s);
  }

  methodNames(): string[] {
    return [...this.methods.keys()].sort();
  }

  /** CRPCTable::execute: warm-up, injected faults, lookup, argument checks, the call. */
  private async execute(req: Request): Promise<unknown> {
    if (this.hooks.inWarmup()) throw new RpcError(RPC.IN_WARMUP, WARMUP_MESSAGE);
    const spec = this.methods.get(req.method);
    // devnet_* stay reachable while errors are injected, so a test can always lift them.
    if (!req.method.startsWith('devnet_')) {
      const injected = this.ctx.faults.takeRpcError();
      if (injected) throw injected;
    }
    if (!spec) throw new RpcError(RPC.METHOD_NOT_FOUND, 'Method not found');
    try {
      return await spec.run(this.ctx, checkParams(spec, req.params));
    } catch (e) {
      if (!(e instanceof RpcError)) this.log.debug({ method: req.method, err: e }, 'rpc method threw');
      throw e;
    }
  }

  private async execOne(req: Request, catchErrors: boolean): Promise<Record<string, unknown>> {
    if (!catchErrors) return replyObject(await this.execute(req), null, req);
    try {
      return replyObject(await this.execute(req), null, req);
    } catch (e) {
      return replyObject(null, asErrorObject(e), req);
    }
  }

  /** Handles one HTTP body; never throws. */
  async handle(body: string): Promise<HttpReply> {
    const req = freshRequest();
    try {
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        throw new RpcError(RPC.PARSE_ERROR, 'Parse error');
      }
      if (Array.isArray(value)) return await this.batch(value);
      if (value === null || typeof value !== 'object') throw new RpcError(RPC.PARSE_ERROR, 'Top-level object parse error');
      parseRequest(value, req);
      // Legacy 1.0 failures become HTTP errors; 2.0 answers them inside a 200.
      const reply = await this.execOne(req, req.version === 2);
      if (isNotification(req)) return { status: 204 };
      return { status: 200, body: writeJson(reply) + '\n' };
    } catch (e) {
      const err = asErrorObject(e);
      return { status: httpStatusFor(err.code), body: writeJson(replyObject(null, err, req)) + '\n' };
    }
  }

  /** Batches never fail at the HTTP level; an all-notification (non-empty) batch gets no body. */
  private async batch(items: unknown[]): Promise<HttpReply> {
    const replies: unknown[] = [];
    for (const item of items) {
      const req = freshRequest();
      let reply: Record<string, unknown>;
      try {
        parseRequest(item, req);
        reply = await this.execOne(req, true);
      } catch (e) {
        reply = replyObject(null, asErrorObject(e), req);
      }
      if (!isNotification(req)) replies.push(reply);
    }
    if (replies.length === 0 && items.length > 0) return { status: 204 };
    return { status: 200, body: writeJson(replies) + '\n' };
  }
}
