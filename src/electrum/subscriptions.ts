// Script subscriptions, shared: one Subscription per scripthash whatever the number of sessions
// watching it (Fulcrum's SubsMgr), holding the last status sent and the confirmed part it was
// computed from. After each chain change exactly the subscriptions whose scripts changed are
// recomputed, a bounded number at a time, and their sessions told when the status differs.
import type { CommittedBlock, ScriptKey } from '../index/types.js';
import { scriptKeyOf } from '../index/index.js';
import type { ChainChange, ChainState } from '../mempool/chain-state.js';
import { silentLogger, type Logger } from '../log.js';
import { ConfirmedStatus, mempoolPart, type StatusEntry } from './status.js';
import { RpcError } from './errors.js';

/** A session, as the hub sees it. */
export interface StatusListener {
  statusChanged(sub: Subscription, status: string | null): void;
}

export class Subscription {
  /** Last status computed; undefined before the first computation. */
  status: string | null | undefined = undefined;
  confirmed: ConfirmedStatus | null = null;
  /** Why its status cannot be computed now (history too large); it keeps being watched. */
  failed: RpcError | null = null;
  /** The sessions watching it: one (the common case) without a Set, several in one. */
  private watchers: StatusListener | Set<StatusListener> | null = null;
  /** Blocks touching the script that its confirmed part does not include yet. */
  pendingBlocks: CommittedBlock[] | null = null;
  dirty = true;
  running: Promise<void> | null = null;
  queued = false;

  constructor(
    /** The scripthash in internal byte order as a 32-character latin1 string (its identity). */
    readonly id: string,
  ) {}

  /** Internal-order sha256 of the script (derived: a Buffer per subscription costs ~250 bytes). */
  get scriptHash(): Buffer {
    return Buffer.from(this.id, 'latin1');
  }

  /** The index's and the mempool's key of the script (a prefix of the id). */
  get key(): ScriptKey {
    return this.id.slice(0, SCRIPT_KEY_CHARS);
  }

  /** Lower-case display hex, as notifications carry it. */
  get hex(): string {
    return Buffer.from(this.id, 'latin1').reverse().toString('hex');
  }

  get listenerCount(): number {
    const w = this.watchers;
    return w === null ? 0 : w instanceof Set ? w.size : 1;
  }

  addListener(l: StatusListener): void {
    const w = this.watchers;
    if (w === null) this.watchers = l;
    else if (w instanceof Set) w.add(l);
    else if (w !== l) this.watchers = new Set([w, l]);
  }

  /** True if it was there. */
  removeListener(l: StatusListener): boolean {
    const w = this.watchers;
    if (w === l) {
      this.watchers = null;
      return true;
    }
    if (!(w instanceof Set) || !w.delete(l)) return false;
    if (w.size === 1) this.watchers = w.values().next().value!;
    return true;
  }

  notify(status: string | null): void {
    const w = this.watchers;
    if (w === null) return;
    if (w instanceof Set) for (const l of w) l.statusChanged(this, status);
    else w.statusChanged(this, status);
  }
}

export interface HubOptions {
  /** MAX_HISTORY: confirmed entries past which a status is refused. */
  readonly maxHistory: number;
  /** Status computations in flight for notifications at once. */
  readonly concurrency?: number;
  readonly logger?: Logger;
}

/** Length of a script key: scriptKeyOf() of a scripthash is its first 11 bytes as latin1. */
const SCRIPT_KEY_CHARS = scriptKeyOf(Buffer.alloc(32)).length;

