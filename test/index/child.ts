// Child process for the cross-process tests (not a test file itself).
//   node child.js write <dir> <blocks> <seed>  : applies a random chain, flushing every 2 blocks,
//                                               printing "flushed <height>" after each flush
//   node child.js read <dir>                   : opens readOnly, prints "<height> <digest>"
import { openIndex, indexDigest } from '../../src/index/index.js';
import { extendChain, regtestGenesis } from './chain-builder.js';
import { REGTEST } from './helpers.js';
import { prepareBlock } from '../../src/index/prepared-block.js';

const [mode, dir, nArg, seedArg] = process.argv.slice(2);
if (mode === 'write') {
  const blocks = extendChain([regtestGenesis()], Number(nArg), Number(seedArg), { maxTxs: 60, scripts: 200 });
  const idx = await openIndex(dir!, { coin: REGTEST });
  for (let h = idx.state.height + 1; h < blocks.length; h++) {
    await idx.writer!.applyBlock(prepareBlock(blocks[h]!.raw), h, true);
    if (h % 2 === 1) {
      await idx.writer!.flush();
      process.stdout.write(`flushed ${h}\n`);
    }
  }
  await idx.writer!.flush();
  process.stdout.write('done\n');
  await idx.close();
} else if (mode === 'read') {
  const idx = await openIndex(dir!, { coin: REGTEST, readOnly: true });
  process.stdout.write(`${idx.state.height} ${await indexDigest(idx)}\n`);
  await idx.close();
}
