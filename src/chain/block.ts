// Whole serialized blocks.
import { ByteReader } from './bytes.js';
import { HEADER_SIZE, parseHeader, type Header } from './header.js';
import { readTx, type Tx } from './tx.js';

export interface Block {
  readonly header: Header;
  readonly txs: readonly Tx[];
  readonly size: number;
  /** The serialized block. */
  readonly raw: Buffer;
}

export function parseBlock(raw: Buffer): Block {
  const header = parseHeader(raw);
  const r = new ByteReader(raw, HEADER_SIZE);
  const n = r.varint();
  if (n === 0 || n > r.remaining / 60 + 1) throw new RangeError(`implausible transaction count ${n}`);
  const txs: Tx[] = new Array(n);
  for (let i = 0; i < n; i++) txs[i] = readTx(r);
  if (r.remaining !== 0) throw new RangeError(`${r.remaining} trailing bytes after block`);
  return { header, txs, size: raw.length, raw };
}
