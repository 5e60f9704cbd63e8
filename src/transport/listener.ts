// What tcp, ssl, ws and wss listeners share: binding, the set of open connections, and a
// shutdown that lets connections flush before the remaining sockets are cut.
import type net from 'node:net';
import type tls from 'node:tls';
import type { Logger } from '../log.js';
import type { BaseConnection } from './backpressure.js';
import type { CertificateStore } from './tls-context.js';
import type { AcceptFn, Listener, ListenerLimits, TransportKind } from './types.js';

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ListenOptions {
  /** Empty string = all interfaces. */
  readonly host: string;
  readonly port: number;
  readonly limits: ListenerLimits;
  readonly accept: AcceptFn;
  readonly logger: Logger;
  /** A TLS handshake or WebSocket upgrade not done after this long is cut (default 10 s). */
  readonly handshakeTimeoutMs?: number;
}

export interface TlsListenOptions extends ListenOptions {
  readonly certificates: CertificateStore;
}

export interface TransportListener extends Listener {
  /** Connections handed to accept() and not closed yet. */
  readonly connections: number;
  /**
   * close()s every open connection (they flush for up to closeTimeoutMs), then destroys every
   * socket still open, including ones still in their TLS handshake. Resolves when all are gone.
   */
  closeAll(reason: string): Promise<void>;
}

/** Wraps a listening net.Server (or tls/http/https, which are ones). */
export class ServerListener implements TransportListener {
  private readonly sockets = new Set<net.Socket>();
  private readonly conns = new Set<BaseConnection>();
  private closing = false;
  private unregister: (() => void) | null = null;
  /** closeAll() calls waiting for the last socket to go. */
  private emptyWaiters: Array<() => void> = [];

  constructor(
    readonly kind: TransportKind,
    private readonly server: net.Server,
    private readonly opts: ListenOptions,
    certificates?: CertificateStore,
  ) {
    // Every raw TCP socket, whatever stage it is at, so that closeAll() can cut it.
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        if (this.sockets.size > 0) return;
        const waiters = this.emptyWaiters;
        this.emptyWaiters = [];
        for (const w of waiters) w();
      });
    });
    if (certificates) this.unregister = certificates.register(server as tls.Server);
  }

  get address(): { host: string; port: number } {
    const a = this.server.address() as net.AddressInfo | null;
    return { host: a?.address ?? this.opts.host, port: a?.port ?? this.opts.port };
  }

  get connections(): number {
    return this.conns.size;
  }

  /** Binds; rejects with the address in the message (EADDRINUSE, EACCES). */
  listen(): Promise<void> {
    const { host, port, logger } = this.opts;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server.off('listening', onListening);
        this.unregister?.();
        reject(new Error(`cannot listen for ${this.kind} on ${host || '*'}:${port}: ${err.message}`, { cause: err }));
      };
      const onListening = (): void => {
        this.server.off('error', onError);
        // Later errors (EMFILE on accept) are logged, not thrown.
        this.server.on('error', (err) => logger.error({ err, kind: this.kind }, 'listener error'));
        resolve();
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      // No host: Node listens on '::' (dual stack) or 0.0.0.0.
      this.server.listen(host ? { host, port } : { port });
    });
  }

  /** Hands a new connection to accept(); tracks it until its socket closes. */
  adopt(conn: BaseConnection, socket: net.Socket): void {
    if (this.closing) return conn.destroy('listener closed');
    let handler;
    try {
      handler = this.opts.accept(conn);
    } catch (err) {
      this.opts.logger.error({ err, remote: conn.remote }, 'accept threw');
      handler = null;
    }
    if (handler) {
      this.conns.add(conn);
      socket.once('close', () => this.conns.delete(conn));
    }
    conn.attach(handler);
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.unregister?.();
      // Stops accepting at once; its callback would wait for every connection, so it is not awaited.
      this.server.close();
    }
    return Promise.resolve();
  }

  closeAll(reason: string): Promise<void> {
    for (const conn of this.conns) conn.close(reason);
    if (this.sockets.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      // Connections have had closeTimeoutMs to flush; what is left (handshakes, upgrades) is cut.
      const timer = setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, this.opts.limits.closeTimeoutMs);
      this.emptyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
