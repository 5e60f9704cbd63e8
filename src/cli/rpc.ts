// `anode rpc COMMAND [ARG] [--json]`: the admin RPC client. Talks to the first rpc:// entry of
// SERVICES and prints for a person, or the raw answer as JSON with --json.
import { createRequire } from 'node:module';
import type { Settings } from '../config/settings.js';
import { SettingsError } from '../config/settings.js';
import { formatService } from '../config/services.js';
import type { DaemonState } from '../daemon/pool.js';
import type { Info, SessionInfo } from '../admin/commands.js';

const require = createRequire(import.meta.url);
interface JaysonTcpClient {
  request(method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number; message: string } }>;
}
const jayson = require('jayson/promise') as { client: { tcp(opts: { host: string; port: number; timeout?: number }): JaysonTcpClient } };

export const RPC_COMMANDS = ['getinfo', 'daemon_url', 'reorg', 'sessions', 'stop'];

export async function runRpc(settings: Settings, command: string, operands: string[], opts: { json: boolean; out?: (s: string) => void }): Promise<number> {
  const out = opts.out ?? ((s: string) => process.stdout.write(s + '\n'));
  if (!RPC_COMMANDS.includes(command)) throw new SettingsError('rpc', `unknown command "${command}" (one of ${RPC_COMMANDS.join(', ')})`);
  const service = settings.services.find((s) => s.protocol === 'rpc');
  if (!service) throw new SettingsError('SERVICES', 'has no rpc:// entry, so there is no admin RPC to talk to');
  const host = service.host === '' || service.host === '0.0.0.0' || service.host === '::' ? '127.0.0.1' : service.host;
  const client = jayson.client.tcp({ host, port: service.port, timeout: 30_000 });
  const params = operands.map((o) => (/^\d+$/.test(o) ? Number(o) : o));
  let answer: { result?: unknown; error?: { code: number; message: string } };
  try {
    answer = await client.request(command, params);
  } catch (err) {
    process.stderr.write(`anode rpc: cannot reach the admin RPC at ${formatService({ ...service, host })}: ${(err as Error).message}\n`);
    return 1;
  }
  if (answer.error) {
    process.stderr.write(`anode rpc ${command}: ${answer.error.message}\n`);
    return 1;
  }
  if (opts.json) {
    out(JSON.stringify(answer.result, null, 2));
    return 0;
  }
  out(human(command, answer.result));
  return 0;
}

function human(command: string, result: unknown): string {
  switch (command) {
    case 'getinfo': {
      const i = result as Info;
      return [
        `${i.software}, ${i.coin} ${i.network}`,
        `height      ${i.height}  ${i.tip}`,
        `sync        ${i.sync}${i.serving ? ', serving wallets' : ', not serving yet'}`,
        `daemon      ${i.daemon}`,
        `mempool     ${i.mempool ? `${i.mempool.txs} transactions, ${i.mempool.bytes} bytes` : 'not loaded yet'}`,
        `sessions    ${i.sessions}, ${i.subscriptions} subscriptions`,
        `uptime      ${i.uptimeSeconds} s`,
        `memory      ${i.memory.rssMb} MB resident, ${i.memory.heapMb} MB heap`,
      ].join('\n');
    }
    case 'daemon_url':
      return (result as DaemonState[]).map((d) => `${d.current ? '*' : ' '} ${d.index}  ${d.url}${d.down ? '  (down)' : ''}`).join('\n');
    case 'reorg':
      return `undid blocks down to height ${(result as { undoneTo: number }).undoneTo}; the syncer applies the daemon's chain again`;
    case 'sessions': {
      const list = result as SessionInfo[];
      if (list.length === 0) return 'no sessions';
      const rows = list.map((s) => `${String(s.id).padStart(6)}  ${s.transport.padEnd(3)}  ${s.remote.padEnd(22)}  ${(s.client || '-').slice(0, 20).padEnd(20)}  ${s.protocol.padEnd(5)}  ${String(s.subscriptions).padStart(6)}  ${String(s.requests).padStart(8)}  ${String(s.ageSeconds).padStart(7)}s`);
      return [`${'id'.padStart(6)}  via  ${'remote'.padEnd(22)}  ${'client'.padEnd(20)}  proto  ${'subs'.padStart(6)}  ${'requests'.padStart(8)}  ${'age'.padStart(8)}`, ...rows].join('\n');
    }
    default:
      return String(result);
  }
}
