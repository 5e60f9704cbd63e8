// Hash primitives on node:crypto (native, fast). Bitcoin hashes are kept in internal byte order
// everywhere; only display code (RPC, Electrum) reverses them to hex.
import { createHash } from 'node:crypto';

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export function sha256d(data: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

/** Double SHA-256 over several slices, as if they were concatenated (no copy). */
export function sha256dParts(parts: readonly Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return createHash('sha256').update(h.digest()).digest();
}

export function hash160(data: Uint8Array): Buffer {
  return createHash('ripemd160').update(sha256(data)).digest();
}

/** Internal-order hash -> the reversed hex that bitcoind and Electrum print. */
export function toDisplayHex(hash: Uint8Array): string {
  return Buffer.from(hash).reverse().toString('hex');
}

/** Reversed (display) hex -> internal-order bytes. Throws on anything but 64 hex digits. */
export function fromDisplayHex(hex: string): Buffer {
  if (!isHash256Hex(hex)) throw new Error(`not a 32-byte hex hash: ${String(hex).slice(0, 80)}`);
  return Buffer.from(hex, 'hex').reverse();
}

export function isHash256Hex(hex: unknown): hex is string {
  return typeof hex === 'string' && hex.length === 64 && /^[0-9a-fA-F]{64}$/.test(hex);
}
