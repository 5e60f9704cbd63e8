// Running the `anode` command line (dist/src/cli/main.js) the way an operator does, with settings
// in the environment, against a harness regtest chain.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { DaemonEndpoint } from '../../src/daemon/types.js';

export const ANODE = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

/** `anode rpc ...`, run asynchronously: devnet lives in this process and must keep answering meanwhile. */
export function anodeRpc(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ANODE, 'rpc', ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Settings for a regtest daemon as environment variables. */
export function anodeEnv(endpoint: DaemonEndpoint, dbDirectory: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const url = new URL(endpoint.url);
  if (endpoint.user !== undefined) {
    url.username = encodeURIComponent(endpoint.user);
    url.password = encodeURIComponent(endpoint.password ?? '');
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    COIN: 'Bitcoin',
    NET: 'regtest',
    DAEMON_URL: url.toString().replace(/\/$/, ''),
    DB_DIRECTORY: dbDirectory,
    DAEMON_POLL_INTERVAL_BLOCKS: '100',
    CACHE_MB: '16',
    LOG_LEVEL: 'info',
    ...extra,
  };
  if (endpoint.cookieFile) env.DAEMON_COOKIE_FILE = endpoint.cookieFile;
  return env;
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `anode ...` process with its output collected. */
export class AnodeProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<Finished>;
  private watchers: Array<{ re: RegExp; resolve: () => void }> = [];

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [ANODE, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.check();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.check();
    });
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('exit', (code, signal) => {
        this.check();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Resolves once the output matches `re`; rejects if the process exits first. */
  waitFor(re: RegExp): Promise<void> {
    const seen = new Promise<void>((resolve) => {
      this.watchers.push({ re, resolve });
      this.check();
    });
    const exited = this.done.then((f) => {
      throw new Error(`anode exited (code ${f.code}) before printing ${re}:\n${f.stdout}\n${f.stderr}`);
    });
    return Promise.race([seen, exited]);
  }

  private check(): void {
    const all = this.stdout + this.stderr;
    this.watchers = this.watchers.filter((w) => {
      if (!w.re.test(all)) return true;
      w.resolve();
      return false;
    });
  }
}

/** Runs `anode ...` to completion. */
export function runAnode(args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return new AnodeProcess(args, env).done;
}
