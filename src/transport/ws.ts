// ws:// and wss:// listeners: one WebSocket message per Electrum message, no newline framing.
// The WebSocket server runs on an http/https server of our own so that plain HTTP requests get a
// short refusal and TLS shares the CertificateStore with ssl://.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { Logger } from '../log.js';
import { BaseConnection } from './backpressure.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, ServerListener, type ListenOptions, type TlsListenOptions, type TransportListener } from './listener.js';
import type { ListenerLimits, Message } from './types.js';

/** Slack above maxRecv for ws's own limit: frames over maxRecv get our onOversized, not a bare 1009. */
const PAYLOAD_SLACK = 1024;

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** A close frame's reason is at most 123 bytes of UTF-8 (ws throws beyond). */
function closeReason(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1);
  return r;
}

export class WsConnection extends BaseConnection {
  /** 1000 normal closure; 1009 message too big. */
  private closeCode = 1000;
  private corked = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: net.Socket,
    kind: 'ws' | 'wss',
    limits: ListenerLimits,
    log: Logger,
  ) {
    super(kind, socket.remoteAddress, socket.remotePort, limits, log);
    // ws emits 'error' (bad frame, payload over maxPayload) before closing; unhandled it would throw.
    ws.on('error', (err) => this.rawError(err));
    ws.on('close', () => this.rawClosed());
    // ws closes on socket errors without reporting them: keep ECONNRESET & co. as the reason.
    socket.on('error', (err) => this.rawError(err));
    // bufferedAmount is mostly the socket's write queue: its 'drain' and the send callbacks say when it shrinks.
    socket.on('drain', this.afterWrite);
  }

  protected override startReading(): void {
    this.ws.on('message', (data) => {
      if (this.closed) return;
      const buf = toBuffer(data);
      if (buf.length > this.limits.maxRecv) return this.oversized(buf.length);
      if (buf.length === 0) return; // as empty lines over TCP
      // Text frames were checked as UTF-8 by ws; binary ones are decoded leniently.
      this.deliver(buf.toString('utf8'));
    });
  }

  protected override oversized(length: number): void {
    this.closeCode = 1009;
    super.oversized(length);
  }

  protected override rawSend(message: Message): void {
    // Frames sent during one turn of the event loop leave in one write (see SocketConnection).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    // One frame per message: pieces are joined (a text frame, as Electrum's WebSocket clients expect).
    if (typeof message === 'string') this.ws.send(message, this.afterWrite);
    else this.ws.send(Buffer.concat(message), { binary: false }, this.afterWrite);
  }

  protected override get rawBuffered(): number {
    return this.ws.bufferedAmount;
  }

  protected override get rawWritable(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  protected override rawPause(): void {
    this.ws.pause();
  }

  protected override rawResume(): void {
    this.ws.resume();
  }

  protected override rawEnd(reason: string): void {
    try {
      this.ws.close(this.closeCode, closeReason(reason));
    } catch {
      this.ws.terminate();
    }
  }

  protected override rawDestroy(): void {
    this.ws.terminate();
  }
}

function serve(kind: 'ws' | 'wss', server: http.Server, opts: ListenOptions, listener: ServerListener): void {
  const { limits, logger } = opts;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: limits.maxRecv + PAYLOAD_SLACK,
  });
  server.on('request', (_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain', Connection: 'close', Upgrade: 'websocket' });
    res.end('426 Upgrade Required: this is an Electrum server, connect with a WebSocket client\n');
  });
  server.on('upgrade', (req, socket: net.Socket, head) => {
    socket.on('error', (err) => logger.debug({ err: err.message }, 'socket error during WebSocket upgrade'));
    // Bad upgrade requests are answered (400) and closed by ws itself.
    wss.handleUpgrade(req, socket, head, (ws) => {
      listener.adopt(new WsConnection(ws, socket, kind, limits, logger), socket);
    });
  });
}

/** A client that opens a socket and never completes its upgrade request is cut after the timeout. */
function httpTimeouts(opts: ListenOptions): http.ServerOptions {
  const timeout = opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  // Node checks these timeouts only every connectionsCheckingInterval (30 s by default).
  return { headersTimeout: timeout, requestTimeout: timeout, connectionsCheckingInterval: Math.min(1000, Math.ceil(timeout / 4)) };
}

export async function listenWs(opts: ListenOptions): Promise<TransportListener> {
  const server = http.createServer(httpTimeouts(opts));
  const listener = new ServerListener('ws', server, opts);
  serve('ws', server, opts, listener);
  await listener.listen();
  return listener;
}

export async function listenWss(opts: TlsListenOptions): Promise<TransportListener> {
  const server = https.createServer({
    ...httpTimeouts(opts),
    ...opts.certificates.pem,
    handshakeTimeout: opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
  });
  const listener = new ServerListener('wss', server, opts, opts.certificates);
  serve('wss', server, opts, listener);
  server.on('tlsClientError', (err, socket) => {
    opts.logger.debug({ err: err.message, remote: socket.remoteAddress }, 'TLS handshake failed');
    socket.destroy();
  });
  await listener.listen();
  return listener;
}
