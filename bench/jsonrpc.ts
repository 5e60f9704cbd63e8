// `npm run bench:jsonrpc`: the session hot path's JSON-RPC layer (parse a request line, check it,
// build the answer line) against jayson's Server.call doing the same, on the requests a wallet sync
// sends most. Prints microseconds per request and the machine.
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { parseMessage } from '../src/electrum/jsonrpc/message.js';
import { resultMessage } from '../src/electrum/jsonrpc/encode.js';

const require = createRequire(import.meta.url);
const jayson = require('jayson') as {
  Server: new (methods: Record<string, (args: unknown[], cb: (err: unknown, result?: unknown) => void) => void>, opts?: object) => {
    call(request: string | object, cb: (err: unknown, response?: unknown) => void): void;
  };
};

const N = Number(process.env.BENCH_N ?? 200_000);
const SH = '8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161';
const STATUS = '78e96c6562cafa71c115503b9411fdfdc595a45031e2ab76ff75162fe1b0590d';
const requests = [
  `{"jsonrpc":"2.0","method":"blockchain.scripthash.subscribe","params":["${SH}"],"id":17}`,
  `{"jsonrpc":"2.0","method":"blockchain.transaction.get","params":["${SH}"],"id":18}`,
  `{"jsonrpc":"2.0","method":"blockchain.scripthash.get_history","params":["${SH}"],"id":19}`,
];

function ours(): number {
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    const p = parseMessage(requests[i % 3]!, 'v2', 2000);
    const inc = p.incoming;
    if (inc.kind !== 'single' || inc.item.kind !== 'request') throw new Error('parse');
    bytes += resultMessage('v2', inc.item.id, `"${STATUS}"`).length;
  }
  if (bytes === 0) throw new Error('nothing built');
  return ((performance.now() - t0) * 1000) / N;
}

async function viaJayson(): Promise<number> {
  const handler = (_args: unknown[], cb: (err: unknown, result?: unknown) => void) => cb(null, STATUS);
  const server = new jayson.Server({
    'blockchain.scripthash.subscribe': handler,
    'blockchain.transaction.get': handler,
    'blockchain.scripthash.get_history': handler,
  });
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    await new Promise<void>((resolve, reject) =>
      server.call(requests[i % 3]!, (err, response) => {
        if (err) return reject(err);
        bytes += JSON.stringify(response).length;
        resolve();
      }),
    );
  }
  if (bytes === 0) throw new Error('nothing built');
  return ((performance.now() - t0) * 1000) / N;
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus()[0]?.model} x${cpus().length}, Node ${process.version}; ${N} requests each`);
  // Warm both up, then alternate runs so the machine's noise hits both.
  ours();
  await viaJayson();
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < 3; r++) {
    a.push(ours());
    b.push(await viaJayson());
  }
  const best = (x: number[]) => Math.min(...x).toFixed(2);
  console.log(`anode jsonrpc (scan + JSON.parse + checks + answer): ${best(a)} us/request (runs: ${a.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(`jayson Server.call (+ JSON.stringify of its answer):   ${best(b)} us/request (runs: ${b.map((x) => x.toFixed(2)).join(', ')})`);
}

void main();
