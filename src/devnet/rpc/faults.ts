// Fault injection for failover and gap-detection tests: the RPC listener going away, slow
// answers, canned errors, lost ZMQ messages.
import { RpcError } from './errors.js';

export type ZmqTopic = 'hashblock' | 'hashtx' | 'rawblock' | 'rawtx' | 'sequence';
export const ZMQ_TOPICS: readonly ZmqTopic[] = ['hashblock', 'hashtx', 'rawblock', 'rawtx', 'sequence'];

export type Count = number | 'always';

/** What the HTTP side does when the RPC goes down or comes back. */
export interface RpcListenerControl {
  setListening(on: boolean): Promise<void>;
}

interface ErrorFault {
  code: number;
  message: string;
  left: Count;
}

export class FaultInjector {
  private listener?: RpcListenerControl;
  private down = false;
  private slowMs = 0;
  private error?: ErrorFault;
  private drops = new Map<ZmqTopic, Count>();

  /** Wired by the server once its listener exists. */
  attach(listener: RpcListenerControl): void {
    this.listener = listener;
  }

  /** on: close the RPC port and drop open connections (clients get ECONNREFUSED); off: listen again on the same port. */
  async rpcDown(on: boolean): Promise<void> {
    await this.listener?.setListening(!on);
    this.down = on;
  }

  /** True from the moment the port is closed until it listens again. */
  get isRpcDown(): boolean {
    return this.down;
  }

  /** Delay every RPC response by `ms` (0 turns it off). */
  rpcSlow(ms: number): void {
    this.slowMs = Math.max(0, ms);
  }

  get rpcDelayMs(): number {
    return this.slowMs;
  }

  /** Answer the next `count` method calls (or all) with this error instead of running them. */
  rpcErrors(code: number, message: string, count: Count = 1): void {
    this.error = count === 0 ? undefined : { code, message, left: count };
  }

  /** Drop the next `count` messages (or all) of a topic; sequence counters still advance, as on a lossy link. */
  dropZmq(topic: ZmqTopic | 'all', count: Count = 1): void {
    for (const t of topic === 'all' ? ZMQ_TOPICS : [topic]) {
      if (count === 0) this.drops.delete(t);
      else this.drops.set(t, count);
    }
  }

  async reset(): Promise<void> {
    this.slowMs = 0;
    this.error = undefined;
    this.drops.clear();
    if (this.down) await this.rpcDown(false);
  }

  /** Consumes one injected RPC error, if any is pending. */
  takeRpcError(): RpcError | undefined {
    const e = this.error;
    if (!e) return undefined;
    if (e.left !== 'always') {
      e.left -= 1;
      if (e.left <= 0) this.error = undefined;
    }
    return new RpcError(e.code, e.message);
  }

  /** Whether to drop this message of `topic` (consumes one from the count). */
  takeZmqDrop(topic: ZmqTopic): boolean {
    const left = this.drops.get(topic);
    if (left === undefined) return false;
    if (left !== 'always') {
      if (left <= 1) this.drops.delete(topic);
      else this.drops.set(topic, left - 1);
    }
    return true;
  }
}
