// What every bench:serve scenario gets from the orchestrator: the devnet child, a way to start a
// fresh server child on the synced index and load-generator children, script picks, the rows of
// the final table and the "what bounds it" notes for missed targets.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkChild, type ChildLink } from './serve-ipc.js';
import type { DevnetInfo, PickedScripts } from './serve-devnet.js';
import type { ServerReady } from './serve-server.js';
import { boundBy, cpuLine, cpuSnap, cpuWindow, printProfile, type CpuWindow, type Row } from './serve-report.js';
import type { ProfileSummary } from './serve-profile.js';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface Server {
  readonly link: ChildLink;
  readonly ready: ServerReady;
}

export class BenchContext {
  readonly rows: Row[] = [];
  /** Printed after the table: for each missed target, the CPU split and the profile. */
  readonly misses: Array<() => void> = [];

  constructor(
    readonly devnet: ChildLink,
    readonly info: DevnetInfo,
    readonly dbDir: string,
    readonly profileDir: string,
    /** BENCH_PROFILE=1: profile every measured run (figures then include the profiler's cost). */
    readonly profileAll: boolean,
  ) {}

  serverEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      BENCH_RPC_URL: this.info.rpcUrl,
      BENCH_RPC_USER: this.info.rpcUser,
      BENCH_RPC_PASSWORD: this.info.rpcPassword,
      BENCH_ZMQ_URL: this.info.zmqUrl,
      BENCH_DB_DIR: this.dbDir,
      BENCH_PROFILE_DIR: this.profileDir,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      // As the anode command and the Docker image run.
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
      ...extra,
    };
  }

  /** A fresh server process on the synced index (it catches up with devnet's new blocks first). */
  async startServer(extra: Record<string, string> = {}): Promise<Server> {
    const link = forkChild('server', join(here, 'serve-server.js'), this.serverEnv(extra), ['--max-semi-space-size=64', '--expose-gc']);
    const ready = await link.event<ServerReady>('ready');
    return { link, ready };
  }

  startLoads(n: number): ChildLink[] {
    return Array.from({ length: n }, () => forkChild('load', join(here, 'serve-load.js'), {}, []));
  }

  pick(single: number, few: number): Promise<PickedScripts> {
    return this.devnet.call<PickedScripts>('pick', { single, few });
  }

  /** Scripthashes no transaction ever paid (a wallet's unused addresses). */
  static unused(n: number): string[] {
    return Array.from({ length: n }, () => randomBytes(32).toString('hex'));
  }

  async window<T>(links: readonly ChildLink[], run: () => Promise<T>): Promise<{ result: T; cpu: CpuWindow }> {
    const a = await cpuSnap(links);
    const result = await run();
    const b = await cpuSnap(links);
    return { result, cpu: cpuWindow(a, b) };
  }

  /** Runs `run` under the server's CPU profiler. */
  async profiled<T>(server: Server, name: string, run: () => Promise<T>): Promise<{ result: T; profile: ProfileSummary }> {
    await server.link.call('profileStart');
    const result = await run();
    const profile = await server.link.call<ProfileSummary>('profileStop', { name });
    return { result, profile };
  }

  row(row: Row): void {
    this.rows.push(row);
    console.log(`  -> ${row.pass ? 'PASS' : 'FAIL'}  ${row.figure}  (target ${row.target})`);
  }

  /** Records what bounded a missed target: the CPU split, and the server's profile if it was the bound. */
  missed(title: string, cpu: CpuWindow, profile: ProfileSummary | null, unit: 'ms' | 'bytes' = 'ms', note?: string): void {
    const bound = boundBy(cpu);
    this.misses.push(() => {
      console.log(`\n${title}: missed`);
      console.log(`  ${cpuLine(cpu)}`);
      console.log(`  ${bound.text}`);
      if (note) console.log(`  ${note}`);
      if (profile) printProfile(unit === 'ms' ? 'server CPU profile, top self time' : 'server heap, live allocation sites', profile, unit);
    });
  }
}
