// A Connection over a net.Socket, for tcp:// and (with a tls.TLSSocket, which is one) ssl://.
// Messages are newline-framed; congestion and close semantics come from BaseConnection.
import type net from 'node:net';
import type { Logger } from '../log.js';
import { BaseConnection } from './backpressure.js';
import { LineSplitter } from './line-splitter.js';
import type { ListenerLimits, Message } from './types.js';

export class SocketConnection extends BaseConnection {
  private readonly splitter: LineSplitter;
  /**
   * Messages sent during this turn of the event loop, written together at its end: one write
   * (and system call) per connection per turn instead of one per message, which a wallet's
   * pipelined requests and a block's burst of notifications would otherwise cost.
   */
  private pending: Array<string | Buffer> = [];
  private pendingChars = 0;
  private hasBuffers = false;
  private writeScheduled = false;
  private readonly writePending = (): void => {
    this.writeScheduled = false;
    if (this.pending.length === 0) return;
    const parts = this.pending;
    const buffers = this.hasBuffers;
    this.pending = [];
    this.pendingChars = 0;
    this.hasBuffers = false;
    if (!this.socket.writable) return;
    if (!buffers) {
      this.socket.write(parts.length === 1 ? (parts[0] as string) : parts.join(''), this.afterWrite);
      return;
    }
    // Long answers come as buffers: written as they are, the text between them joined.
    this.socket.cork();
    let text = '';
    for (const p of parts) {
      if (typeof p === 'string') text += p;
      else {
        if (text) this.socket.write(text);
        text = '';
        this.socket.write(p);
      }
    }
    this.socket.write(text, this.afterWrite);
    this.socket.uncork();
  };

  constructor(
    private readonly socket: net.Socket,
    kind: 'tcp' | 'ssl',
    limits: ListenerLimits,
    log: Logger,
  ) {
    super(kind, socket.remoteAddress, socket.remotePort, limits, log);
    this.splitter = new LineSplitter(
      limits.maxRecv,
      (line) => this.deliver(line),
      (length) => this.oversized(length),
    );
    socket.setNoDelay(true);
    // ECONNRESET, EPIPE and the like: without a listener they would be thrown.
    socket.on('error', (err) => this.rawError(err));
    socket.on('close', () => this.rawClosed());
    // 'drain' fires only when the queue is empty; afterWrite catches the low-water mark earlier.
    socket.on('drain', this.afterWrite);
    // Reading starts in startReading(), once the handler exists.
    socket.pause();
  }

  protected override startReading(): void {
    this.socket.on('data', (chunk: Buffer) => {
      // After close() the input is read only so that the kernel does not reset the connection.
      if (!this.closed) this.splitter.push(chunk);
    });
    this.socket.resume();
  }

  protected override rawSend(message: Message): void {
    if (typeof message === 'string') {
      this.pending.push(message, '\n');
      this.pendingChars += message.length + 1;
    } else {
      for (const b of message) {
        this.pending.push(b);
        this.pendingChars += b.length;
      }
      this.pending.push('\n');
      this.pendingChars++;
      this.hasBuffers = true;
    }
    if (!this.writeScheduled) {
      this.writeScheduled = true;
      setImmediate(this.writePending);
    }
  }

  protected override get rawBuffered(): number {
    return this.socket.writableLength + this.pendingChars;
  }

  protected override get rawWritable(): boolean {
    return this.socket.writable && !this.socket.destroyed;
  }

  protected override rawPause(): void {
    this.socket.pause();
  }

  protected override rawResume(): void {
    this.socket.resume();
  }

  protected override rawEnd(): void {
    this.splitter.stop();
    this.writePending();
    this.socket.end();
  }

  protected override rawDestroy(): void {
    this.splitter.stop();
    this.pending = [];
    this.pendingChars = 0;
    this.hasBuffers = false;
    this.socket.destroy();
  }
}
