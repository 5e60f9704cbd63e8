// Method signatures and bitcoind's argument checks (RPCHelpMan::HandleRequest): argument count,
// named arguments, "Wrong type passed" type errors, hashes and hex as ParseHashV/ParseHexV check them.
import { RpcError, RPC } from './errors.js';
import type { RpcContext } from './context.js';

/** RPCArg::Type as the type check sees it; 'any' skips the check (skip_type_check). */
export type ArgType = 'number' | 'string' | 'boolean' | 'array' | 'object' | 'amount' | 'any';

export interface ArgSpec {
  /** Names as Core lists them, aliases joined by '|' (e.g. "verbosity|verbose"). */
  readonly names: string;
  readonly type: ArgType;
  readonly optional?: boolean;
}

export interface MethodSpec {
  readonly name: string;
  readonly args: readonly ArgSpec[];
  /** One line for the usage text returned on a wrong argument count. */
  readonly summary: string;
  run(ctx: RpcContext, params: readonly unknown[]): unknown;
}

function uvTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? 'number' : 'string';
}

function matches(type: ArgType, v: unknown): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'amount':
      return typeof v === 'number' || typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      return typeof v === type;
  }
}

const expectedName: Record<ArgType, string> = {
  number: 'number', string: 'string', boolean: 'bool', array: 'array', object: 'object', amount: 'number', any: 'any',
};

/** Core's help first line: string arguments quoted, optional ones in parentheses. */
export function usage(spec: MethodSpec): string {
  const args = spec.args.map((a) => {
    const name = a.names.split('|')[0]!;
    const shown = a.type === 'string' ? `"${name}"` : name;
    return a.optional ? `( ${shown} )` : shown;
  });
  return `${[spec.name, ...args].join(' ')}\n\n${spec.summary}\n`;
}

/** Named parameters ({"height": 3}) to positions, as transformNamedArguments does. */
function positional(spec: MethodSpec, params: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  for (const [key, value] of Object.entries(params)) {
    const pos = spec.args.findIndex((a) => a.names.split('|').includes(key));
    if (pos < 0) throw new RpcError(RPC.INVALID_PARAMETER, `Unknown named parameter ${key}`);
    out[pos] = value;
  }
  for (let i = 0; i < out.length; i++) if (out[i] === undefined) out[i] = null;
  return out;
}

/** Checks count and types; returns the positional parameters. */
export function checkParams(spec: MethodSpec, raw: unknown[] | Record<string, unknown>): unknown[] {
  const params = Array.isArray(raw) ? raw : positional(spec, raw);
  let required = 0;
  for (let n = spec.args.length; n > 0; n--) {
    if (!spec.args[n - 1]!.optional) {
      required = n;
      break;
    }
  }
  if (params.length < required || params.length > spec.args.length) throw new RpcError(RPC.MISC_ERROR, usage(spec));
  const mismatch: Record<string, string> = {};
  spec.args.forEach((arg, i) => {
    const v = params[i];
    if (arg.type === 'any' || (arg.optional && (v === null || v === undefined))) return;
    if (!matches(arg.type, v)) {
      mismatch[`Position ${i + 1} (${arg.names})`] = `JSON value of type ${uvTypeName(v)} is not of expected type ${expectedName[arg.type]}`;
    }
  });
  if (Object.keys(mismatch).length > 0) {
    throw new RpcError(RPC.TYPE_ERROR, `Wrong type passed:\n${JSON.stringify(mismatch, null, 4)}`);
  }
  return params;
}

/** An optional parameter: null/absent means the default. */
export function opt<T>(params: readonly unknown[], i: number, fallback: T): T {
  const v = params[i];
  return v === null || v === undefined ? fallback : (v as T);
}

/** UniValue::getInt: a number that is not an integer is a runtime error (-1). */
export function int(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new RpcError(RPC.MISC_ERROR, 'JSON integer out of range');
  return v;
}

/** ParseHashV: a 32-byte hash in display hex -> internal order. */
export function hashParam(v: unknown, name: string): Buffer {
  const hex = String(v);
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return Buffer.from(hex, 'hex').reverse();
  if (hex.length !== 64) throw new RpcError(RPC.INVALID_PARAMETER, `${name} must be of length 64 (not ${hex.length}, for '${hex}')`);
  throw new RpcError(RPC.INVALID_PARAMETER, `${name} must be hexadecimal string (not '${hex}')`);
}

export function isHex(s: string): boolean {
  return s.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(s);
}

/** Core's ParseVerbosity: a number, or a bool meaning 1/0 (getblock, getrawtransaction). */
export function verbosity(v: unknown, fallback: number, allowBool: boolean): number {
  if (v === null || v === undefined) return fallback;
  if (typeof v === 'boolean') {
    if (!allowBool) throw new RpcError(RPC.TYPE_ERROR, 'Verbosity was boolean but only integer allowed');
    return v ? 1 : 0;
  }
  if (typeof v !== 'number') throw new RpcError(RPC.TYPE_ERROR, `JSON value of type ${uvTypeName(v)} is not of expected type number`);
  return int(v);
}
