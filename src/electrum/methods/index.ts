// The method table, by negotiated protocol version: what exists in 1.4, 1.4.2 and 1.6.
import type { MethodDef } from './types.js';
import { serverMethods } from './server.js';
import { headerMethods } from './headers.js';
import { feeMethods } from './fees.js';
import { scripthashMethods } from './scripthash.js';
import { transactionMethods } from './transaction.js';
import { atLeast, type ProtocolVersion } from '../version.js';

export type { MethodDef } from './types.js';

const ALL: readonly MethodDef[] = [...serverMethods, ...headerMethods, ...feeMethods, ...scripthashMethods, ...transactionMethods];

export class MethodTable {
  private readonly byVersion = new Map<string, ReadonlyMap<string, MethodDef>>();

  /** The handlers a session speaking `version` may call (server.version is the session's own). */
  for(version: ProtocolVersion): ReadonlyMap<string, MethodDef> {
    const key = version.join('.');
    let table = this.byVersion.get(key);
    if (!table) {
      const m = new Map<string, MethodDef>();
      for (const d of ALL) {
        if (d.since && !atLeast(version, d.since)) continue;
        if (d.until && atLeast(version, d.until)) continue;
        m.set(d.name, d);
      }
      table = m;
      this.byVersion.set(key, table);
    }
    return table;
  }
}
