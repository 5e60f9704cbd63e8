// bench:serve's devnet process: builds the fast chain, serves it over RPC + ZMQ, and on the
// orchestrator's commands picks wallet-like scripthashes, mines the block that pays 10,000 of
// them (scenario d) and fills the mempool (scenario e). Its own process, so that its CPU is
// counted apart from the server's and the load generator's.
import { randomBytes } from 'node:crypto';
import { DevnetNode } from '../../src/devnet/node.js';
import { buildFastChain } from '../../src/devnet/fastchain.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { silentLogger } from '../../src/log.js';
import { absNow, cpuSeconds, emitEvent, serveCommands } from './serve-ipc.js';
import { electrumScripthash, walkChain } from './serve-chain-walk.js';

export interface DevnetInfo {
  readonly rpcUrl: string;
  readonly rpcUser: string;
  readonly rpcPassword: string;
  readonly zmqUrl: string;
  readonly height: number;
  readonly txCount: number;
  readonly buildSeconds: number;
  readonly walkSeconds: number;
  readonly heavyShare: number;
  readonly heavy: Array<{ scripthash: string; entries: number }>;
  readonly available: { single: number; few: number };
}

export interface PickedScripts {
  readonly single: string[];
  readonly few: string[];
}

/** Outputs per payment tx: 1,000 outputs of up to 43 bytes stay under the 100 kvB standard size. */
const OUTPUTS_PER_TX = 1000;
const PAY_VALUE = 1000;

async function main(): Promise<void> {
  const txCount = Number(process.env.BENCH_TXS);
  const heavyShare = Number(process.env.BENCH_HEAVY_SHARE);
  const t0 = performance.now();
  const node = await DevnetNode.create({ seed: 'anode-bench-serve' });
  const built = buildFastChain(node, { txCount, seed: 'anode-bench-serve', heavyScripts: 3, heavyShare });
  const buildSeconds = (performance.now() - t0) / 1000;
  const walk = walkChain(node, built.heavyScripts);
  // Picks come from all over the chain (the lists are in chain order), the same on every run.
  shuffle(walk.single);
  shuffle(walk.few);
  const rpcUser = 'bench';
  const rpcPassword = randomBytes(12).toString('hex');
  const server = await DevnetServer.start({ node, rpcPort: 0, zmqPort: 0, rpcUser, rpcPassword, log: silentLogger() });

  // Scripts handed out, by scripthash, so that the block of scenario d can pay them.
  const scriptOf = new Map<string, Buffer>();
  let nextSingle = 0;
  let nextFew = 0;
  const take = (from: string[], at: number, n: number): string[] => {
    if (at + n > from.length) throw new Error(`the chain has only ${from.length} such scripts; asked for ${at + n} (raise BENCH_TXS)`);
    return from.slice(at, at + n).map((s) => {
      const script = Buffer.from(s, 'latin1');
      const sh = electrumScripthash(script);
      scriptOf.set(sh, script);
      return sh;
    });
  };

  // Prepared payments of scenario d: signed, never broadcast (the server would see them in the
  // mempool first and notify then), mined together by generateblock.
  let prepared: Buffer[] = [];

  serveCommands(
    {
      cpu: () => cpuSeconds(),
      pick: ({ single, few }: { single: number; few: number }): PickedScripts => {
        const s = take(walk.single, nextSingle, single);
        nextSingle += single;
        const f = take(walk.few, nextFew, few);
        nextFew += few;
        return { single: s, few: f };
      },
      /** Funds the wallet with enough mature coins and signs the payments to these scripthashes. */
      preparePayments: ({ scripthashes }: { scripthashes: string[] }) => {
        const scripts = scripthashes.map((sh) => {
          const s = scriptOf.get(sh);
          if (!s) throw new Error(`scripthash ${sh} was not handed out by pick`);
          return s;
        });
        const chunks: Buffer[][] = [];
        for (let i = 0; i < scripts.length; i += OUTPUTS_PER_TX) chunks.push(scripts.slice(i, i + OUTPUTS_PER_TX));
        const need = OUTPUTS_PER_TX * PAY_VALUE + 200_000; // outputs + a fee at 2 sat/vB, with room
        const mature = () => node.wallet.coins({ confirmedOnly: true }).filter((c) => c.value >= need);
        let blocks = 0;
        if (mature().length < chunks.length) {
          // Each coinbase matures after 100 blocks; regtest halves the subsidy every 150 blocks.
          const fund = node.coin.coinbaseMaturity + chunks.length + 1;
          node.wallet.fund(fund);
          blocks += fund;
        }
        const coins = mature();
        if (coins.length < chunks.length) throw new Error(`wallet has ${coins.length} coins of ${need} sats, needs ${chunks.length} (subsidy too small at height ${node.tipHeight()})`);
        prepared = chunks.map((chunk, i) =>
          node.wallet.createPayment(
            chunk.map((script) => ({ script, value: PAY_VALUE })),
            { coins: [{ txid: coins[i]!.txid, vout: coins[i]!.vout }], feeRate: 2 },
          ),
        );
        return { txs: prepared.length, fundingBlocks: blocks, height: node.tipHeight() };
      },
      /** Mines the prepared payments in one block; returns when (absolute ms) it was mined. */
      minePayments: () => {
        if (prepared.length === 0) throw new Error('no prepared payments');
        const hash = node.generateBlock(node.wallet.address('p2wpkh', 0), prepared);
        const minedAt = absNow();
        const txs = prepared.length;
        prepared = [];
        return { minedAt, height: node.tipHeight(), hash: hash.toString('hex'), txs };
      },
      fill: ({ n }: { n: number }) => {
        const r = node.fillMempool(n);
        return { txs: r.txids.length, seconds: r.seconds, fundingBlocks: r.fundingBlocks, height: node.tipHeight(), mempool: node.mempool().length };
      },
      height: () => node.tipHeight(),
    },
    () => server.stop(),
  );
  const info: DevnetInfo = {
    rpcUrl: server.rpcUrl,
    rpcUser,
    rpcPassword,
    zmqUrl: server.zmqUrl,
    height: node.tipHeight(),
    txCount: walk.txs + 1,
    buildSeconds,
    walkSeconds: walk.seconds,
    heavyShare,
    heavy: walk.heavy,
    available: { single: walk.single.length, few: walk.few.length },
  };
  emitEvent('ready', info);
}

/** Deterministic Fisher-Yates (xorshift32). */
function shuffle<T>(a: T[]): void {
  let x = 0x9e3779b9;
  for (let i = a.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
