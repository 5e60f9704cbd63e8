// A method as the dispatcher knows it: its name, signature, the protocol versions it exists in,
// and its handler, which gets arguments already bound to the signature (validated inside, once).
import type { Call } from '../context.js';
import type { Signature } from '../params.js';
import type { ProtocolVersion } from '../version.js';

export interface MethodDef {
  readonly name: string;
  readonly sig: Signature;
  /** First protocol version that has it. */
  readonly since?: ProtocolVersion;
  /** First protocol version that no longer has it. */
  readonly until?: ProtocolVersion;
  run(call: Call, args: readonly unknown[]): unknown;
}

export const p = (name: string, optional = false) => ({ name, optional });
