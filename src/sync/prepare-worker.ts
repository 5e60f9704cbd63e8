// Worker thread body for PreparePool: prepares each raw block it is sent and transfers the
// result's buffer back (no copy). Errors go back as messages; the pool rejects that block only.
import { parentPort } from 'node:worker_threads';
import { prepareBlock } from '../index/prepared-block.js';
import type { PrepareReply, PrepareRequest } from './prepare-pool.js';

const port = parentPort;
if (!port) throw new Error('prepare-worker must run as a worker thread');
port.on('message', (m: PrepareRequest) => {
  let reply: PrepareReply;
  try {
    const b = prepareBlock(Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength));
    reply = { id: m.id, buffer: b.buffer, dims: { txCount: b.txCount, inputCount: b.inputCount, outputCount: b.outputCount, size: b.size } };
    port.postMessage(reply, [b.buffer]);
  } catch (err) {
    reply = { id: m.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    port.postMessage(reply);
  }
});
