// bitcoind's ZMQ notifications as typed events. Each message is [topic, body, 4-byte LE counter];
// the counter increases by one per topic, so a jump means messages were lost (high-water mark,
// reconnect, publisher restart): that is the 'gap' event, and the consumer decides what the loss costs.
// zeromq reconnects by itself; this class only watches and reports.
import { EventEmitter } from 'node:events';
import * as zmq from 'zeromq';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { Daemon } from './types.js';

export type ZmqTopic = 'hashblock' | 'hashtx' | 'rawblock' | 'rawtx' | 'sequence';
export const ZMQ_TOPICS: readonly ZmqTopic[] = ['hashblock', 'hashtx', 'rawblock', 'rawtx', 'sequence'];

/** 'C' block connected, 'D' block disconnected, 'A' tx added to mempool, 'R' tx removed (not by a block). */
export type SequenceLabel = 'C' | 'D' | 'A' | 'R';

/** Hashes are internal byte order (bitcoind publishes them reversed, as displayed). */
export type ZmqEvent =
  | { readonly topic: 'hashblock'; readonly hash: Buffer; readonly counter: number }
  | { readonly topic: 'hashtx'; readonly hash: Buffer; readonly counter: number }
  | { readonly topic: 'rawblock'; readonly raw: Buffer; readonly counter: number }
  | { readonly topic: 'rawtx'; readonly raw: Buffer; readonly counter: number }
  | {
      readonly topic: 'sequence';
      readonly hash: Buffer;
      readonly label: SequenceLabel;
      /** The mempool sequence number, for 'A' and 'R' only. */
      readonly mempoolSequence?: number;
      readonly counter: number;
    };

export interface ZmqGap {
  readonly topic: ZmqTopic;
  readonly expected: number;
  readonly got: number;
}

export interface ZmqListenerOptions {
  /** One publisher for every topic, or the publisher of each topic (as getzmqnotifications lists them). */
  readonly addresses: string | Partial<Record<ZmqTopic, string>>;
  /** Topics to subscribe to; default hashblock, hashtx, rawtx, sequence (those with an address). */
  readonly topics?: readonly ZmqTopic[];
  readonly logger?: Logger;
  /** Default 250 ms (zeromq's default is 100 ms). */
  readonly reconnectIntervalMs?: number;
  /** ZMTP heartbeats detect a dead publisher on a silent TCP link. Default 5000 ms; 0 disables. */
  readonly heartbeatIntervalMs?: number;
}

type EventOf<T extends ZmqTopic> = Extract<ZmqEvent, { topic: T }>;

export interface ZmqListenerEvents {
  hashblock: [EventOf<'hashblock'>];
  hashtx: [EventOf<'hashtx'>];
  rawblock: [EventOf<'rawblock'>];
  rawtx: [EventOf<'rawtx'>];
  sequence: [EventOf<'sequence'>];
  /** Every event above, in arrival order. */
  message: [ZmqEvent];
  gap: [ZmqGap];
  connect: [string];
  disconnect: [string];
  /** A malformed message or a socket failure; the listener keeps running unless closed. */
  error: [Error];
}

const DEFAULT_TOPICS: readonly ZmqTopic[] = ['hashblock', 'hashtx', 'rawtx', 'sequence'];

export class ZmqListener extends EventEmitter<ZmqListenerEvents> {
  readonly topics: readonly ZmqTopic[];
  readonly addresses: readonly string[];
  private readonly socket: zmq.Subscriber;
  private readonly log: Logger;
  private readonly lastCounter = new Map<ZmqTopic, number>();
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(opts: ZmqListenerOptions) {
    super();
    const perTopic = typeof opts.addresses === 'string' ? null : opts.addresses;
    const wanted = opts.topics ?? DEFAULT_TOPICS;
    this.topics = perTopic ? wanted.filter((t) => perTopic[t] !== undefined) : [...wanted];
    if (this.topics.length === 0) throw new Error('ZmqListener: no publisher address for any wanted topic');
    const addrs = perTopic ? this.topics.map((t) => perTopic[t] as string) : [opts.addresses as string];
    this.addresses = [...new Set(addrs)];
    this.log = opts.logger ?? silentLogger();
    this.socket = new zmq.Subscriber({
      reconnectInterval: opts.reconnectIntervalMs ?? 250,
      heartbeatInterval: opts.heartbeatIntervalMs ?? 5000,
      heartbeatTimeout: (opts.heartbeatIntervalMs ?? 5000) * 3,
      receiveHighWaterMark: 0, // bitcoind's side has its own HWM; never drop on ours
      linger: 0,
    });
  }

