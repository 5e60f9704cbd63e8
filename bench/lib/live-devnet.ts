// bench:live's devnet process: a small regtest chain, a pool of confirmed wallet coins, a 50,000-tx
// mempool (devnet_fillmempool's generator), the scripts the sessions watch, and a pool of real
// signed payments to them, all made before the server starts; then, on command, the churn: those
// payments submitted through mempool acceptance (acceptTx: scripts verified, ZMQ 'A' published)
// at a steady rate, and blocks mined as bitcoind would (best fee rate first) at set moments.
// Payments are signed beforehand so that the churn costs devnet what acceptance costs bitcoind,
// not bitcoinjs-lib's signing on top (which would compete with the server for the 2 cores).
import { randomBytes } from 'node:crypto';
import { toDisplayHex } from '../../src/chain/hash.js';
import { parseTx } from '../../src/chain/tx.js';
import { DevnetNode, type OutputKind } from '../../src/devnet/node.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { Rng } from '../../src/devnet/fast/random.js';
import { makeScript, randomKind } from '../../src/devnet/fast/scripts.js';
import { silentLogger } from '../../src/log.js';
import { cpuSeconds, emitEvent, serveCommands } from './serve-ipc.js';
import { electrumScripthash } from './serve-chain-walk.js';
import { monoNow } from './live-clock.js';

export interface LiveDevnetInfo {
  readonly rpcUrl: string;
  readonly zmqUrl: string;
  readonly height: number;
  readonly mempool: number;
  readonly fundSeconds: number;
  readonly fillSeconds: number;
  readonly signSeconds: number;
  /** Per session, the scripthashes it subscribes to. */
  readonly sets: string[][];
  /** The pre-signed payments, in submission order: display txid and the scripthashes paid. */
  readonly pool: Array<{ txid: string; pays: string[] }>;
}

export interface ChurnBlock {
  /** Monotonic ms just before mining started and once the block was connected (ZMQ 'C' queued). */
  readonly startAt: number;
  readonly minedAt: number;
  readonly height: number;
  readonly txs: number;
  /** How many of the block's transactions were churn payments. */
  readonly churn: number;
}

export interface ChurnResult {
  readonly first: number;
  readonly count: number;
  /** Monotonic ms at which each payment was accepted (ZMQ 'A' queued). */
  readonly acceptedAt: Float64Array;
  readonly rejected: number;
  readonly firstReject: string | null;
  readonly blocks: ChurnBlock[];
  /** Most payments submitted in one timer tick (a catch-up burst after a block). */
  readonly maxBurst: number;
  readonly mempool: number;
}

const OUTPUTS_PER_FANOUT = 1800; // ~70 kB: under the 100 kvB standard size
const COIN_VALUE = 60_000;
const COIN_KINDS: readonly OutputKind[] = ['p2wpkh', 'p2wpkh', 'p2tr', 'p2sh-p2wpkh', 'p2pkh'];
const KEYS_PER_KIND = 40;

