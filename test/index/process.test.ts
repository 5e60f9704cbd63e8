// Across processes: a writer killed with SIGKILL at a random moment leaves exactly some flush,
// and a readOnly reader in another process works beside a live writer.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openIndex, indexDigest } from '../../src/index/index.js';
import { extendChain, regtestGenesis } from './chain-builder.js';
import { REGTEST, TempDirs, applyRange, cleanIndex } from './helpers.js';
import { prepareBlock } from '../../src/index/prepared-block.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const run = promisify(execFile);

describe('index across processes', () => {
  const dirs = new TempDirs();
  after(() => dirs.cleanup());

  test('SIGKILL during sync leaves a complete flush; reopening resumes to a clean result', async () => {
    const N = 120;
    const seed = 5;
    const blocks = extendChain([regtestGenesis()], N, seed, { maxTxs: 60, scripts: 200 });
    const dir = dirs.make();
    for (const killAfter of [3, 17]) {
      const child = spawn(process.execPath, [CHILD, 'write', dir, String(N), String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let lastFlushed = -1;
      let seen = 0;
      await new Promise<void>((resolve) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          for (const line of chunk.split('\n')) {
            const m = /^flushed (\d+)/.exec(line);
            if (!m) continue;
            lastFlushed = Number(m[1]);
            // Kill while the next blocks are being applied/flushed, not at a quiet point.
            if (++seen === killAfter) child.kill('SIGKILL');
          }
        });
        child.on('exit', () => resolve());
      });
      assert.ok(lastFlushed >= 0);
      const idx = await openIndex(dir, { coin: REGTEST });
      const h = idx.state.height;
      assert.ok(h >= lastFlushed, `durable height ${h} is behind the reported flush ${lastFlushed}`);
      assert.equal(h % 2, 1, 'only whole flushes are visible');
      const clean = await cleanIndex(dirs, blocks.slice(0, h + 1));
      assert.equal(await indexDigest(idx), await indexDigest(clean));
      await Promise.all([idx.close(), clean.close()]);
    }
    // Let the writer finish from where it stopped.
    await run(process.execPath, [CHILD, 'write', dir, String(N), String(seed)]);
    const idx = await openIndex(dir, { coin: REGTEST, readOnly: true });
    const clean = await cleanIndex(dirs, blocks);
    assert.equal(await indexDigest(idx), await indexDigest(clean));
    await Promise.all([idx.close(), clean.close()]);
  });

  test('readOnly from another process while this one writes', async () => {
    const blocks = extendChain([regtestGenesis()], 20, 3);
    const dir = dirs.make();
    const idx = await openIndex(dir, { coin: REGTEST });
    await applyRange(idx, blocks, 0, 10);
    // Unflushed work is invisible to the other process.
    await idx.writer!.applyBlock(prepareBlock(blocks[10]!.raw), 10, true);
    const { stdout } = await run(process.execPath, [CHILD, 'read', dir]);
    const [height, digest] = stdout.trim().split(' ');
    assert.equal(Number(height), 9);
    assert.equal(digest, await indexDigest(idx));
    await idx.writer!.flush();
    const again = (await run(process.execPath, [CHILD, 'read', dir])).stdout.trim().split(' ');
    assert.equal(Number(again[0]), 10);
    assert.equal(again[1], await indexDigest(idx));
    await idx.close();
  });
});
