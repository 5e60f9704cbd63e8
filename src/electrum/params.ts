// Parameters, checked once at the boundary into typed values. Arity and named-parameter errors are
// worded as aiorpcx words them; value errors as ElectrumX's validators do (code 1). Anode is
// stricter than ElectrumX about types: a height must be a JSON integer (ElectrumX runs int() on
// whatever comes, so 1.5 is 1 and "5" is 5), a scripthash or tx hash exactly 64 hex digits.
import { ErrorCode, RpcError, shown } from './errors.js';
import type { Params } from './jsonrpc/message.js';

export interface ParamSpec {
  readonly name: string;
  readonly optional?: boolean;
}

export interface Signature {
  readonly params: readonly ParamSpec[];
  /** Extra positional or named arguments are accepted and ignored (server.version in 1.6). */
  readonly extraIgnored?: boolean;
}

/** Positional arguments in declared order (undefined for an optional one left out). */
export function bindArgs(method: string, sig: Signature, params: Params): unknown[] {
  const specs = sig.params;
  const required = specs.filter((p) => !p.optional).length;
  if (Array.isArray(params)) {
    const n = params.length;
    const s = n === 1 ? '' : 's';
    if (n < required) throw new RpcError(ErrorCode.INVALID_PARAMS, `${n} argument${s} passed to method "${method}" but it requires ${required}`);
    if (n > specs.length && !sig.extraIgnored) throw new RpcError(ErrorCode.INVALID_PARAMS, `${n} argument${s} passed to method ${method} taking at most ${specs.length}`);
    return specs.map((_, i) => params[i]);
  }
  const named = params as Readonly<Record<string, unknown>>;
  const given = Object.keys(named);
  const missing = specs.filter((p) => !p.optional && !given.includes(p.name)).map((p) => `"${p.name}"`).sort();
  if (missing.length > 0) {
    throw new RpcError(ErrorCode.INVALID_PARAMS, `method "${method}" requires parameter${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);
  }
  if (!sig.extraIgnored) {
    const excess = given.filter((g) => !specs.some((p) => p.name === g)).map((g) => `"${shown(g)}"`).sort();
    if (excess.length > 0) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, `method "${method}" does not take parameter${excess.length === 1 ? '' : 's'} ${excess.join(', ')}`);
    }
  }
  return specs.map((p) => (Object.prototype.hasOwnProperty.call(named, p.name) ? named[p.name] : undefined));
}

function bad(message: string): RpcError {
  return new RpcError(ErrorCode.BAD_REQUEST, message);
}

const HEX64 = /^[0-9a-fA-F]{64}$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** A height, count or position: a JSON integer from 0 up. */
export function nonNegativeInteger(value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw bad(`${shown(value)} should be a non-negative integer`);
}

/** An Electrum scripthash (64 hex digits, display order) -> internal-order sha256 bytes. */
export function scriptHashParam(value: unknown): Buffer {
  if (typeof value === 'string' && HEX64.test(value)) return Buffer.from(value, 'hex').reverse();
  throw bad(`${shown(value)} is not a valid script hash`);
}

/** A txid (64 hex digits, display order) -> internal-order bytes. */
export function txHashParam(value: unknown): Buffer {
  if (typeof value === 'string' && HEX64.test(value)) return Buffer.from(value, 'hex').reverse();
  throw bad(`${shown(value)} should be a transaction hash`);
}

/** Hex text of whole bytes (a raw transaction). */
export function hexParam(value: unknown): string {
  if (typeof value === 'string' && HEX.test(value)) return value;
  throw bad(`${shown(value)} should be a hex string`);
}

/** A flag: true/false, or 0/1 as ElectrumX also takes them. */
export function booleanParam(value: unknown, name: string, fallback = false): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  throw bad(`"${name}" must be a boolean`);
}

export function listParam(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  throw bad(`${shown(value)} should be a list`);
}
