// A ZMQ SUB that records every message of bitcoind-style notifications, for tests and tools:
// frames decoded to {topic, body, seq}, and a way to wait for a condition over what arrived.
import * as zmq from 'zeromq';
import { PROBE_TOPIC } from './publisher.js';

export interface ZmqMessage {
  readonly topic: string;
  readonly body: Buffer;
  /** The 4-byte little-endian sequence frame. */
  readonly seq: number;
  readonly frames: number;
}

export class ZmqCollector {
  /** Every message of a bitcoind topic, in arrival order (probes are kept apart). */
  readonly messages: ZmqMessage[] = [];
  /** The subscription lists carried by the probes received. */
  private readonly probes: string[][] = [];
  private waiters: Array<() => void> = [];
  private readonly sub = new zmq.Subscriber({ linger: 0 });

  /**
   * Connects and subscribes (all topics when none are given). With `probe` (devnet's
   * DevnetServer.zmqProbe), returns only once the publisher knows the subscription, so no early
   * message is lost.
   */
  static async open(url: string, opts: { topics?: string[]; probe?: () => void } = {}): Promise<ZmqCollector> {
    const c = new ZmqCollector();
    const topics = opts.topics ?? [];
    if (topics.length === 0) c.sub.subscribe();
    else c.sub.subscribe(...topics, PROBE_TOPIC);
    c.sub.connect(url);
    void c.loop();
    if (opts.probe) {
      // Live once a probe arrives whose body shows the publisher knows all our subscriptions.
      const wanted = topics.length === 0 ? [''] : topics;
      while (!c.probes.some((known) => wanted.every((t) => known.includes(t)))) {
        opts.probe();
        await Promise.race([c.next(), new Promise((r) => setTimeout(r, 50))]);
      }
    }
    c.clear();
    return c;
  }

  private async loop(): Promise<void> {
    try {
      for await (const frames of this.sub) {
        if (frames[0]!.toString() === PROBE_TOPIC) {
          this.probes.push(JSON.parse(frames[1]?.toString() || '[]') as string[]);
        } else {
          this.messages.push({
            topic: frames[0]!.toString(),
            body: Buffer.from(frames[1] ?? Buffer.alloc(0)),
            seq: frames[2] && frames[2].length >= 4 ? frames[2].readUInt32LE(0) : -1,
            frames: frames.length,
          });
        }
        for (const w of this.waiters.splice(0)) w();
      }
    } catch {
      // The socket was closed.
    }
  }

  private next(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Resolves once `pred` holds over the messages received so far (bound it with the caller's timeout). */
  async until(pred: (msgs: readonly ZmqMessage[]) => boolean): Promise<readonly ZmqMessage[]> {
    while (!pred(this.messages)) await this.next();
    return this.messages;
  }

  of(topic: string): ZmqMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  clear(): void {
    this.messages.length = 0;
  }

  close(): void {
    this.sub.close();
  }
}
