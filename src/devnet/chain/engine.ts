// Keeps the active chain, UTXO set and mempool consistent as blocks come and go, and reports
// every change as a DevnetEvent in bitcoind's order (disconnects, then per connected block its
// mempool removals and the block, then re-added transactions, then reorg evictions).
import { isCoinbase, type Tx } from '../../chain/tx.js';
import { checkForMempool, checkScripts, type AcceptOptions, type Accepted } from './accept.js';
import { BlockInvalidError, ChainState } from './chainstate.js';
import { isFinalTx } from './final.js';
import { Entry, Mempool, type Removal } from './mempool.js';
import type { BlockRecord } from './record.js';
import type { DevnetEvent } from './types.js';
import { outpointKey } from './utxo.js';
import { DevnetRejectError } from './types.js';

export interface SubmitOptions extends AcceptOptions {
  /** Submitted locally (RPC, wallet): the entry joins bitcoind's unbroadcast set. */
  readonly unbroadcast?: boolean;
}

export class Engine {
  readonly mempool = new Mempool();
  private readonly listeners = new Set<(e: DevnetEvent) => void>();
  /** Events of staged (not yet committed) mempool changes. */
  private deferred?: DevnetEvent[];

  constructor(
    readonly chain: ChainState,
    private readonly now: () => number,
    private readonly acceptDefaults: AcceptOptions,
  ) {}

