// What the transports give the Electrum layer: a connection that carries whole messages (a line
// over TCP/TLS, a frame over WebSocket) and pushes back when its peer stops reading. Transports
// know bytes and sockets, nothing of the protocol's methods.

export type TransportKind = 'tcp' | 'ssl' | 'ws' | 'wss';

/** One outgoing message: text, or ASCII bytes in pieces to be sent one after the other. */
export type Message = string | readonly Buffer[];

/** The session side of a connection: what the transport calls. */
export interface MessageHandler {
  /** One complete message (no trailing newline; a trailing '\r' is stripped). */
  onMessage(message: string): void;
  /**
   * The peer sent a message longer than maxRecv. The transport has dropped its bytes; after this
   * returns it sends what is queued and closes the connection (the handler may queue an error).
   */
  onOversized(length: number): void;
  /** Queued output fell back under the low-water mark (see Connection.congested). */
  onDrain(): void;
  /** The connection is gone (either side, any reason); called exactly once, never before onOpen returned. */
  onClose(reason: string): void;
}

export interface Connection {
  readonly id: number;
  readonly kind: TransportKind;
  /** "ip:port" of the peer. */
  readonly remote: string;
  /** The peer's IP address alone. */
  readonly remoteAddress: string;
  /**
   * Queues one message (the transport adds the newline over TCP/TLS): a string, or the pieces of
   * a long ASCII one as buffers (a 10 MB answer then never becomes a JS string). Returns false when
   * the connection is closing or closed (the message was dropped).
   */
  send(message: Message): boolean;
  /** Bytes queued and not yet taken by the kernel. */
  readonly bufferedBytes: number;
  /** True while bufferedBytes is over the high-water mark (until it drains under the low-water mark). */
  readonly congested: boolean;
  /** Stops reading the peer's input (back-pressure); messages already split off may still arrive. */
  pause(): void;
  resume(): void;
  /** Sends what is queued, then closes (a peer that does not read is cut after closeTimeoutMs). */
  close(reason: string): void;
  /** Closes at once, dropping queued output. */
  destroy(reason: string): void;
  readonly closed: boolean;
}

export interface ListenerLimits {
  /** Largest message accepted, in bytes (MAX_RECV). */
  readonly maxRecv: number;
  /** Output queued above this makes the connection congested (the session stops taking requests). */
  readonly highWaterBytes: number;
  /** Congestion ends when the queue drains below this. */
  readonly lowWaterBytes: number;
  /** Output queued above this closes the connection at once: a peer that does not read cannot grow our memory. */
  readonly hardLimitBytes: number;
  /** A connection congested for this long is closed. */
  readonly congestedTimeoutMs: number;
  /** Grace for close() to flush before the socket is destroyed. */
  readonly closeTimeoutMs: number;
}

/** Called for every accepted connection; returns its handler, or null to refuse it (closed at once). */
export type AcceptFn = (conn: Connection) => MessageHandler | null;

export interface Listener {
  readonly kind: TransportKind;
  /** Bound address as host:port (the real port when 0 was asked). */
  readonly address: { readonly host: string; readonly port: number };
  /** Stops accepting; open connections stay until closeAll or their end. */
  close(): Promise<void>;
}
