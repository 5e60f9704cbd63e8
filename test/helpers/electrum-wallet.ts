// Drives the real Electrum wallet (Debian's `electrum` 4.3.4) headless for end-to-end tests: one data
// directory per wallet (`electrum --regtest -D DIR`), settings and the seed written offline, a daemon
// that is our own child process, and the daemon's commands. One-off commands go through the
// `electrum` command line as a user types them; polls go straight to the daemon's JSON-RPC socket
// (the same call the command line makes, without starting Python every time).
// See /work/shared/reference/electrum-wallet-headless.md.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The `electrum` executable: $ELECTRUM, or the first `electrum` on PATH; null when there is none. */
export function findElectrum(): string | null {
  const candidates = process.env.ELECTRUM ? [process.env.ELECTRUM] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'electrum'));
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

/** An amount as Electrum prints it ("0.0125", "1E-8", "-0.5") in satoshis, exactly. */
export function btcToSats(text: string | number | undefined | null): number {
  if (text === undefined || text === null || text === '') return 0;
  const s = String(text).trim();
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) throw new Error(`not an amount: ${s}`);
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let point = (m[2] ?? '').length + Number(m[4] ?? 0) + 8; // position of the decimal point in sats
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  digits = digits.padEnd(point, '0');
  const whole = digits.slice(0, point);
  if (/[1-9]/.test(digits.slice(point))) throw new Error(`${s} is not a whole number of satoshis`);
  const v = Number(whole || '0');
  return m[1] === '-' ? -v : v;
}

/** Satoshis as a BTC decimal string for Electrum's amount arguments. */
export function satsToBtc(sats: number): string {
  if (!Number.isSafeInteger(sats) || sats < 0) throw new RangeError(`bad amount ${sats}`);
  return `${Math.floor(sats / 1e8)}.${String(sats % 1e8).padStart(8, '0')}`;
}

export interface ElectrumWalletOptions {
  /** Anode's TCP port (on `host`, default 127.0.0.1); without it, call setServer() before startDaemon(). */
  readonly port?: number;
  readonly host?: string;
  /** The executable (default: findElectrum()). */
  readonly bin?: string;
  /** Keep the data directory after stop() (to read logs by hand). */
  readonly keep?: boolean;
}

export interface GetInfo {
  readonly network: string;
  readonly server: string;
  readonly blockchain_height: number;
  readonly server_height: number;
  readonly connected: boolean;
  readonly auto_connect: boolean;
  readonly spv_nodes: number;
  readonly version: string;
}

export interface Balance {
  readonly confirmed: number;
  readonly unconfirmed: number;
  readonly unmatured: number;
}

export interface HistoryItem {
  readonly txid: string;
  /** Block height; 0 = in the mempool, -1 = in the mempool with an unconfirmed parent, -2 = local only. */
  readonly height: number;
  readonly confirmations: number;
  readonly incoming: boolean;
  /** Net effect on the wallet in satoshis. */
  readonly value: number;
  readonly raw: Record<string, unknown>;
}

export class ElectrumCommandError extends Error {}

/** One Electrum wallet in its own data directory, with the daemon we started for it. */
export class ElectrumWallet {
  readonly dir: string;
  readonly bin: string;
  private daemon: ChildProcess | null = null;
  private daemonExit: Promise<void> | null = null;
  private daemonOutput = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private nextId = 1;

  private constructor(readonly opts: ElectrumWalletOptions) {
    const bin = opts.bin ?? findElectrum();
    if (!bin) throw new Error('electrum is not installed (apt-get install electrum, or set ELECTRUM=/path/to/electrum)');
    this.bin = bin;
    this.dir = mkdtempSync(join(tmpdir(), 'anode-electrum-'));
  }

  /** A data directory configured for one server (ours) over TCP, logging to files, nothing else. */
  /** A wallet restored offline from `seed`, with its receiving addresses; stopped again if that fails. */
  static async restored(seed: string, opts: ElectrumWalletOptions = {}): Promise<{ w: ElectrumWallet; addresses: string[] }> {
    const w = await ElectrumWallet.create(opts);
    try {
      await w.restore(seed);
      return { w, addresses: await w.listAddresses('receiving') };
    } catch (e) {
      await w.stop();
      throw e;
    }
  }

  static async create(opts: ElectrumWalletOptions = {}): Promise<ElectrumWallet> {
    const w = new ElectrumWallet(opts);
    try {
      for (const [key, value] of [
        ['oneserver', 'true'],
        ['auto_connect', 'false'],
        ['log_to_file', 'true'],
        ['use_exchange_rate', 'false'],
      ]) {
        await w.cli(['setconfig', key!, value!], { offline: true });
      }
      if (opts.port !== undefined) await w.setServer(opts.port, opts.host);
    } catch (e) {
      w.removeDir();
      throw e;
    }
    return w;
  }

