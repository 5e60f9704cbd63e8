// One ZMQ PUB socket carrying every topic, framed as bitcoind's CZMQAbstractPublishNotifier
// sends: [topic, body, 4-byte little-endian sequence], one upcounting sequence per topic from 0.
// It is an XPUB so it knows which topics anyone subscribed to: messages nobody wants are not
// built or queued (their sequence numbers still advance, exactly as if the PUB dropped them), which
// keeps bulk chain building cheap when only hashblock is watched.
import net from 'node:net';
import * as zmq from 'zeromq';
import type { Logger } from '../../log.js';
import type { FaultInjector, ZmqTopic } from '../rpc/faults.js';

/** -zmqpub*hwm default. */
export const ZMQ_DEFAULT_HWM = 1000;

/** Not a bitcoind topic: subscribers of bitcoind topics never see it. */
export const PROBE_TOPIC = 'devnetprobe';

export class ZmqPublisher {
  private readonly sequences = new Map<ZmqTopic, number>();
  /** Subscribed prefixes (XPUB passes the first subscribe and the last unsubscribe of each). */
  private readonly subscriptions = new Set<string>();
  private readonly queue: Buffer[][] = [];
  private draining?: Promise<void>;
  private closed = false;

  private constructor(
    private readonly socket: zmq.XPublisher,
    readonly url: string,
    private readonly faults: FaultInjector,
    private readonly log: Logger,
  ) {
    void this.watchSubscriptions();
  }

  static async bind(host: string, port: number, faults: FaultInjector, log: Logger): Promise<ZmqPublisher> {
    const socket = new zmq.XPublisher({ sendHighWaterMark: ZMQ_DEFAULT_HWM, linger: 0 });
    await socket.bind(`tcp://${host}:${port}`);
    const url = socket.lastEndpoint ?? `tcp://${host}:${port}`;
    return new ZmqPublisher(socket, url, faults, log);
  }

  private async watchSubscriptions(): Promise<void> {
    try {
      for await (const [msg] of this.socket) {
        if (!msg || msg.length === 0) continue;
        const prefix = msg.subarray(1).toString('latin1');
        if (msg[0] === 1) this.subscriptions.add(prefix);
        else if (msg[0] === 0) this.subscriptions.delete(prefix);
      }
    } catch {
      // The socket was closed.
    }
  }

  /** Whether any subscriber's prefix matches `topic`. */
  wants(topic: string): boolean {
    for (const p of this.subscriptions) if (topic.startsWith(p)) return true;
    return false;
  }

  /** The next sequence number `topic` will carry. */
  nextSequence(topic: ZmqTopic): number {
    return this.sequences.get(topic) ?? 0;
  }

  /**
   * Queues one message; the sequence advances even when a fault drops it (a gap the subscriber can
   * see) or nobody subscribed. `body` may be a function, called only if the message is sent.
   */
  publish(topic: ZmqTopic, body: Buffer | (() => Buffer)): void {
    if (this.closed) return;
    const seq = this.nextSequence(topic);
    this.sequences.set(topic, (seq + 1) >>> 0);
    if (this.faults.takeZmqDrop(topic)) {
      this.log.debug({ topic, seq }, 'zmq message dropped by fault');
      return;
    }
    if (!this.wants(topic)) return;
    const seqFrame = Buffer.alloc(4);
    seqFrame.writeUInt32LE(seq);
    this.queue.push([Buffer.from(topic), typeof body === 'function' ? body() : body, seqFrame]);
    this.draining ??= this.drain();
  }

  /**
   * Sends a message on the devnet-only topic PROBE_TOPIC (no sequence of its own, no effect on the
   * real topics) whose body lists the subscriptions the publisher knows (JSON array), so a test can
   * tell that its subscription is live before events start.
   */
  probe(): void {
    if (this.closed) return;
    const known = Buffer.from(JSON.stringify([...this.subscriptions]));
    this.queue.push([Buffer.from(PROBE_TOPIC), known, Buffer.alloc(4)]);
    this.draining ??= this.drain();
  }

  /** Resolves once everything queued so far has been handed to ZMQ. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      // zeromq.js allows one send in flight per socket: send in order, one at a time.
      while (this.queue.length > 0 && !this.closed) {
        const msg = this.queue.shift()!;
        try {
          await this.socket.send(msg);
        } catch (e) {
          this.log.warn({ err: e }, 'zmq send failed');
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  /**
   * Resolves once the port is free again: close() releases it later, on ZMQ's I/O thread. Not
   * unbind(): zeromq.js runs it on a libuv worker while this thread still uses the socket (the
   * subscription loop's receive), and libzmq sockets are not thread-safe (it aborted in
   * pipe_t::process_pipe_term_ack, and once as a double free).
   */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.socket.close();
    const { hostname, port } = new URL(this.url.replace(/^tcp:/, 'http:'));
    await untilPortFree(hostname.replace(/^\[|\]$/g, ''), Number(port));
  }
}

/** Waits (up to ~5 s) until a TCP listener can take host:port. */
async function untilPortFree(host: string, port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (free) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
