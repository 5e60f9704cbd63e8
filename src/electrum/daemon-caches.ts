// Answers that come from the daemon and change slowly, cached: fee estimates until the next block
// (the protocol asks servers to drop them before notifying a new header), the relay fee and the
// mempool fee settings for a minute, as ElectrumX does. Concurrent misses share one request.
import { DaemonRpcError, type Daemon } from '../daemon/types.js';
import { ErrorCode, RpcError } from './errors.js';

const SETTINGS_TTL_MS = 60_000;

/** A daemon error as ElectrumX reports it (code 2): "daemon error: DaemonError({'code': -5, 'message': '...'})". */
export function daemonError(err: unknown): RpcError {
  if (err instanceof DaemonRpcError) {
    const msg = err.message.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    return new RpcError(ErrorCode.DAEMON_ERROR, `daemon error: DaemonError({'code': ${err.code}, 'message': '${msg}'})`);
  }
  return new RpcError(ErrorCode.DAEMON_ERROR, `daemon error: ${(err as Error).message}`);
}

/** ElectrumX's block-target buckets (coins.py Bitcoin.bucket_estimatefee_block_target). */
export function bucketTarget(n: number): number {
  if (n <= 1) return 1;
  if (n <= 12) return n;
  if (n === 25) return n;
  if (n <= 48) return Math.floor(n / 2) * 2;
  if (n <= 1008) return Math.floor(n / 24) * 24;
  return 1008;
}

export interface MempoolFeeInfo {
  readonly mempoolminfee: number;
  readonly minrelaytxfee: number;
  readonly incrementalrelayfee: number;
}

interface Timed<T> {
  readonly at: number;
  readonly value: Promise<T>;
}

export class DaemonCaches {
  private estimates = new Map<string, Promise<number>>();
  private relay: Timed<number> | null = null;
  private mempoolInfo: Timed<MempoolFeeInfo> | null = null;

  constructor(private readonly daemon: Daemon) {}

  /** A new tip: estimates are stale. */
  onNewTip(): void {
    this.estimates.clear();
  }

  /** BTC/kvB for `blocks` (bucketed), or -1 when the daemon has no estimate. */
  estimateFee(blocks: number, mode: 'CONSERVATIVE' | 'ECONOMICAL' | null): Promise<number> {
    const target = bucketTarget(blocks);
    const key = `${target}:${mode ?? ''}`;
    let p = this.estimates.get(key);
    if (!p) {
      p = this.daemon.estimateSmartFee(target, mode ?? undefined).then((r) => r ?? -1);
      this.estimates.set(key, p);
      p.catch(() => this.estimates.delete(key));
    }
    return p.catch((err) => {
      throw daemonError(err);
    });
  }

  relayFee(): Promise<number> {
    this.relay = fresh(this.relay) ?? { at: Date.now(), value: this.daemon.call<{ relayfee: number }>('getnetworkinfo').then((i) => i.relayfee) };
    return this.settle(this.relay, () => (this.relay = null));
  }

  mempoolFees(): Promise<MempoolFeeInfo> {
    this.mempoolInfo = fresh(this.mempoolInfo) ?? {
      at: Date.now(),
      value: this.daemon.getMempoolInfo().then((m) => ({ mempoolminfee: m.mempoolminfee, minrelaytxfee: m.minrelaytxfee, incrementalrelayfee: m.incrementalrelayfee })),
    };
    return this.settle(this.mempoolInfo, () => (this.mempoolInfo = null));
  }

  private settle<T>(t: Timed<T>, drop: () => void): Promise<T> {
    return t.value.catch((err) => {
      drop();
      throw daemonError(err);
    });
  }
}

function fresh<T>(t: Timed<T> | null): Timed<T> | null {
  return t !== null && Date.now() - t.at < SETTINGS_TTL_MS ? t : null;
}
