// Shared pieces of the sync tests: temp index dirs, one-shot syncs, and the comparison of an
// index's answers with the chain model.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoinParams } from '../../src/config/coins.js';
import { DaemonPool } from '../../src/daemon/pool.js';
import type { DaemonEndpoint } from '../../src/daemon/types.js';
import { indexDigest, openIndex } from '../../src/index/index.js';
import type { IndexReader } from '../../src/index/types.js';
import { toDisplayHex } from '../../src/chain/hash.js';
import { Syncer, type SyncerOptions } from '../../src/sync/syncer.js';
import type { ChainModel } from './chain-model.js';

export class TempDirs {
  private readonly dirs: string[] = [];
  make(prefix = 'anode-sync-test-'): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }
  cleanup(): void {
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    this.dirs.length = 0;
  }
}

export type SyncTweaks = Partial<Omit<SyncerOptions, 'daemon' | 'reader' | 'writer' | 'coin'>>;

/** Syncs `dir` up to the daemon's tip (follow: false) and closes everything; returns the index digest. */
export async function syncToTip(endpoint: DaemonEndpoint, coin: CoinParams, dir: string, tweaks: SyncTweaks = {}): Promise<string> {
  const daemon = new DaemonPool([endpoint], { retryForMs: 20_000 });
  const index = await openIndex(dir, { coin });
  try {
    const syncer = new Syncer({
      daemon,
      reader: index.reader,
      writer: index.writer!,
      coin,
      reorgLimit: coin.reorgLimit,
      cacheMb: 64,
      pollMs: 100,
      follow: false,
      ...tweaks,
    });
    await syncer.run();
  } finally {
    daemon.close();
    await index.close();
  }
  return indexDigest(dir, coin);
}

/** Asserts that the index answers exactly what the chain model says, for every script it saw. */
export async function assertIndexMatchesChain(reader: IndexReader, model: ChainModel): Promise<void> {
  const tip = await reader.tip();
  assert.ok(tip, 'index is empty');
  assert.equal(tip.height, model.height, 'index height');
  assert.equal(toDisplayHex(tip.hash), model.tipHash, 'index tip hash');
  for (const [sh, history] of model.history) {
    const scriptHash = Buffer.from(sh, 'hex');
    const got = await reader.getHistory(scriptHash);
    assert.deepEqual(
      got.map((h) => ({ height: h.height, txid: toDisplayHex(h.txid) })),
      history,
      `history of scripthash ${sh}`,
    );
    const utxos = await reader.getUtxos(scriptHash);
    assert.deepEqual(
      utxos.map((u) => ({ txid: toDisplayHex(u.txid), vout: u.vout, height: u.height, value: u.value })),
      model.utxos.get(sh) ?? [],
      `utxos of scripthash ${sh}`,
    );
    assert.equal(await reader.getBalance(scriptHash), model.balance.get(sh) ?? 0, `balance of scripthash ${sh}`);
  }
  for (let h = 0; h <= model.height; h++) {
    const txids = await reader.getBlockTxids(h);
    assert.deepEqual(txids?.map((t) => toDisplayHex(t)), model.blocks[h]!.txs.map((t) => toDisplayHex(t.txid)), `txids of block ${h}`);
  }
}