export class SubscriptionHub {
  /** By script key; two scripthashes sharing a key (a collision someone ground out) share the entry. */
  private readonly byKey = new Map<ScriptKey, Subscription | Subscription[]>();
  private count = 0;
  private readonly queue: Subscription[] = [];
  private active = 0;
  private readonly concurrency: number;
  private readonly maxHistory: number;
  private readonly log: Logger;
  /**
   * Confirmed parts at or past this tx count (in the current epoch) miss no block touching their
   * script other than those in their pendingBlocks: every block since came with its touched set.
   */
  private cleanFrom: number;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly chain: ChainState,
    opts: HubOptions,
  ) {
    this.maxHistory = opts.maxHistory;
    this.concurrency = opts.concurrency ?? 32;
    this.log = opts.logger ?? silentLogger();
    const served = chain.current();
    this.cleanFrom = served.view.state.txCount;
    served.view.release();
  }

  /** Subscriptions held (distinct scripthashes). */
  get size(): number {
    return this.count;
  }

  /** Subscribes `listener`; resolves with the subscription and the status it now knows. Rejects with history too large. */
  async subscribe(listener: StatusListener, scriptHash: Buffer): Promise<{ sub: Subscription; status: string | null }> {
    const id = scriptHash.toString('latin1');
    let sub = this.find(id);
    if (!sub) {
      sub = new Subscription(id);
      this.add(sub);
    }
    try {
      if (sub.dirty || sub.status === undefined) await this.refresh(sub);
    } catch (err) {
      this.dropIfUnused(sub);
      throw err;
    }
    if (sub.failed) {
      this.dropIfUnused(sub);
      throw sub.failed;
    }
    // Joined in the same tick as the status is read: every later change is notified.
    sub.addListener(listener);
    return { sub, status: sub.status ?? null };
  }

  /**
   * The confirmed history of a subscribed script as status text, when its subscription is current
   * for the served state of `epoch` (nothing pending, no block since touched it) and short enough
   * to be kept as text: get_history right after subscribe then reads nothing. Call it in the
   * same tick as the served state was taken.
   */
  confirmedPacked(scriptHash: Buffer, epoch: number): string | null {
    const sub = this.find(scriptHash.toString('latin1'));
    const conf = sub?.confirmed;
    if (!sub || !conf || sub.dirty || sub.running || sub.pendingBlocks !== null || sub.failed) return null;
    if (conf.epoch !== epoch || conf.txCount < this.cleanFrom) return null;
    return conf.packed;
  }

  /** The subscription of a scripthash (internal order, as a latin1 string), if anyone holds one. */
  find(id: string): Subscription | undefined {
    const cur = this.byKey.get(id.slice(0, SCRIPT_KEY_CHARS));
    if (cur === undefined) return undefined;
    if (!Array.isArray(cur)) return cur.id === id ? cur : undefined;
    return cur.find((s) => s.id === id);
  }

  /** True if `listener` was subscribed to it. */
  unsubscribe(listener: StatusListener, sub: Subscription): boolean {
    if (!sub.removeListener(listener)) return false;
    this.dropIfUnused(sub);
    return true;
  }

  /** Drops every subscription of a closed session. */
  dropListener(listener: StatusListener, subs: Iterable<Subscription>): void {
    for (const sub of subs) this.unsubscribe(listener, sub);
  }

  /** What a chain change means for the subscriptions; called synchronously by the server. */
  onChange(change: ChainChange): void {
    if (change.reorg) {
      const served = this.chain.current();
      this.cleanFrom = served.view.state.txCount;
      served.view.release();
    }
    for (const b of change.blocks) {
      for (const [key, txNums] of b.touched!) {
        this.forKey(key, (sub) => {
          if (txNums.length > 0) (sub.pendingBlocks ??= []).push(b);
        });
      }
    }
    if (change.scripts === 'all') for (const cur of this.byKey.values()) for (const sub of Array.isArray(cur) ? cur : [cur]) this.markDirty(sub);
    else for (const key of change.scripts) this.forKey(key, (sub) => this.markDirty(sub));
    this.pump();
  }

  /** Resolves when no recomputation is queued or running (tests, benchmarks). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private add(sub: Subscription): void {
    this.count++;
    const cur = this.byKey.get(sub.key);
    if (cur === undefined) this.byKey.set(sub.key, sub);
    else if (Array.isArray(cur)) cur.push(sub);
    else this.byKey.set(sub.key, [cur, sub]);
  }

  private dropIfUnused(sub: Subscription): void {
    if (sub.listenerCount > 0 || this.find(sub.id) !== sub) return;
    this.count--;
    const cur = this.byKey.get(sub.key);
    if (cur === sub) this.byKey.delete(sub.key);
    else if (Array.isArray(cur)) {
      const rest = cur.filter((s) => s !== sub);
      if (rest.length === 1) this.byKey.set(sub.key, rest[0]!);
      else this.byKey.set(sub.key, rest);
    }
    sub.confirmed = null;
    sub.pendingBlocks = null;
  }

  private forKey(key: ScriptKey, fn: (sub: Subscription) => void): void {
    const cur = this.byKey.get(key);
    if (cur === undefined) return;
    if (Array.isArray(cur)) cur.forEach(fn);
    else fn(cur);
  }

  private markDirty(sub: Subscription): void {
    sub.dirty = true;
    if (!sub.queued && sub.listenerCount > 0) {
      sub.queued = true;
      this.queue.push(sub);
    }
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const sub = this.queue.shift()!;
      sub.queued = false;
      if (!sub.dirty || this.find(sub.id) !== sub) continue;
      this.active++;
      this.refresh(sub)
        .catch((err) => this.log.warn({ err: (err as Error).message, scripthash: sub.hex }, 'status recomputation failed'))
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && this.queue.length === 0) {
            const w = this.idleWaiters;
            this.idleWaiters = [];
            for (const r of w) r();
          }
        });
    }
  }

  /** Recomputes until clean; one computation per subscription at a time. */
  private refresh(sub: Subscription): Promise<void> {
    sub.running ??= (async () => {
      try {
        while (sub.dirty) {
          sub.dirty = false;
          await this.computeOnce(sub);
        }
      } finally {
        sub.running = null;
      }
    })();
    return sub.running;
  }

  private async computeOnce(sub: Subscription): Promise<void> {
    const served = this.chain.current();
    try {
      // The mempool part is read now, in the same tick as the view.
      const mem = mempoolPart(served.mempool, sub.key);
      const { reader, state } = served.view;
      const blocks = sub.pendingBlocks ?? [];
      sub.pendingBlocks = null;
      const scriptHash = sub.scriptHash;
      let conf = sub.confirmed;
      try {
        if (conf === null || conf.epoch !== served.epoch) {
          conf = await ConfirmedStatus.read(reader, scriptHash, state.txCount, served.epoch, this.maxHistory);
        } else {
          const later: CommittedBlock[] = [];
          for (const b of blocks) {
            const end = b.firstTxNum + b.txids!.length;
            if (end > state.txCount) later.push(b);
            else conf.extend(blockEntries(b, sub.key), b.firstTxNum, end, this.maxHistory);
          }
          if (later.length > 0) sub.pendingBlocks = later.concat(sub.pendingBlocks ?? []);
          // Blocks since cleanFrom all reported their scripts: those not listed did not touch it.
          if (conf.txCount >= this.cleanFrom && later.length === 0) conf.txCount = Math.max(conf.txCount, state.txCount);
          else await conf.catchUp(reader, scriptHash, state.txCount, this.maxHistory);
        }
      } catch (err) {
        if (!(err instanceof RpcError)) throw err;
        sub.failed = err;
        sub.confirmed = null;
        return;
      }
      sub.failed = null;
      sub.confirmed = conf;
      const status = conf.status(mem);
      const before = sub.status;
      sub.status = status;
      if (before !== undefined && before !== status) sub.notify(status);
    } finally {
      served.view.release();
    }
  }
}

/** The status entries a block adds to a script. */
function blockEntries(b: CommittedBlock, key: ScriptKey): StatusEntry[] {
  const nums = b.touched!.get(key);
  if (!nums) return [];
  return nums.map((n) => ({ txid: b.txids![n - b.firstTxNum]!, height: b.height }));
}
