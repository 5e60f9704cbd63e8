// Incoming JSON-RPC messages, parsed and checked once into typed items. The JSON-RPC flavour of a
// session is decided by its first message that parses, as aiorpcx does: "jsonrpc":"2.0" makes it
// strict 2.0, "jsonrpc":"1.0" makes it 1.0 (ids required, positional params, no batches), and a
// message without the member makes it loose (2.0 answers, the member never checked again).
import { ErrorCode, RpcError, shown } from '../errors.js';
import { reviveNaN, scanMessage, standardJson } from './scan.js';

export type Flavour = 'v2' | 'v1' | 'loose';

/** An id as it goes back on the wire: its JSON text exactly as the client wrote it. */
export type WireId = string;
export const NULL_ID: WireId = 'null';

export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

export type Item =
  | { readonly kind: 'request'; readonly id: WireId; readonly method: string; readonly params: Params }
  | { readonly kind: 'notification'; readonly method: string; readonly params: Params }
  | { readonly kind: 'invalid'; readonly id: WireId; readonly error: RpcError };

export type Incoming =
  | { readonly kind: 'single'; readonly item: Item }
  | { readonly kind: 'batch'; readonly items: readonly Item[] }
  /** Not a message at all: answered with this error and a null id. */
  | { readonly kind: 'unreadable'; readonly error: RpcError };

export interface Parsed {
  readonly incoming: Incoming;
  /** The session's flavour after this message (set by the first message that parses). */
  readonly flavour: Flavour | null;
}

export function parseMessage(text: string, flavour: Flavour | null, maxBatch: number): Parsed {
  const scan = scanMessage(text);
  if (scan.problem !== null) return { incoming: { kind: 'unreadable', error: new RpcError(ErrorCode.PARSE_ERROR, `invalid JSON: ${scan.problem}`) }, flavour };
  let payload: unknown;
  try {
    if (scan.nonStandard.length === 0) payload = JSON.parse(text);
    else {
      const std = standardJson(text, scan.nonStandard);
      payload = std.hasNaN ? JSON.parse(std.text, reviveNaN) : JSON.parse(std.text);
    }
  } catch {
    return { incoming: { kind: 'unreadable', error: new RpcError(ErrorCode.PARSE_ERROR, 'invalid JSON') }, flavour };
  }
  const f = flavour ?? detectFlavour(payload);
  if (Array.isArray(payload)) {
    if (f === 'v1') return { incoming: { kind: 'unreadable', error: notADictionary() }, flavour: f };
    if (payload.length === 0) return { incoming: { kind: 'unreadable', error: new RpcError(ErrorCode.INVALID_REQUEST, 'batch is empty') }, flavour: f };
    if (payload.length > maxBatch) {
      return { incoming: { kind: 'unreadable', error: new RpcError(ErrorCode.INVALID_REQUEST, `batch of ${payload.length} requests is over the limit of ${maxBatch}`) }, flavour: f };
    }
    const items = payload.map((p, i) => toItem(p, scan.numericIds.get(i), f));
    return { incoming: { kind: 'batch', items }, flavour: f };
  }
  return { incoming: { kind: 'single', item: toItem(payload, scan.numericIds.get(0), f) }, flavour: f };
}

function detectFlavour(payload: unknown): Flavour {
  const one = (p: unknown): Flavour => {
    if (p === null || typeof p !== 'object' || Array.isArray(p)) return 'loose';
    const v = (p as Record<string, unknown>).jsonrpc;
    return v === '2.0' ? 'v2' : v === '1.0' ? 'v1' : 'loose';
  };
  if (!Array.isArray(payload)) return one(payload);
  const kinds = new Set(payload.map(one));
  if (kinds.size === 1) return [...kinds][0]!;
  return kinds.has('v2') ? 'v2' : kinds.has('v1') ? 'v1' : 'loose';
}

function notADictionary(): RpcError {
  return new RpcError(ErrorCode.INVALID_REQUEST, 'request object must be a dictionary');
}

function toItem(p: unknown, rawNumericId: string | undefined, flavour: Flavour): Item {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return { kind: 'invalid', id: NULL_ID, error: notADictionary() };
  const msg = p as Record<string, unknown>;
  const hasId = Object.prototype.hasOwnProperty.call(msg, 'id');
  const rawId = msg.id;
  let id: WireId = NULL_ID;
  if (flavour === 'v1') {
    if (!hasId) return { kind: 'invalid', id: NULL_ID, error: new RpcError(ErrorCode.INVALID_REQUEST, 'request has no "id"') };
    id = wireId(rawId, rawNumericId);
  } else {
    if (hasId && !(rawId === null || typeof rawId === 'string' || typeof rawId === 'number' || typeof rawId === 'boolean')) {
      return { kind: 'invalid', id: NULL_ID, error: new RpcError(ErrorCode.INVALID_REQUEST, `invalid "id": ${shown(rawId)}`) };
    }
    if (hasId) id = wireId(rawId, rawNumericId);
    if (flavour === 'v2' && msg.jsonrpc !== '2.0') return { kind: 'invalid', id, error: new RpcError(ErrorCode.INVALID_REQUEST, '"jsonrpc" is not "2.0"') };
  }
  const hasParams = Object.prototype.hasOwnProperty.call(msg, 'params');
  const params = msg.params;
  if (flavour === 'v1' ? !Array.isArray(params) : hasParams && (params === null || typeof params !== 'object')) {
    return { kind: 'invalid', id, error: new RpcError(ErrorCode.INVALID_PARAMS, `invalid request arguments: ${shown(params)}`) };
  }
  if (!Object.prototype.hasOwnProperty.call(msg, 'method')) {
    // aiorpcx takes this for a response to a request it never sent and stays silent; we say so.
    return { kind: 'invalid', id, error: new RpcError(ErrorCode.INVALID_REQUEST, 'request has no "method"') };
  }
  if (typeof msg.method !== 'string') return { kind: 'invalid', id, error: new RpcError(ErrorCode.METHOD_NOT_FOUND, 'method must be a string') };
  const args: Params = hasParams ? (params as Params) : [];
  // A null (or, in 2.0, absent) id is a notification: never answered.
  if (id === NULL_ID) return { kind: 'notification', method: msg.method, params: args };
  return { kind: 'request', id, method: msg.method, params: args };
}

function wireId(value: unknown, rawNumeric: string | undefined): WireId {
  if (typeof value === 'number' && rawNumeric !== undefined) return rawNumeric;
  if (value === undefined) return NULL_ID;
  return JSON.stringify(value);
}
