// The bench:serve processes talk over Node's IPC channel with a tiny request/reply protocol:
// the orchestrator calls a named command in a child and awaits its result; a child may also
// announce events (ready). 'advanced' serialization lets typed arrays and Buffers cross as is.
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

interface CallMessage {
  readonly kind: 'call';
  readonly id: number;
  readonly cmd: string;
  readonly args: unknown;
}

interface ReplyMessage {
  readonly kind: 'reply';
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

interface EventMessage {
  readonly kind: 'event';
  readonly type: string;
  readonly data: unknown;
}

type Message = CallMessage | ReplyMessage | EventMessage;

/** Wall-clock milliseconds comparable between the bench's processes (same machine, sub-ms). */
export function absNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface CpuTimes {
  /** Every thread of the process. */
  readonly process: number;
  /** The main (JavaScript) thread alone; NaN off Linux. */
  readonly main: number;
  /** RocksDB's own background threads (flushes, compaction); the rest is libuv's pool, V8's helpers. */
  readonly rocksdb: number;
}

/** CPU seconds of this process, all threads and by role (Linux /proc; Node names its threads 'node'). */
export function cpuSeconds(): CpuTimes {
  const u = process.cpuUsage();
  let main = NaN;
  let rocksdb = 0;
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in ticks of 10 ms
      if (tid === String(process.pid)) main = seconds;
      else if (name.startsWith('rocksdb')) rocksdb += seconds;
    }
  } catch {
    // not Linux
  }
  return { process: (u.user + u.system) / 1e6, main, rocksdb };
}

/** The orchestrator's handle on one child. */
export class ChildLink {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly events = new Map<string, unknown[]>();
  private readonly eventWaiters = new Map<string, Array<(d: unknown) => void>>();
  private exited: Error | null = null;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (m: Message) => this.message(m));
    child.once('exit', (code, signal) => {
      this.exited = new Error(`${name} exited (code ${code}, signal ${signal})`);
      for (const w of this.waiting.values()) w.reject(this.exited);
      this.waiting.clear();
    });
  }

  private message(m: Message): void {
    if (m.kind === 'reply') {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.ok) w?.resolve(m.result);
      else w?.reject(new Error(`${this.name}: ${m.error}`));
    } else if (m.kind === 'event') {
      const ws = this.eventWaiters.get(m.type);
      if (ws && ws.length > 0) ws.shift()!(m.data);
      else this.events.set(m.type, [...(this.events.get(m.type) ?? []), m.data]);
    }
  }

  call<T>(cmd: string, args: unknown = null): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ kind: 'call', id, cmd, args } satisfies CallMessage);
    });
  }

  /** The next event of this type (one already received first). */
  event<T>(type: string): Promise<T> {
    const queued = this.events.get(type);
    if (queued && queued.length > 0) return Promise.resolve(queued.shift() as T);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<T>((resolve, reject) => {
      const list = this.eventWaiters.get(type) ?? [];
      list.push(resolve as (d: unknown) => void);
      this.eventWaiters.set(type, list);
      this.child.once('exit', () => reject(this.exited ?? new Error(`${this.name} exited`)));
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

/** Forks a bench child (a compiled .js next to this file) with IPC and the given Node flags. */
export function forkChild(name: string, script: string, env: Record<string, string>, execArgv: string[]): ChildLink {
  const child = fork(script, [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    execArgv,
  });
  return new ChildLink(name, child);
}

export type Handlers = Record<string, (args: never) => unknown>;

/** In a child: answers the orchestrator's calls with these handlers; exits when the parent goes. */
export function serveCommands(handlers: Handlers, onExit?: () => Promise<void> | void): void {
  if (!process.send) throw new Error('run me with child_process.fork (IPC)');
  process.on('message', (m: Message) => {
    if (m.kind !== 'call') return;
    const h = handlers[m.cmd];
    const reply = (r: Omit<ReplyMessage, 'kind' | 'id'>) => process.send!({ kind: 'reply', id: m.id, ...r });
    if (!h) {
      reply({ ok: false, error: `unknown command ${m.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => h(m.args as never))
      .then(
        (result) => reply({ ok: true, result }),
        (err: Error) => reply({ ok: false, error: err?.stack ?? String(err) }),
      );
  });
  const bye = async () => {
    try {
      await onExit?.();
    } finally {
      process.exit(0);
    }
  };
  process.on('disconnect', () => void bye());
  process.on('SIGTERM', () => void bye());
}

export function emitEvent(type: string, data: unknown): void {
  process.send!({ kind: 'event', type, data } satisfies EventMessage);
}
