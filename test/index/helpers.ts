// Shared test plumbing: temp dirs, opening indexes, applying chains.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Block } from '../../src/chain/block.js';
import { findCoin, type CoinParams } from '../../src/config/coins.js';
import { openIndex, type AnodeIndex } from '../../src/index/index.js';
import { prepareBlock } from '../../src/index/prepared-block.js';

export const REGTEST: CoinParams = findCoin('Bitcoin', 'regtest');

export class TempDirs {
  private readonly dirs: string[] = [];
  make(tag = 'anode-index-'): string {
    const d = mkdtempSync(join(tmpdir(), tag));
    this.dirs.push(d);
    return d;
  }
  cleanup(): void {
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** Applies blocks[from..to) (heights = array indexes), flushing every `flushEvery` blocks and at the end. */
export async function applyRange(idx: AnodeIndex, blocks: readonly Block[], from: number, to: number, opts: { flushEvery?: number; keepUndo?: boolean } = {}): Promise<void> {
  const w = idx.writer!;
  for (let h = from; h < to; h++) {
    await w.applyBlock(prepareBlock(blocks[h]!.raw), h, opts.keepUndo ?? true);
    if (opts.flushEvery && (h - from + 1) % opts.flushEvery === 0) await w.flush();
  }
  await w.flush();
}

/** A fresh index holding exactly `blocks`, applied in one go: the reference for digests. */
export async function cleanIndex(dirs: TempDirs, blocks: readonly Block[], coin: CoinParams = REGTEST): Promise<AnodeIndex> {
  const idx = await openIndex(dirs.make(), { coin });
  await applyRange(idx, blocks, 0, blocks.length, { keepUndo: false });
  return idx;
}
