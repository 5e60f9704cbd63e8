// tcp:// and ssl:// listeners: newline-framed connections over net and tls servers.
import net from 'node:net';
import tls from 'node:tls';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, ServerListener, type ListenOptions, type TlsListenOptions, type TransportListener } from './listener.js';
import { SocketConnection } from './socket-connection.js';

export async function listenTcp(opts: ListenOptions): Promise<TransportListener> {
  // pauseOnConnect: nothing is read before accept() has given the connection a handler.
  const server = net.createServer({ pauseOnConnect: true, noDelay: true });
  const listener = new ServerListener('tcp', server, opts);
  server.on('connection', (socket) => {
    listener.adopt(new SocketConnection(socket, 'tcp', opts.limits, opts.logger), socket);
  });
  await listener.listen();
  return listener;
}

export async function listenTls(opts: TlsListenOptions): Promise<TransportListener> {
  const { certificates, logger } = opts;
  const server = tls.createServer({
    ...certificates.pem,
    // Clients that connect and never finish the handshake are cut (tlsClientError follows).
    handshakeTimeout: opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
  });
  const listener = new ServerListener('ssl', server, opts, certificates);
  server.on('secureConnection', (socket) => {
    listener.adopt(new SocketConnection(socket, 'ssl', opts.limits, logger), socket);
  });
  // Handshake failures (plain TCP on the TLS port, timeouts, scanners) are routine: debug only.
  server.on('tlsClientError', (err, socket) => {
    logger.debug({ err: err.message, remote: socket.remoteAddress }, 'TLS handshake failed');
    socket.destroy();
  });
  await listener.listen();
  return listener;
}
