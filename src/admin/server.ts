// The admin RPC on SERVICES' rpc:// entries (loopback by default): JSON-RPC over TCP with jayson's
// server, the commands of commands.ts. It is up from start-up, so getinfo shows a sync in progress.
import { createRequire } from 'node:module';
import type net from 'node:net';
import type { Service } from '../config/services.js';
import { formatService } from '../config/services.js';
import type { Logger } from '../log.js';
import { AdminError, daemonUrl, getinfo, reorg, sessions, type AdminContext } from './commands.js';

const require = createRequire(import.meta.url);
interface JaysonError {
  code: number;
  message: string;
}
interface JaysonServer {
  tcp(): net.Server;
  error(code: number, message: string): JaysonError;
}
const jayson = require('jayson/promise') as { Server: new (methods: Record<string, (params: unknown) => Promise<unknown>>) => JaysonServer };

/** Application errors (a bad argument, an impossible reorg) as opposed to the protocol's own. */
const ADMIN_ERROR = -32000;

export interface AdminServer {
  readonly addresses: Array<{ host: string; port: number }>;
  close(): Promise<void>;
}

function args(params: unknown): unknown[] {
  if (Array.isArray(params)) return params;
  if (params && typeof params === 'object') return Object.values(params);
  return [];
}

export async function startAdmin(services: readonly Service[], ctx: AdminContext, log: Logger): Promise<AdminServer> {
  const servers: net.Server[] = [];
  const addresses: Array<{ host: string; port: number }> = [];
  let jayson_: JaysonServer;
  const wrap = (fn: (...a: unknown[]) => unknown) => async (params: unknown) => {
    try {
      return await fn(...args(params));
    } catch (err) {
      if (err instanceof AdminError) throw jayson_.error(ADMIN_ERROR, err.message);
      log.error({ err }, 'admin command failed');
      throw jayson_.error(-32603, (err as Error).message);
    }
  };
  jayson_ = new jayson.Server({
    getinfo: wrap(() => getinfo(ctx)),
    daemon_url: wrap((target) => daemonUrl(ctx, target)),
    reorg: wrap((blocks) => reorg(ctx, blocks)),
    sessions: wrap(() => sessions(ctx)),
    stop: wrap(() => {
      log.info('stop requested over the admin RPC');
      setImmediate(() => ctx.stop());
      return 'stopping';
    }),
  });
  try {
    for (const s of services) {
      const tcp = jayson_.tcp();
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(s.port, s.host || undefined, () => resolve());
      });
      tcp.on('error', (err) => log.warn({ err: err.message }, 'admin RPC listener error'));
      const a = tcp.address() as net.AddressInfo;
      addresses.push({ host: a.address, port: a.port });
      servers.push(tcp);
      const open = s.host !== '127.0.0.1' && s.host !== '::1' && s.host !== 'localhost';
      log[open ? 'warn' : 'info']({ service: formatService(s) }, `admin RPC on ${formatService({ ...s, port: a.port })}${open ? ' (not loopback: anyone who reaches it can stop the server)' : ''}`);
    }
  } catch (err) {
    for (const t of servers) t.close();
    throw err;
  }
  return {
    addresses,
    close: () => Promise.all(servers.map((t) => new Promise<void>((r) => t.close(() => r())))).then(() => undefined),
  };
}
