// The HTTP side of the RPC server: POST / (and /wallet/<name>) with Basic auth, keep-alive,
// bitcoind's 401/405/404 answers, and the listener faults (down, slow).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { Dispatcher } from './dispatch.js';
import type { FaultInjector, RpcListenerControl } from './faults.js';

/** bitcoind reads at most MAX_SIZE (32 MiB) of request body. */
const MAX_BODY = 0x02000000;
const WWW_AUTH_HEADER = 'Basic realm="jsonrpc"';

export interface RpcHttpOptions {
  readonly host: string;
  readonly port: number;
  /** Accepted "user:password" strings (configured credentials and/or the cookie). */
  readonly credentials: () => readonly string[];
  readonly dispatcher: Dispatcher;
  readonly faults: FaultInjector;
  readonly log: Logger;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** RPCAuthorized: "Basic <base64 user:pass>" matching one of the accepted pairs. */
export function authorized(header: string | undefined, accepted: readonly string[]): boolean {
  if (!header || !header.startsWith('Basic ')) return false;
  const userPass = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  if (!userPass.includes(':')) return false;
  return accepted.some((c) => safeEqual(userPass, c));
}

export class RpcHttpServer implements RpcListenerControl {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private listening = false;
  private transition: Promise<void> = Promise.resolve();
  private _port: number;

  private constructor(private readonly opts: RpcHttpOptions) {
    this._port = opts.port;
    this.server = createServer({ keepAlive: true }, (req, res) => void this.onRequest(req, res));
    // -rpcservertimeout default: 30 seconds of idle keep-alive.
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async listen(opts: RpcHttpOptions): Promise<RpcHttpServer> {
    const s = new RpcHttpServer(opts);
    await s.setListening(true);
    return s;
  }

  get port(): number {
    return this._port;
  }

  get url(): string {
    return `http://${this.opts.host}:${this._port}`;
  }

  /** Opens or closes the listener; calls are serialized so a quick down/up cannot interleave. */
  setListening(on: boolean): Promise<void> {
    const next = this.transition.then(() => this.applyListening(on));
    this.transition = next.catch(() => undefined);
    return next;
  }

  private async applyListening(on: boolean): Promise<void> {
    if (on === this.listening) return;
    if (on) {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        this.server.once('error', onError);
        this.server.listen(this._port, this.opts.host, () => {
          this.server.off('error', onError);
          resolve();
        });
      });
      const addr = this.server.address();
      if (addr && typeof addr === 'object') this._port = addr.port;
      this.listening = true;
      this.opts.log.debug({ port: this._port }, 'rpc listening');
    } else {
      this.listening = false;
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
      this.server.closeAllConnections();
      await closed;
      this.opts.log.debug({ port: this._port }, 'rpc listener closed');
    }
  }

  async close(): Promise<void> {
    await this.setListening(false);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path !== '/' && !path.startsWith('/wallet/')) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { 'Content-Type': 'text/html; charset=ISO-8859-1' }).end('JSONRPC server handles only POST requests');
      return;
    }
    if (!authorized(req.headers.authorization, this.opts.credentials())) {
      req.resume();
      this.opts.log.warn({ peer: req.socket.remoteAddress }, 'incorrect rpc password attempt');
      res.writeHead(401, { 'WWW-Authenticate': WWW_AUTH_HEADER, 'Content-Length': '0' }).end();
      return;
    }
    let body: string;
    try {
      body = await readBody(req);
    } catch {
      res.writeHead(413).end();
      return;
    }
    const reply = await this.opts.dispatcher.handle(body);
    const delay = this.opts.faults.rpcDelayMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (res.destroyed || !this.listening) return;
    if (reply.body === undefined) {
      res.writeHead(reply.status).end();
      return;
    }
    res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(reply.body) });
    res.end(reply.body);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
