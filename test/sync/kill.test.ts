// Crash safety: a syncer process is SIGKILLed at many random moments (mid-fetch, mid-apply,
// mid-flush) and restarted each time; the index it ends with must be identical to a clean sync.
// Devnet only: it needs a fast chain big enough to be killed a dozen times on the way.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { findCoin } from '../../src/config/coins.js';
import type { DaemonEndpoint } from '../../src/daemon/types.js';
import { indexDigest, openIndex } from '../../src/index/index.js';
import { DevnetNode } from '../../src/devnet/node.js';
import { buildFastChain } from '../../src/devnet/fastchain.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { silentLogger } from '../../src/log.js';
import { syncToTip, TempDirs } from './helpers.js';

const coin = findCoin('Bitcoin', 'regtest');
const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), 'sync-child.js');
const KILLS = 12;
const TXS = Number(process.env.ANODE_KILL_TEST_TXS ?? 80_000);

interface Run {
  readonly killed: boolean;
  readonly code: number | null;
  readonly stderr: string;
}

/** Starts the syncer process; kills it `killAfterMs` after it reports running (null: let it finish). */
function runChild(endpoint: DaemonEndpoint, dir: string, killAfterMs: number | null): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], {
      env: { ...process.env, ANODE_TEST_ENDPOINT: JSON.stringify(endpoint), ANODE_TEST_DB: dir, ANODE_TEST_CACHE_MB: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let killed = false;
    let timer: NodeJS.Timeout | null = null;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (killAfterMs === null || timer || !d.toString().includes('running')) return;
      timer = setTimeout(() => {
        killed = child.kill('SIGKILL');
      }, killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ killed, code, stderr });
    });
  });
}

async function durableHeight(dir: string): Promise<number> {
  try {
    const index = await openIndex(dir, { coin, readOnly: true });
    try {
      return index.state.height;
    } finally {
      await index.close();
    }
  } catch {
    return -1; // killed before the first flush created the database
  }
}

describe('kill -9 at random moments', { skip: Boolean(process.env.BITCOIND) && 'devnet only: needs a fast chain' }, () => {
  let server: DevnetServer;
  let endpoint: DaemonEndpoint;
  const dirs = new TempDirs();

  before(async () => {
    const node = await DevnetNode.create({ seed: 'anode-kill-test' });
    buildFastChain(node, { txCount: TXS, seed: 'anode-kill-test' });
    // Signed blocks on top: real wallet payments after the fast part.
    node.wallet.fund();
    for (let i = 0; i < 5; i++) {
      node.wallet.pay([{ address: node.wallet.address('p2wpkh', i + 1), value: 150_000 + i }]);
      node.wallet.pay([{ address: node.wallet.address('p2pkh', i + 1), value: 250_000 + i }]);
      node.generateToAddress(1, node.wallet.address('p2tr'));
    }
    const rpcUser = 'kill';
    const rpcPassword = randomBytes(8).toString('hex');
    server = await DevnetServer.start({ node, rpcPort: 0, zmqPort: 0, rpcUser, rpcPassword, log: silentLogger() });
    endpoint = { url: server.rpcUrl, user: rpcUser, password: rpcPassword };
  });

  after(async () => {
    await server?.stop();
    dirs.cleanup();
  });

  test(`${KILLS} kills and restarts end with the index of a clean sync`, async (t) => {
    const t0 = performance.now();
    const clean = await syncToTip(endpoint, coin, dirs.make(), { cacheMb: 256 });
    // Kill moments spread so that all the kills fall well inside one whole sync's duration.
    let window = Math.max(50, (performance.now() - t0) / KILLS);
    let kills = 0;
    const heights: number[] = [];
    // Each sequence kills and restarts one index until it completes, then compares it with the clean
    // sync. A sequence that completes before all kills are spent (a fast machine outran the kill
    // window) is still a valid check; the next one kills sooner.
    for (let sequence = 0; kills < KILLS; sequence++) {
      assert.ok(sequence < 10, `only ${kills} kills landed in 10 sequences (heights ${heights.join(', ')})`);
      const dir = dirs.make();
      let lastHeight = -1;
      for (let run = 0; ; run++) {
        assert.ok(run < 200, 'the syncer keeps failing');
        const killAfter = kills < KILLS ? Math.floor(Math.random() * window) : null;
        const result = await runChild(endpoint, dir, killAfter);
        if (result.killed) {
          kills++;
          const h = await durableHeight(dir);
          assert.ok(h >= lastHeight, `a kill lost flushed blocks: height ${h} after ${lastHeight}`);
          // Killed before its first flush: give the next run longer, so kills keep landing mid-sync.
          if (h === lastHeight) window *= 1.5;
          lastHeight = h;
          heights.push(h);
          continue;
        }
        assert.equal(result.code, 0, `syncer failed: ${result.stderr}`);
        break;
      }
      assert.equal(await indexDigest(dir, coin), clean, `index after kills at heights ${heights.join(', ')} differs from a clean sync`);
      window /= 2;
    }
    t.diagnostic(`durable heights after each kill: ${heights.join(', ')}`);
    assert.ok(heights.some((h) => h > 0), 'the syncer made durable progress between kills');
  });
});
