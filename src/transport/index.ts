// The transport layer: listeners that turn sockets into message Connections (see types.ts).
import type { CertificateStore } from './tls-context.js';
import type { ListenOptions, TransportListener } from './listener.js';
import { listenTcp, listenTls } from './tcp.js';
import type { TransportKind } from './types.js';
import { listenWs, listenWss } from './ws.js';

export type * from './types.js';
export { BaseConnection, plainAddress } from './backpressure.js';
export { LineSplitter } from './line-splitter.js';
export { DEFAULT_HANDSHAKE_TIMEOUT_MS, ServerListener, type ListenOptions, type TlsListenOptions, type TransportListener } from './listener.js';
export { SocketConnection } from './socket-connection.js';
export { listenTcp, listenTls } from './tcp.js';
export { CertificateStore, loadCertificates, type CertificateInfo, type CertificateStoreOptions, type PemPair } from './tls-context.js';
export { WsConnection, listenWs, listenWss } from './ws.js';

export interface ServiceAddress {
  readonly protocol: TransportKind;
  /** Empty string = all interfaces. */
  readonly host: string;
  readonly port: number;
}

/** Starts the listener for one SERVICES entry; ssl and wss need `certificates`. */
export function listen(
  service: ServiceAddress,
  opts: Omit<ListenOptions, 'host' | 'port'> & { readonly certificates?: CertificateStore | null },
): Promise<TransportListener> {
  const base = { ...opts, host: service.host, port: service.port };
  const certificates = opts.certificates;
  switch (service.protocol) {
    case 'tcp':
      return listenTcp(base);
    case 'ws':
      return listenWs(base);
    case 'ssl':
    case 'wss':
      if (!certificates) return Promise.reject(new Error(`${service.protocol}:// needs SSL_CERTFILE and SSL_KEYFILE`));
      return service.protocol === 'ssl' ? listenTls({ ...base, certificates }) : listenWss({ ...base, certificates });
  }
}