  on(listener: (e: DevnetEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: DevnetEvent): void {
    if (this.deferred) {
      this.deferred.push(e);
      return;
    }
    for (const l of [...this.listeners]) l(e);
  }

  /** The defaults every acceptance starts from (full RBF or not). */
  get defaults(): AcceptOptions {
    return this.acceptDefaults;
  }

  /**
   * Runs `f` with mempool changes staged: kept (and their events emitted, in order) when it
   * returns true, undone without a trace (sequence numbers included) otherwise or on a throw.
   */
  staged(f: () => boolean): boolean {
    if (this.deferred) throw new Error('staging does not nest');
    this.mempool.begin();
    this.deferred = [];
    let keep = false;
    try {
      keep = f();
    } finally {
      const events = this.deferred;
      this.deferred = undefined;
      if (keep) {
        this.mempool.commit();
        for (const e of events) this.emit(e);
      } else {
        this.mempool.rollback();
      }
    }
    return keep;
  }

  private emitRemovals(removals: Removal[]): void {
    for (const r of removals) this.emit({ type: 'txRemoved', txid: r.txid, mempoolSequence: r.sequence, reason: r.reason });
  }

  /** Validates (scripts included unless skipped) and adds to the mempool (replacing conflicts), emitting events. */
  accept(raw: Buffer, opts: SubmitOptions = {}): Entry {
    const ok = this.check(raw, opts);
    return this.addAccepted(ok, opts.unbroadcast ?? false);
  }

  /** Every check of accept(), changing nothing (testmempoolaccept). */
  check(raw: Buffer, opts: AcceptOptions = {}): Accepted {
    const merged = { ...this.acceptDefaults, ...opts };
    const ok = checkForMempool(raw, this.chain, this.mempool, merged);
    if (!merged.skipScripts) checkScripts(ok);
    return ok;
  }

  /** Adds a checked tx: its conflicts (with descendants) leave as 'replaced', then txAdded. */
  addAccepted(ok: Accepted, unbroadcast = false): Entry {
    for (const e of ok.replaced) {
      // Descendants first, so each removal leaves a consistent pool.
      if (this.mempool.getKey(e.key) === e) this.emitRemovals(this.mempool.removeRecursive(e, 'replaced'));
    }
    const tip = this.chain.tip;
    const entry = this.mempool.add((seq) => {
      const e = new Entry(ok.tx.txid, ok.wtxid, Buffer.from(ok.raw), ok.tx, ok.fee, ok.vsize, ok.weight, this.now(), tip.height, seq, ok.prevouts);
      e.unbroadcast = unbroadcast;
      return e;
    });
    this.emit({ type: 'txAdded', entry, mempoolSequence: entry.sequence });
    return entry;
  }

  /** Switches to the most-work valid chain (bitcoind's ActivateBestChain). */
  activate(): void {
    const disconnected: BlockRecord[] = [];
    for (;;) {
      const best = this.chain.bestCandidate();
      if (best === this.chain.tip) break;
      const fork = this.chain.forkPoint(best);
      while (this.chain.tip !== fork) {
        const rec = this.chain.disconnectTip();
        disconnected.push(rec);
        this.emit({ type: 'blockDisconnected', block: rec });
      }
      const path: BlockRecord[] = [];
      for (let r: BlockRecord | undefined = best; r && r !== fork; r = r.prev) path.push(r);
      path.reverse();
      for (const rec of path) {
        try {
          this.chain.connect(rec);
        } catch (err) {
          if (!(err instanceof BlockInvalidError)) throw err;
          this.chain.markInvalid(rec);
          break;
        }
        this.removeForBlock(rec);
        this.emit({ type: 'blockConnected', block: rec });
      }
    }
    if (disconnected.length) this.updateForReorg(disconnected);
  }

  /** Block txs leave the mempool ('block'); mempool txs spending the same outputs go ('conflict'). */
  private removeForBlock(rec: BlockRecord): void {
    if (rec.fast || this.mempool.size === 0) return;
    const removals: Removal[] = [];
    for (const tx of rec.block.txs) {
      const inPool = this.mempool.get(tx.txid);
      if (inPool) removals.push(this.mempool.remove(inPool, 'block'));
      if (isCoinbase(tx)) continue;
      for (const i of tx.inputs) {
        const spender = this.mempool.spender(i.prevTxid, i.prevVout);
        if (spender && !spender.txid.equals(tx.txid)) removals.push(...this.mempool.removeRecursive(spender, 'conflict'));
      }
    }
    this.emitRemovals(removals);
  }

  /** Disconnected blocks' txs return to the mempool when still valid; then invalid entries go. */
  private updateForReorg(disconnected: BlockRecord[]): void {
    for (const rec of [...disconnected].reverse()) {
      if (rec.fast) continue;
      for (const tx of rec.block.txs) {
        if (isCoinbase(tx) || this.chain.findTx(tx.txid) || this.mempool.get(tx.txid)) continue;
        try {
          this.accept(tx.raw, { skipScripts: true, bypassLimits: true });
        } catch (err) {
          if (!(err instanceof DevnetRejectError)) throw err;
          this.evictSpendersOf(tx);
        }
      }
    }
    this.removeForReorg();
  }

  private evictSpendersOf(tx: Tx): void {
    tx.outputs.forEach((_, vout) => {
      const child = this.mempool.spender(tx.txid, vout);
      if (child && this.mempool.get(child.txid)) this.emitRemovals(this.mempool.removeRecursive(child, 'reorg'));
    });
  }

  /**
   * bitcoind's removeForReorg: evicts, with descendants, entries whose inputs are no longer in the
   * UTXO set or the mempool, became immature coinbase spends, or whose locktime no longer passes
   * (the wallet's anti-fee-sniping locktime is the tip height it was built at).
   */
  private removeForReorg(): void {
    const tip = this.chain.tip;
    const spendHeight = tip.height + 1;
    const mtp = tip.medianTimePast();
    for (const e of this.mempool.topological()) {
      if (!this.mempool.get(e.txid)) continue;
      const ok = isFinalTx(e.tx, spendHeight, mtp) && e.tx.inputs.every((i) => {
        const parent = this.mempool.get(i.prevTxid);
        if (parent) return i.prevVout < parent.tx.outputs.length;
        const coin = this.chain.coin(i.prevTxid, i.prevVout);
        return !!coin && !(coin.coinbase && spendHeight - coin.height < this.chain.coinbaseMaturity);
      });
      if (!ok) this.emitRemovals(this.mempool.removeRecursive(e, 'reorg'));
    }
  }

  /** Whether any output of this txid is unspent in the active chain (bitcoind's ALREADY_IN_UTXO_SET). */
  outputsInUtxoSet(tx: Tx): boolean {
    return tx.outputs.some((_, vout) => this.chain.utxo.getKey(outpointKey(tx.txid, vout)) !== undefined);
  }
}