  /** Connects and starts emitting. Idempotent. */
  start(): this {
    if (this.running || this.closed) return this;
    this.socket.events.on('connect', (e) => {
      this.log.info({ address: e.address }, 'zmq connected');
      this.emit('connect', e.address);
    });
    this.socket.events.on('disconnect', (e) => {
      this.log.warn({ address: e.address }, 'zmq disconnected; zeromq will reconnect');
      this.emit('disconnect', e.address);
    });
    for (const t of this.topics) this.socket.subscribe(t);
    for (const a of this.addresses) this.socket.connect(a);
    this.running = this.receiveLoop();
    return this;
  }

  /** Stops receiving and closes the socket; resolves once the receive loop has ended. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    await this.running;
  }

  private async receiveLoop(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        this.handle(frames);
      }
    } catch (e) {
      if (!this.closed) {
        this.log.error({ err: (e as Error).message }, 'zmq receive failed');
        this.emitError(e as Error);
      }
    }
  }

  private handle(frames: Buffer[]): void {
    if (frames.length < 3 || frames[2].length !== 4) {
      this.emitError(new Error(`zmq: malformed message (${frames.length} frames)`));
      return;
    }
    const topic = frames[0].toString('latin1') as ZmqTopic;
    if (!this.topics.includes(topic)) return;
    const body = frames[1];
    const counter = frames[2].readUInt32LE(0);
    const last = this.lastCounter.get(topic);
    this.lastCounter.set(topic, counter);
    if (last !== undefined && counter !== ((last + 1) >>> 0)) {
      const gap: ZmqGap = { topic, expected: (last + 1) >>> 0, got: counter };
      // Logged by the consumer, which knows what the loss costs (a resync, or only an RPC).
      this.emit('gap', gap);
    }
    const event = parseBody(topic, body, counter);
    if (!event) {
      this.emitError(new Error(`zmq: malformed ${topic} body (${body.length} bytes)`));
      return;
    }
    this.emit(topic, event as never);
    this.emit('message', event);
  }

  private emitError(e: Error): void {
    // An 'error' event without listeners would throw; a missing listener just means nobody cares.
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }
}

function parseBody(topic: ZmqTopic, body: Buffer, counter: number): ZmqEvent | null {
  switch (topic) {
    case 'hashblock':
    case 'hashtx':
      return body.length === 32 ? { topic, hash: reversed(body), counter } : null;
    case 'rawblock':
    case 'rawtx':
      return body.length > 0 ? { topic, raw: body, counter } : null;
    case 'sequence': {
      if (body.length < 33) return null;
      const label = String.fromCharCode(body[32]);
      const hash = reversed(body.subarray(0, 32));
      if (label === 'C' || label === 'D') return body.length === 33 ? { topic, hash, label, counter } : null;
      if (label === 'A' || label === 'R') {
        if (body.length !== 41) return null;
        return { topic, hash, label, mempoolSequence: Number(body.readBigUInt64LE(33)), counter };
      }
      return null;
    }
  }
}

function reversed(b: Buffer): Buffer {
  return Buffer.from(b).reverse();
}

/**
 * The daemon's ZMQ publishers by topic, from getzmqnotifications. A wildcard bind address
 * (0.0.0.0, *, ::) is replaced by `host` (the daemon's host) when given.
 */
export async function discoverZmq(daemon: Pick<Daemon, 'call'>, host?: string): Promise<Partial<Record<ZmqTopic, string>>> {
  const list = await daemon.call<Array<{ type: string; address: string }>>('getzmqnotifications');
  const out: Partial<Record<ZmqTopic, string>> = {};
  for (const n of list ?? []) {
    const topic = n.type.replace(/^pub/, '') as ZmqTopic;
    if (!ZMQ_TOPICS.includes(topic)) continue;
    out[topic] = host ? n.address.replace(/^tcp:\/\/(0\.0\.0\.0|\*|\[::\])(?=:)/, `tcp://${host}`) : n.address;
  }
  return out;
}
