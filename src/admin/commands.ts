// The admin RPC's commands, on the same state the sessions read: getinfo, daemon_url, reorg,
// sessions, stop. They observe and steer; none writes the index itself (reorg asks the syncer).
import type { DaemonPool, DaemonState } from '../daemon/pool.js';
import type { Syncer } from '../sync/syncer.js';
import type { ChainState } from '../mempool/chain-state.js';
import type { ElectrumServer } from '../electrum/server.js';
import { toDisplayHex } from '../chain/hash.js';
import { versionString } from '../electrum/version.js';
import { SOFTWARE } from '../version.js';

/** What the commands work with; chain and server are null until the wallet ports are open. */
export interface AdminContext {
  readonly coin: string;
  readonly network: string;
  readonly syncer: Syncer;
  readonly daemon: DaemonPool;
  chain(): ChainState | null;
  server(): ElectrumServer | null;
  readonly startedAt: number;
  /** A clean shutdown, as SIGTERM. */
  stop(): void;
}

export class AdminError extends Error {}

export interface Info {
  readonly software: string;
  readonly coin: string;
  readonly network: string;
  readonly height: number;
  readonly tip: string;
  /** 'syncing' until the index first reached the daemon's tip, then 'following'. */
  readonly sync: 'syncing' | 'following';
  readonly serving: boolean;
  readonly daemon: string;
  readonly mempool: { readonly txs: number; readonly bytes: number } | null;
  readonly sessions: number;
  readonly subscriptions: number;
  readonly uptimeSeconds: number;
  readonly memory: { readonly rssMb: number; readonly heapMb: number };
}

export function getinfo(ctx: AdminContext): Info {
  const chain = ctx.chain();
  const server = ctx.server();
  const tip = ctx.syncer.tip;
  const mem = process.memoryUsage();
  return {
    software: SOFTWARE,
    coin: ctx.coin,
    network: ctx.network,
    height: tip.height,
    tip: toDisplayHex(tip.hash),
    sync: ctx.syncer.isCaughtUp ? 'following' : 'syncing',
    serving: server !== null,
    daemon: ctx.daemon.current().url,
    mempool: chain ? { txs: chain.mempool.size, bytes: chain.mempool.bytes } : null,
    sessions: server ? server.sessions.size : 0,
    subscriptions: server ? server.context.hub.size : 0,
    uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
    memory: { rssMb: Math.round(mem.rss / 1048576), heapMb: Math.round(mem.heapUsed / 1048576) },
  };
}

/** Lists the daemons; with a target (an index, a URL as listed, or "next"), switches to it first. */
export function daemonUrl(ctx: AdminContext, target?: unknown): DaemonState[] {
  if (target !== undefined && target !== null) {
    const states = ctx.daemon.states();
    let index: number | 'next';
    if (target === 'next') index = 'next';
    else if (typeof target === 'number' && Number.isInteger(target)) index = target;
    else if (typeof target === 'string' && /^\d+$/.test(target)) index = Number(target);
    else if (typeof target === 'string' && states.some((d) => d.url === target)) index = states.find((d) => d.url === target)!.index;
    else throw new AdminError(`no daemon ${JSON.stringify(target)}: give its number (0 to ${states.length - 1}), its URL as listed, or "next"`);
    try {
      ctx.daemon.switchTo(index);
    } catch (err) {
      throw new AdminError((err as Error).message);
    }
  }
  return ctx.daemon.states();
}

/** Undoes the top `blocks` blocks; the syncer then applies the daemon's chain again. */
export async function reorg(ctx: AdminContext, blocks: unknown): Promise<{ undoneTo: number }> {
  const n = typeof blocks === 'string' && /^\d+$/.test(blocks) ? Number(blocks) : blocks;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new AdminError('reorg needs a number of blocks, 1 or more');
  try {
    return { undoneTo: await ctx.syncer.forceReorg(n) };
  } catch (err) {
    throw new AdminError((err as Error).message);
  }
}

export interface SessionInfo {
  readonly id: number;
  readonly transport: string;
  readonly remote: string;
  readonly client: string;
  readonly protocol: string;
  readonly subscriptions: number;
  readonly headers: boolean;
  readonly requests: number;
  readonly ageSeconds: number;
  readonly idleSeconds: number;
  readonly sendBufferBytes: number;
}

export function sessions(ctx: AdminContext): SessionInfo[] {
  const server = ctx.server();
  if (!server) return [];
  const now = Date.now();
  return [...server.sessions].map((s) => ({
    id: s.conn.id,
    transport: s.conn.kind,
    remote: s.conn.remote,
    client: s.clientName,
    protocol: versionString(s.version),
    subscriptions: s.subscriptionCount,
    headers: s.headersSubscribed,
    requests: s.requests,
    ageSeconds: Math.round((now - s.startedAt) / 1000),
    idleSeconds: Math.round((now - s.lastActive) / 1000),
    sendBufferBytes: s.conn.bufferedBytes,
  }));
}