async function main(): Promise<void> {
  const env = process.env;
  const sessions = Number(env.LIVE_SESSIONS);
  const k = Number(env.LIVE_K);
  const poolSize = Number(env.LIVE_POOL);
  const fillTxs = Number(env.LIVE_FILL);
  const node = await DevnetNode.create({ seed: 'anode-bench-live' });
  const w = node.wallet;
  const rng = new Rng('anode-bench-live');

  // 1. Confirmed wallet coins, one per payment: fan-outs of mature coinbases. Before the fill,
  //    since fund() and generateToScript mine whatever the mempool holds.
  let t0 = performance.now();
  const fanouts = Math.ceil(poolSize / OUTPUTS_PER_FANOUT);
  w.fund(node.coin.coinbaseMaturity + fanouts + 2);
  const coinScripts = COIN_KINDS.flatMap((kind) => Array.from({ length: KEYS_PER_KIND }, (_, i) => w.script(kind, i + 1)));
  const coins: Array<{ txid: Buffer; vout: number }> = [];
  for (let f = 0; f < fanouts; f++) {
    const outs = Array.from({ length: OUTPUTS_PER_FANOUT }, () => ({ script: coinScripts[rng.int(coinScripts.length)]!, value: COIN_VALUE }));
    const txid = w.pay(outs, { confirmedOnly: true, feeRate: 2, changeKind: 'p2wpkh' });
    for (let v = 0; v < OUTPUTS_PER_FANOUT; v++) coins.push({ txid, vout: v });
  }
  const payout = w.script('p2wpkh', 0);
  while (node.mempool().length > 0) node.generateToScript(1, payout);
  const fundSeconds = (performance.now() - t0) / 1000;

  // 2. The 50,000-tx mempool the server will load at start.
  const fill = node.fillMempool(fillTxs);

  // 3. The watched scripts (a realistic type mix, never paid before) and the payments to them.
  //    Payments go round-robin over a shuffled list: a script is paid again only after all the
  //    others, ~30 s later at 200 tx/s, so each notification belongs to one payment.
  t0 = performance.now();
  const scripts = Array.from({ length: sessions * k }, () => makeScript(randomKind(rng), rng));
  const hashes = scripts.map(electrumScripthash);
  const order = scripts.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let next = 0;
  const raws: Buffer[] = [];
  const pool: LiveDevnetInfo['pool'] = [];
  for (let i = 0; i < poolSize; i++) {
    const targets = Array.from({ length: rng.next() < 0.8 ? 1 : 2 }, () => order[next++ % order.length]!);
    // Fee rates skewed low, as the fill's (1-40 sat/vB): blocks take some payments, not all.
    const feeRate = 1 + Math.floor(rng.next() ** 3 * 40);
    const raw = w.createPayment(targets.map((t) => ({ script: scripts[t]!, value: 1_000 + rng.int(4_000) })), { coins: [coins[i]!], feeRate });
    raws.push(raw);
    pool.push({ txid: toDisplayHex(parseTx(raw).txid), pays: targets.map((t) => hashes[t]!) });
  }
  const signSeconds = (performance.now() - t0) / 1000;
  const sets = Array.from({ length: sessions }, (_, s) => hashes.slice(s * k, (s + 1) * k));
  const churnIds = new Set(pool.map((p) => p.txid));

  const rpcUser = 'bench';
  const rpcPassword = randomBytes(12).toString('hex');
  const server = await DevnetServer.start({ node, rpcPort: 0, zmqPort: 0, rpcUser, rpcPassword, log: silentLogger() });
  let used = 0;

  const mine = (blockTxs: number): ChurnBlock => {
    const startAt = monoNow();
    node.generateToScript(1, payout, { maxTxs: blockTxs });
    const minedAt = monoNow();
    const tip = node.tip();
    const churn = tip.block.txs.filter((t) => churnIds.has(toDisplayHex(t.txid))).length;
    return { startAt, minedAt, height: tip.height, txs: tip.txCount - 1, churn };
  };

  serveCommands(
    {
      cpu: () => cpuSeconds(),
      mine: ({ blockTxs }: { blockTxs: number }) => mine(blockTxs),
      /** Submits `seconds * rate` payments at a steady rate, mining a block at each offset of `blocksAt` (s). */
      churn: ({ seconds, rate, blocksAt, blockTxs }: { seconds: number; rate: number; blocksAt: number[]; blockTxs: number }) =>
        new Promise<ChurnResult>((resolve, reject) => {
          const n = Math.round(seconds * rate);
          if (used + n > raws.length) return reject(new Error(`payment pool exhausted: ${used} used, ${n} more asked, ${raws.length} signed (raise LIVE_POOL)`));
          const first = used;
          const acceptedAt = new Float64Array(n);
          const blocks: ChurnBlock[] = [];
          let sent = 0;
          let rejected = 0;
          let firstReject: string | null = null;
          let maxBurst = 0;
          const start = monoNow();
          // A short tick, and the count due computed from the start: a tick delayed by a block
          // (mining blocks this event loop ~1 s) is caught up at once, as a burst.
          const timer = setInterval(() => {
            const elapsed = (monoNow() - start) / 1000;
            if (blocks.length < blocksAt.length && elapsed >= blocksAt[blocks.length]!) blocks.push(mine(blockTxs));
            const due = Math.min(n, Math.floor(elapsed * rate));
            maxBurst = Math.max(maxBurst, due - sent);
            for (; sent < due; sent++) {
              try {
                node.acceptTx(raws[first + sent]!);
              } catch (err) {
                rejected++;
                firstReject ??= (err as Error).message;
              }
              acceptedAt[sent] = monoNow();
            }
            if (sent === n && blocks.length === blocksAt.length) {
              clearInterval(timer);
              used += n;
              resolve({ first, count: n, acceptedAt, rejected, firstReject, blocks, maxBurst, mempool: node.mempool().length });
            }
          }, 2);
        }),
    },
    () => server.stop(),
  );
  const info: LiveDevnetInfo = {
    rpcUrl: server.rpcUrl.replace('://', `://${rpcUser}:${rpcPassword}@`),
    zmqUrl: server.zmqUrl,
    height: node.tipHeight(),
    mempool: node.mempool().length,
    fundSeconds,
    fillSeconds: fill.seconds,
    signSeconds,
    sets,
    pool,
  };
  emitEvent('ready', info);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
