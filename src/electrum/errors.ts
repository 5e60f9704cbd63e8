// Errors a session answers with: JSON-RPC's own codes and the Electrum protocol's, with messages
// worded as ElectrumX 1.20 (and its aiorpcx 0.25) words them, so clients that match on them keep
// working. Input echoed in a message is cut to ECHO_LIMIT characters: a 1 MB request must not get
// a 1 MB error back.

export const ErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** aiorpcx: the request took longer than REQUEST_TIMEOUT. */
  SERVER_BUSY: -102,
  /** ElectrumX: bad parameters, rejected transaction, unsupported version, history too large. */
  BAD_REQUEST: 1,
  /** ElectrumX: the daemon failed or refused a request made on the client's behalf. */
  DAEMON_ERROR: 2,
} as const;

/** An error answer; throw it from a handler and the session sends it for that request. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const ECHO_LIMIT = 100;

/** A value as ElectrumX's messages show it (Python's str()), cut to ECHO_LIMIT characters. */
export function shown(value: unknown): string {
  const text = pyStr(value, 0);
  return text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT)}...` : text;
}

function pyStr(value: unknown, depth: number): string {
  if (typeof value === 'string') return depth === 0 ? value : pyQuote(value);
  return pyRepr(value, depth);
}

function pyQuote(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + s.replace(/\\/g, '\\\\').replace(new RegExp(q, 'g'), `\\${q}`).replace(/\n/g, '\\n') + q;
}

function pyRepr(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return String(value);
  }
  if (typeof value === 'string') return pyQuote(value);
  // Deep structures are summarised: the message only needs to say what kind of thing came.
  if (depth > 3) return '...';
  if (Array.isArray(value)) {
    const parts: string[] = [];
    let len = 0;
    for (const v of value) {
      const p = pyStr(v, depth + 1);
      parts.push(p);
      len += p.length + 2;
      if (len > ECHO_LIMIT) break;
    }
    return `[${parts.join(', ')}${parts.length < value.length ? ', ...' : ''}]`;
  }
  if (typeof value === 'object') {
    const parts: string[] = [];
    let len = 0;
    const entries = Object.entries(value as object);
    for (const [k, v] of entries) {
      const p = `${pyQuote(k)}: ${pyStr(v, depth + 1)}`;
      parts.push(p);
      len += p.length + 2;
      if (len > ECHO_LIMIT) break;
    }
    return `{${parts.join(', ')}${parts.length < entries.length ? ', ...' : ''}}`;
  }
  return String(value);
}

/** Python's '{:,d}': 1,234,567. */
export function grouped(n: number): string {
  return Math.trunc(n).toLocaleString('en-US');
}

/** aiorpcx's -32600 for an answer over MAX_SEND (its text lacks the closing parenthesis; ours has it). */
export function responseTooLarge(maxSend: number): RpcError {
  return new RpcError(ErrorCode.INVALID_REQUEST, `response too large (over ${grouped(maxSend)} bytes)`);
}
