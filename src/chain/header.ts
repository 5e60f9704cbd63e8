// 80-byte block headers.
import { sha256d, toDisplayHex } from './hash.js';

export const HEADER_SIZE = 80;

export interface Header {
  readonly version: number;
  /** Internal byte order. */
  readonly prevHash: Buffer;
  readonly merkleRoot: Buffer;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
  /** Internal byte order. */
  readonly hash: Buffer;
  readonly raw: Buffer;
}

export function parseHeader(raw: Buffer): Header {
  if (raw.length < HEADER_SIZE) throw new RangeError(`header needs ${HEADER_SIZE} bytes, got ${raw.length}`);
  const h = raw.subarray(0, HEADER_SIZE);
  return {
    version: h.readInt32LE(0),
    prevHash: h.subarray(4, 36),
    merkleRoot: h.subarray(36, 68),
    time: h.readUInt32LE(68),
    bits: h.readUInt32LE(72),
    nonce: h.readUInt32LE(76),
    hash: sha256d(h),
    raw: h,
  };
}

export function headerHash(raw: Uint8Array): Buffer {
  return sha256d(raw.subarray(0, HEADER_SIZE));
}

/** The target that compact `bits` encodes, as a bigint. */
export function bitsToTarget(bits: number): bigint {
  const exponent = bits >>> 24;
  const mantissa = BigInt(bits & 0x007fffff);
  if (bits & 0x00800000) return 0n; // negative targets are invalid
  return exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
}

/** Whether the hash (internal order = little-endian number) meets the target in `bits`. */
export function meetsTarget(hash: Uint8Array, bits: number): boolean {
  const value = BigInt('0x' + toDisplayHex(hash));
  return value <= bitsToTarget(bits);
}

/** Chain work of one block with these bits: 2^256 / (target + 1). */
export function blockWork(bits: number): bigint {
  const target = bitsToTarget(bits);
  return target === 0n ? 0n : (1n << 256n) / (target + 1n);
}
