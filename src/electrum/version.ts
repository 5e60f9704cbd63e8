// Protocol version negotiation, as ElectrumX does it (lib/util.py protocol_version): versions are
// tuples compared element by element, a shorter prefix being smaller, so (1, 6) < (1, 6, 0). The
// client sends one version or [min, max]; we answer the highest common one, spelled as computed.

export type ProtocolVersion = readonly number[];

export const PROTOCOL_MIN: ProtocolVersion = [1, 4];
export const PROTOCOL_MAX: ProtocolVersion = [1, 6, 0];

export function compareVersions(a: ProtocolVersion, b: ProtocolVersion): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}

export function atLeast(v: ProtocolVersion, min: ProtocolVersion): boolean {
  return compareVersions(v, min) >= 0;
}

/** "1.4" -> [1, 4]; anything that is not dotted integers -> [0]. */
export function parseVersion(s: unknown): ProtocolVersion {
  if (typeof s !== 'string') return [0];
  const parts = s.split('.');
  const out: number[] = [];
  for (const p of parts) {
    const t = p.trim();
    if (!/^[+-]?\d+$/.test(t)) return [0];
    out.push(Number(t));
  }
  return out;
}

/** [1, 4] -> "1.4"; always at least one dot. */
export function versionString(v: ProtocolVersion): string {
  const parts = [...v];
  while (parts.length < 2) parts.push(0);
  return parts.join('.');
}

/** One shared array per version spoken: sessions hold it, and there are few distinct ones. */
const interned = new Map<string, ProtocolVersion>();

function intern(v: ProtocolVersion): ProtocolVersion {
  const key = v.join('.');
  let shared = interned.get(key);
  if (!shared) {
    shared = Object.freeze([...v]);
    if (interned.size < 64) interned.set(key, shared);
  }
  return shared;
}

/** The version to speak with a client that asked for `requested` (a string or [min, max]); null if none. */
export function negotiate(requested: unknown, min = PROTOCOL_MIN, max = PROTOCOL_MAX): ProtocolVersion | null {
  let clientMin: ProtocolVersion;
  let clientMax: ProtocolVersion;
  if (requested === undefined || requested === null) {
    clientMin = clientMax = min;
  } else if (Array.isArray(requested) && requested.length === 2) {
    clientMin = parseVersion(requested[0]);
    clientMax = parseVersion(requested[1]);
  } else {
    clientMin = clientMax = parseVersion(requested);
  }
  const result = compareVersions(clientMax, max) < 0 ? clientMax : max;
  const floor = compareVersions(clientMin, min) > 0 ? clientMin : min;
  if (compareVersions(result, floor) < 0 || compareVersions(result, [0]) === 0) return null;
  return intern(result);
}