  /** `setconfig server HOST:PORT:t`: the one server the wallet talks to, over plain TCP. */
  async setServer(port: number, host = '127.0.0.1'): Promise<void> {
    await this.cli(['setconfig', 'server', `${host}:${port}:t`], { offline: true });
  }

  private baseArgs(): string[] {
    return ['--regtest', '-D', this.dir];
  }

  /**
   * Runs `electrum --regtest -D DIR [--offline] ARGS...`; resolves with its stdout, parsed as JSON when
   * it is (unless `text`: then the trimmed output as it is).
   */
  cli<T = unknown>(args: readonly string[], o: { offline?: boolean; timeoutMs?: number; text?: boolean } = {}): Promise<T> {
    const argv = [...this.baseArgs(), ...(o.offline ? ['--offline'] : []), ...args];
    return new Promise((resolve, reject) => {
      execFile(this.bin, argv, { timeout: o.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) {
          reject(new ElectrumCommandError(`electrum ${args.join(' ')} failed (${err.message.split('\n')[0]}):\n${stdout}${stderr}`));
          return;
        }
        const text = stdout.trim();
        if (o.text) {
          resolve(text as T);
          return;
        }
        try {
          resolve(JSON.parse(text) as T);
        } catch {
          resolve(text as T);
        }
      });
    });
  }

  /** Restores the wallet from an Electrum seed, offline (before the daemon runs). */
  async restore(seed: string): Promise<void> {
    await this.cli(['restore', seed], { offline: true });
  }

  /** The wallet's addresses (receiving ones by default), in derivation order. */
  async listAddresses(which: 'receiving' | 'change' | 'all' = 'receiving'): Promise<string[]> {
    const args = ['listaddresses', ...(which === 'all' ? [] : [`--${which}`])];
    return this.daemon ? this.call<string[]>('listaddresses', which === 'all' ? {} : { [which]: true }) : this.cli<string[]>(args, { offline: true });
  }

  /** Starts `electrum daemon` as our child process and waits until `getinfo` answers. */
  async startDaemon(timeoutMs = 30_000): Promise<void> {
    if (this.daemon) throw new Error('daemon already running');
    const child = spawn(this.bin, [...this.baseArgs(), 'daemon'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.daemon = child;
    this.exited = null;
    liveDaemons.add(child);
    const keep = (d: Buffer) => {
      this.daemonOutput = (this.daemonOutput + d.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.daemonExit = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        liveDaemons.delete(child);
        this.exited = { code, signal };
        resolve();
      });
      child.on('error', (err) => {
        this.daemonOutput += `\nspawn failed: ${err.message}`;
        this.exited = { code: null, signal: null };
        resolve();
      });
    });
    await this.poll('the Electrum daemon to answer getinfo', timeoutMs, async () => {
      if (this.exited) throw new Error(`the Electrum daemon exited (${JSON.stringify(this.exited)}):\n${this.daemonOutput}`);
      try {
        return (await this.call<GetInfo>('getinfo')) ?? false;
      } catch (e) {
        if (e instanceof ElectrumCommandError) throw e;
        return false; // socket not there yet
      }
    });
  }

  /** `load_wallet` through the command line. */
  async loadWallet(): Promise<void> {
    const ok = await this.cli(['load_wallet']);
    if (ok !== true) throw new Error(`load_wallet answered ${JSON.stringify(ok)}`);
  }

  /** A daemon command over its JSON-RPC socket (the call `electrum COMMAND` makes), keyword params. */
  async call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const { socketPath, host, port } = this.endpoint();
    const config = JSON.parse(readFileSync(join(this.dir, 'regtest', 'config'), 'utf8')) as { rpcuser?: string; rpcpassword?: string };
    const body = JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params });
    const auth = Buffer.from(`${config.rpcuser ?? ''}:${config.rpcpassword ?? ''}`).toString('base64');
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { socketPath, host, port, agent: false, path: '/', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${auth}`, 'content-length': Buffer.byteLength(body) }, timeout: 60_000 },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (data += d));
          res.on('end', () => (res.statusCode === 200 ? resolve(data) : reject(new ElectrumCommandError(`electrum daemon: HTTP ${res.statusCode} for ${method}: ${data}`))));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`electrum daemon: ${method} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
    const answer = JSON.parse(text) as { result?: T; error?: { message: string } };
    if (answer.error) throw new ElectrumCommandError(`electrum ${method}: ${answer.error.message}`);
    return answer.result as T;
  }

  /** Where the daemon listens, from its lockfile `DIR/regtest/daemon` (a Python tuple). */
  private endpoint(): { socketPath?: string; host?: string; port?: number } {
    const lock = readFileSync(join(this.dir, 'regtest', 'daemon'), 'utf8');
    const unix = /^\('unix',\s*'([^']+)'/.exec(lock);
    if (unix) return { socketPath: unix[1] };
    const tcp = /^\('tcp',\s*\('([^']+)',\s*(\d+)\)/.exec(lock);
    if (tcp) return { host: tcp[1], port: Number(tcp[2]) };
    throw new Error(`cannot read the Electrum daemon's lockfile: ${lock}`);
  }

  getInfo(): Promise<GetInfo> {
    return this.call<GetInfo>('getinfo');
  }

  isSynchronized(): Promise<boolean> {
    return this.call<boolean>('is_synchronized');
  }

  async balance(): Promise<Balance> {
    const b = await this.call<Record<string, string>>('getbalance');
    return { confirmed: btcToSats(b.confirmed), unconfirmed: btcToSats(b.unconfirmed), unmatured: btcToSats(b.unmatured) };
  }

  async history(): Promise<HistoryItem[]> {
    const h = await this.call<{ transactions: Array<Record<string, unknown>> }>('onchain_history');
    return h.transactions.map((t) => ({
      txid: String(t.txid),
      height: Number(t.height),
      confirmations: Number(t.confirmations),
      incoming: t.incoming === true,
      value: btcToSats(t.bc_value as string),
      raw: t,
    }));
  }

  /**
   * Waits until the wallet is connected to its server, synchronized, and both its header chain and
   * the server's tip are at `height`.
   */
  async waitSynced(height: number, timeoutMs = 30_000): Promise<GetInfo> {
    return this.poll(`the wallet to sync to height ${height}`, timeoutMs, async () => {
      const info = await this.getInfo();
      if (!info.connected || info.server_height !== height || info.blockchain_height !== height) return false;
      return (await this.isSynchronized()) ? info : false;
    }, async () => JSON.stringify({ getinfo: await this.getInfo().catch((e: Error) => e.message), is_synchronized: await this.isSynchronized().catch((e: Error) => e.message) }));
  }

  /** Polls `check` until it returns something other than false, or fails with `what` and the last state. */
  async poll<T>(what: string, timeoutMs: number, check: () => Promise<T | false>, describe?: () => Promise<string>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
      try {
        const r = await check();
        if (r !== false) return r;
        lastError = undefined;
      } catch (e) {
        if (e instanceof ElectrumCommandError && !this.daemon) throw e;
        lastError = e;
      }
      if (this.exited && this.daemon) throw new Error(`waiting for ${what}: the Electrum daemon exited (${JSON.stringify(this.exited)}):\n${this.daemonOutput}`);
      if (Date.now() > deadline) {
        const state = describe ? await describe().catch((e: Error) => e.message) : '';
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? `; last state: ${state}` : ''}${lastError ? `; last error: ${(lastError as Error).message}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /**
   * `electrum payto ADDRESS AMOUNT --feerate F [--locktime L]` through the command line: a signed
   * transaction's hex. Without a locktime Electrum picks its tip height, or 10% of the time up to 99 less.
   */
  async payto(address: string, sats: number, o: { feerate?: number; locktime?: number } = {}): Promise<string> {
    const args = ['payto', address, satsToBtc(sats), '--feerate', String(o.feerate ?? 2)];
    if (o.locktime !== undefined) args.push('--locktime', String(o.locktime));
    const hex = await this.cli<string>(args, { text: true });
    if (typeof hex !== 'string' || !/^[0-9a-f]+$/.test(hex)) throw new Error(`payto printed ${JSON.stringify(hex)}`);
    return hex;
  }

  /** `electrum broadcast HEX` through the command line (blockchain.transaction.broadcast); the txid. */
  async broadcast(hex: string): Promise<string> {
    const txid = await this.cli<string>(['broadcast', hex], { text: true });
    if (typeof txid !== 'string' || !/^[0-9a-f]{64}$/.test(txid)) throw new Error(`broadcast printed ${JSON.stringify(txid)}`);
    return txid;
  }

  /** Everything in the wallet's log files (DIR/regtest/logs, with log_to_file true). */
  logs(): string {
    const logDir = join(this.dir, 'regtest', 'logs');
    let files: string[];
    try {
      files = readdirSync(logDir).sort();
    } catch {
      return '';
    }
    return files.map((f) => readFileSync(join(logDir, f), 'utf8')).join('\n');
  }

  /** What the daemon printed on stdout/stderr (the last 20 kB). */
  get output(): string {
    return this.daemonOutput;
  }

  /** `electrum stop`, then waits for our daemon child to exit (killing only it if it does not). */
  async stop(): Promise<void> {
    const child = this.daemon;
    if (child && !this.exited) {
      await this.cli(['stop'], { timeoutMs: 20_000 }).catch(() => undefined);
      if (!(await settlesWithin(this.daemonExit!, 15_000))) {
        child.kill('SIGTERM');
        if (!(await settlesWithin(this.daemonExit!, 5_000))) child.kill('SIGKILL');
        await this.daemonExit;
      }
    }
    this.daemon = null;
    if (!this.opts.keep) this.removeDir();
  }

  private removeDir(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether `p` settles within `ms` (the timer does not outlive the answer). */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

// A test that fails before stop() must not leave a daemon running: at exit, kill the ones we started.
const liveDaemons = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of liveDaemons) c.kill('SIGKILL');
});
