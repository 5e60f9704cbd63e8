// What every fault test checks at its end, and the small tools its waits need: Anode's answers for
// every script of the chain (history, status, balance, mempool) and its tip against an independent
// walk of the daemon's RPC, polled until they agree or a deadline passes; a logger that keeps its
// lines; notification waits; `anode serve` as a child process with several daemons and the admin RPC.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../src/log.js';
import type { DaemonEndpoint } from '../../src/daemon/types.js';
import { walkChain, type ChainWalk } from '../helpers/chain-walk.js';
import { TestClient, type Notification } from '../helpers/electrum-client.js';
import { freePorts, type Regtest } from '../helpers/regtest.js';
import { AnodeProcess, anodeEnv, anodeRpc } from '../sync/cli-helpers.js';

/** A pino logger whose JSON lines are kept (and searchable) in memory. */
export function capturingLogger(level = 'debug'): { logger: Logger; lines: string[]; find(re: RegExp): Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return {
    logger: pino({ level }, stream),
    lines,
    find: (re) => lines.filter((l) => re.test(l)).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const sha256d = (b: Buffer) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

/** The display hash of an 80-byte header given as hex. */
export function headerHashHex(hex: string): string {
  return Buffer.from(sha256d(Buffer.from(hex, 'hex'))).reverse().toString('hex');
}

/** Sends many requests at once (the session pipelines them). */
async function all<T>(c: TestClient, calls: Array<[string, unknown[]]>): Promise<T[]> {
  return Promise.all(calls.map(([m, p]) => c.request<T>(m, p)));
}

/**
 * Where what Anode serves differs from the walk: the tip header, and for every script of the chain its
 * history, balance, mempool entries and status; and the union of the mempool entries against the
 * daemon's mempool. Empty when all agree.
 */
export async function servedDifferences(c: TestClient, walk: ChainWalk): Promise<string[]> {
  const out: string[] = [];
  const tip = await c.request<{ height: number; hex: string }>('blockchain.headers.subscribe');
  if (tip.height !== walk.height || headerHashHex(tip.hex) !== walk.blockHashes[walk.height]) {
    out.push(`tip: served ${tip.height} ${headerHashHex(tip.hex)}, daemon ${walk.height} ${walk.blockHashes[walk.height]}`);
  }
  const shs = [...walk.scripts.keys()];
  const [histories, balances, mempools, statuses] = await Promise.all([
    all(c, shs.map((s) => ['blockchain.scripthash.get_history', [s]])),
    all(c, shs.map((s) => ['blockchain.scripthash.get_balance', [s]])),
    all<Array<{ tx_hash: string }>>(c, shs.map((s) => ['blockchain.scripthash.get_mempool', [s]])),
    all(c, shs.map((s) => ['blockchain.scripthash.subscribe', [s]])),
  ]);
  const servedPool = new Set<string>();
  shs.forEach((sh, i) => {
    const what = (x: string) => `${x} of ${sh} (${walk.scripts.get(sh)!.slice(0, 20)}...)`;
    if (!same(histories[i], walk.history(sh))) out.push(`${what('history')}: ${arrayDiff(histories[i] as unknown[], walk.history(sh))}`);
    if (!same(balances[i], walk.balance(sh))) out.push(`${what('balance')}: served ${JSON.stringify(balances[i])}, daemon ${JSON.stringify(walk.balance(sh))}`);
    if (!same(mempools[i], walk.mempool(sh))) out.push(`${what('mempool')}: served ${JSON.stringify(mempools[i])}, daemon ${JSON.stringify(walk.mempool(sh))}`);
    if (statuses[i] !== walk.status(sh)) out.push(`${what('status')}: served ${statuses[i]}, daemon ${walk.status(sh)}`);
    for (const e of mempools[i]!) servedPool.add(e.tx_hash);
  });
  const daemonPool = new Set([...walk.txs.values()].filter((t) => !t.confirmed).map((t) => t.txid));
  const extra = [...servedPool].filter((t) => !daemonPool.has(t));
  const missing = [...daemonPool].filter((t) => !servedPool.has(t));
  if (extra.length + missing.length > 0) out.push(`mempool: served but not in the daemon's ${JSON.stringify(extra)}, in the daemon's but not served ${JSON.stringify(missing)}`);
  return out;
}

/** Two lists from where they first differ. */
function arrayDiff(served: readonly unknown[], daemon: readonly unknown[]): string {
  let i = 0;
  while (i < served.length && i < daemon.length && same(served[i], daemon[i])) i++;
  return `${served.length} served, ${daemon.length} on the daemon; from entry ${i}: served ${JSON.stringify(served.slice(i, i + 4))}, daemon ${JSON.stringify(daemon.slice(i, i + 4))}`;
}

function same(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls until Anode (Electrum port `port`) serves exactly what a walk of `reference()` (the daemon in
 * use) says, for every script of the chain; fails with the differences after timeoutMs. Returns the
 * walk it agreed with.
 */
export async function expectServed(port: number, reference: () => Regtest, what: string, timeoutMs = 20_000): Promise<ChainWalk> {
  const c = await TestClient.open(port, '1.4', 'fault-checker');
  const deadline = Date.now() + timeoutMs;
  let diffs: string[] = [];
  try {
    for (;;) {
      let walk: ChainWalk | null = null;
      try {
        walk = await walkChain(reference());
        diffs = await servedDifferences(c, walk);
      } catch (err) {
        diffs = [`no answer: ${(err as Error).message}`];
      }
      if (diffs.length === 0 && walk) return walk;
      if (Date.now() > deadline) assert.fail(`${what}: Anode's answers differ from the daemon's chain after ${timeoutMs} ms:\n  ${diffs.slice(0, 12).map((d) => (d.length > 400 ? `${d.slice(0, 400)}...` : d)).join('\n  ')}${diffs.length > 12 ? `\n  ... ${diffs.length - 12} more` : ''}`);
      c.notifications.length = 0;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    c.close();
  }
}

export const isStatusOf = (sh: string) => (n: Notification) => n.method === 'blockchain.scripthash.subscribe' && n.params[0] === sh;
export const isHeaderAt = (height: number) => (n: Notification) => n.method === 'blockchain.headers.subscribe' && (n.params[0] as { height: number }).height === height;

/** The last status notified to `c` for `sh`, if any (of those not taken yet). */
export function lastStatus(c: TestClient, sh: string): string | null | undefined {
  const n = c.notifications.filter(isStatusOf(sh)).pop();
  return n === undefined ? undefined : (n.params[1] as string | null);
}

/** Waits until the last status notified for `sh` is `status`; resolves with the ms it took from `since`. */
export async function notifiedStatus(c: TestClient, sh: string, status: string | null, timeoutMs: number, since = Date.now()): Promise<number> {
  const deadline = since + timeoutMs;
  for (;;) {
    if (lastStatus(c, sh) === status) return Date.now() - since;
    if (Date.now() > deadline) assert.fail(`no notification of status ${status} for ${sh} within ${timeoutMs} ms (last: ${lastStatus(c, sh)})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits for a headers notification at `height`; resolves with the ms it took from `since`. */
export async function notifiedHeader(c: TestClient, height: number, timeoutMs: number, since = Date.now()): Promise<{ ms: number; hex: string }> {
  const n = await c.nextNotification(isHeaderAt(height), Math.max(1, since + timeoutMs - Date.now())).catch(() => null);
  if (!n) assert.fail(`no headers notification for height ${height} within ${timeoutMs} ms`);
  return { ms: Date.now() - since, hex: (n.params[0] as { hex: string }).hex };
}

/** A DAEMON_URL entry for an endpoint with user/password (one DAEMON_COOKIE_FILE cannot serve two daemons). */
export function daemonUrl(e: DaemonEndpoint): string {
  if (e.user === undefined) throw new Error('a DAEMON_URL list needs user/password endpoints (startRegtestPair auth: password)');
  const u = new URL(e.url);
  u.username = encodeURIComponent(e.user);
  u.password = encodeURIComponent(e.password ?? '');
  return u.toString().replace(/\/$/, '');
}

/**
 * Starts `anode serve` over `endpoints` (DAEMON_URL lists them all) with a TCP port and the admin RPC,
 * both polls at minutes: what a test waits for must come by ZMQ and by retries, not by a poll.
 * `spawned` sees the process before it serves (to stop it if the wait fails).
 */
export async function startServe(
  endpoints: readonly DaemonEndpoint[], dbDirectory: string, extra: Record<string, string>, spawned: (p: AnodeProcess) => void,
): Promise<{ anode: AnodeProcess; env: NodeJS.ProcessEnv; tcp: number }> {
  const [tcp, admin] = await freePorts(2);
  const env = anodeEnv(endpoints[0]!, dbDirectory, {
    DAEMON_URL: endpoints.map(daemonUrl).join(','),
    SERVICES: `tcp://127.0.0.1:${tcp},rpc://127.0.0.1:${admin}`,
    MEMPOOL_POLL_MS: '600000',
    DAEMON_POLL_INTERVAL_BLOCKS: '600000',
    ...extra,
  });
  const anode = new AnodeProcess(['serve'], env);
  spawned(anode);
  await anode.waitFor(/serving Electrum wallets/);
  return { anode, env, tcp: tcp! };
}

/** `anode rpc COMMAND --json`, parsed. */
export async function adminJson<T = unknown>(env: NodeJS.ProcessEnv, ...args: string[]): Promise<T> {
  const r = await anodeRpc(env, ...args, '--json');
  if (r.code !== 0) throw new Error(`anode rpc ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** JSON log lines of a child `anode` (pino), parsed; other lines skipped. */
export function logRecords(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial line
    }
  }
  return out;
}

/** Milliseconds since t0, for the timing lines the tests print. */
export function stopwatch(label: string): { lap(what: string): number; since(): number } {
  const t0 = Date.now();
  return {
    lap(what) {
      const ms = Date.now() - t0;
      process.stdout.write(`# ${label} ${(ms / 1000).toFixed(1)} s: ${what}\n`);
      return ms;
    },
    since: () => Date.now() - t0,
  };
}
