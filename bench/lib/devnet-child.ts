// Benchmark helper process: builds devnet's fast chain and serves it over real RPC, so the
// syncer under test does not share an event loop with the node. Reports over IPC when ready and
// serves until its parent disconnects or sends 'stop'.
import { randomBytes } from 'node:crypto';
import { DevnetNode } from '../../src/devnet/node.js';
import { buildFastChain } from '../../src/devnet/fastchain.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { silentLogger } from '../../src/log.js';

export interface DevnetReady {
  readonly type: 'ready';
  readonly rpcUrl: string;
  readonly rpcUser: string;
  readonly rpcPassword: string;
  readonly height: number;
  readonly txCount: number;
  readonly buildSeconds: number;
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/lib/devnet-child: run me with child_process.fork');
  const txCount = Number(process.env.BENCH_TXS ?? 2_000_000);
  const t0 = performance.now();
  const node = await DevnetNode.create({ seed: 'anode-bench-sync' });
  let before = 0;
  for (let h = 0; h <= node.tipHeight(); h++) before += node.block(node.blockHash(h)!)!.block.txs.length;
  const built = buildFastChain(node, { txCount, seed: 'anode-bench-sync' });
  const buildSeconds = (performance.now() - t0) / 1000;
  const rpcUser = 'bench';
  const rpcPassword = randomBytes(12).toString('hex');
  const server = await DevnetServer.start({ node, rpcPort: 0, zmqPort: 0, rpcUser, rpcPassword, log: silentLogger() });
  const total = before + built.txs;
  const ready: DevnetReady = { type: 'ready', rpcUrl: server.rpcUrl, rpcUser, rpcPassword, height: node.tipHeight(), txCount: total, buildSeconds };
  process.send(ready);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('message', (m) => {
    if (m === 'stop') void stop();
    // CPU seconds used so far, so the bench can show what serving the blocks cost.
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ type: 'cpu', seconds: (u.user + u.system) / 1e6 });
    }
  });
  process.on('disconnect', () => void stop());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
