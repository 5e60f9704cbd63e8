// DevnetServer: a DevnetNode behind bitcoind's HTTP JSON-RPC and ZMQ PUB interfaces, with
// cookie/user auth, a warm-up period and fault injection.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { logger, type Logger } from '../log.js';
import type { DevnetNode } from './node.js';
import type { RpcContext, ZmqNotification } from './rpc/context.js';
import { Dispatcher } from './rpc/dispatch.js';
import { FaultInjector } from './rpc/faults.js';
import { RpcHttpServer } from './rpc/http.js';
import { allMethods } from './rpc/methods/index.js';
import { ZMQ_DEFAULT_HWM, ZmqPublisher } from './zmq/publisher.js';
import { ZmqNotifier } from './zmq/notifier.js';

export { FaultInjector } from './rpc/faults.js';
export type { Count, ZmqTopic } from './rpc/faults.js';

export interface DevnetServerOptions {
  node: DevnetNode;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) = a free port. */
  rpcPort?: number;
  /** 0 (default) = a free port; one PUB socket carries every topic. */
  zmqPort?: number;
  /** If omitted, cookie auth only. */
  rpcUser?: string;
  rpcPassword?: string;
  /** Written as "__cookie__:<64 hex>" on start, removed on stop. Without it and without a password, a temp cookie is made. */
  cookieFile?: string;
  /** Answer -28 "Loading block index…" for this long after start. */
  warmupMs?: number;
  /** Like bitcoind -prune=1 (manual pruning): getblockchaininfo says pruned; no block is pruned yet. */
  prune?: boolean;
  /** Like bitcoind -txindex=1 (default: on, off in prune mode, as the harness runs bitcoind). */
  txindex?: boolean;
  log?: Logger;
}

const COOKIE_USER = '__cookie__';
const ZMQ_NOTIFIERS = ['pubhashblock', 'pubhashtx', 'pubrawblock', 'pubrawtx', 'pubsequence'];

export class DevnetServer {
  readonly faults: FaultInjector;
  readonly cookieFile?: string;
  private stopped = false;

  private constructor(
    readonly node: DevnetNode,
    private readonly http: RpcHttpServer,
    private readonly zmq: ZmqPublisher,
    private readonly notifier: ZmqNotifier,
    faults: FaultInjector,
    cookieFile: string | undefined,
    private readonly tempDir: string | undefined,
    private readonly log: Logger,
  ) {
    this.faults = faults;
    this.cookieFile = cookieFile;
  }

  static async start(opts: DevnetServerOptions): Promise<DevnetServer> {
    const host = opts.host ?? '127.0.0.1';
    const log = opts.log ?? logger('devnet');
    const faults = new FaultInjector();
    const credentials: string[] = [];
    if (opts.rpcUser !== undefined && opts.rpcPassword !== undefined) credentials.push(`${opts.rpcUser}:${opts.rpcPassword}`);

    let cookieFile = opts.cookieFile;
    let tempDir: string | undefined;
    if (!cookieFile && credentials.length === 0) {
      tempDir = mkdtempSync(join(tmpdir(), 'devnet-'));
      cookieFile = join(tempDir, '.cookie');
    }
    if (cookieFile) {
      const cookie = `${COOKIE_USER}:${randomBytes(32).toString('hex')}`;
      mkdirSync(dirname(cookieFile), { recursive: true });
      writeFileSync(cookieFile, cookie, { mode: 0o600 });
      credentials.push(cookie);
    }

    const zmq = await ZmqPublisher.bind(host, opts.zmqPort ?? 0, faults, log);
    const notifier = new ZmqNotifier(opts.node, zmq);
    const warmupUntil = Date.now() + (opts.warmupMs ?? 0);
    const ctx: RpcContext = {
      node: opts.node,
      faults,
      prune: opts.prune ?? false,
      txindex: opts.txindex ?? !(opts.prune ?? false),
      startedAt: Math.floor(Date.now() / 1000),
      zmqNotifications: (): ZmqNotification[] => ZMQ_NOTIFIERS.map((type) => ({ type, address: zmq.url, hwm: ZMQ_DEFAULT_HWM })),
    };
    const dispatcher = new Dispatcher(allMethods, ctx, { inWarmup: () => Date.now() < warmupUntil }, log);
    let http: RpcHttpServer;
    try {
      http = await RpcHttpServer.listen({ host, port: opts.rpcPort ?? 0, credentials: () => credentials, dispatcher, faults, log });
    } catch (e) {
      notifier.stop();
      await zmq.close();
      if (cookieFile) rmSync(cookieFile, { force: true });
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      throw e;
    }
    faults.attach(http);
    const server = new DevnetServer(opts.node, http, zmq, notifier, faults, cookieFile, tempDir, log);
    log.info({ rpcUrl: server.rpcUrl, zmqUrl: server.zmqUrl, cookieFile }, 'devnet server started');
    return server;
  }

  get rpcUrl(): string {
    return this.http.url;
  }

  get rpcPort(): number {
    return this.http.port;
  }

  get zmqUrl(): string {
    return this.zmq.url;
  }

  /** Publishes a 'devnetprobe' message (see ZmqPublisher.probe) to check a subscription is live. */
  zmqProbe(): void {
    this.zmq.probe();
  }

  /** Resolves when every ZMQ message produced so far has been handed to the socket. */
  async flushZmq(): Promise<void> {
    await this.zmq.flush();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.notifier.stop();
    await this.http.close();
    await this.zmq.close();
    if (this.cookieFile) rmSync(this.cookieFile, { force: true });
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    this.log.info('devnet server stopped');
  }
}
