// The devnet wallet: deterministic keys of every output kind, coins found in the node's UTXO set
// and mempool, real signed payments, and self-funding by mining.
import { toDisplayHex } from '../../chain/hash.js';
import * as bitcoin from 'bitcoinjs-lib';
import type { DevnetNode } from '../node.js';
import { OUTPUT_KINDS, type OutputKind } from '../chain/types.js';
import { dustThreshold } from '../chain/accept.js';
import { deriveKeySet, INPUT_WEIGHT, type KeySet } from './keys.js';
import { signAll } from './sign.js';

export interface PaymentOutput {
  address?: string;
  script?: Buffer;
  value: number;
}

export interface PaymentOptions {
  /** sat/vB, default 2. */
  feeRate?: number;
  /** Only spend coins of these kinds. */
  from?: OutputKind[];
  /** Spend exactly these outpoints (e.g. to double-spend); txid internal order. */
  coins?: Array<{ txid: Buffer; vout: number }>;
  /** Add an OP_RETURN output carrying this data (at most 80 bytes). */
  opReturn?: Buffer;
  /** Kind of the change output; default rotates through all kinds. */
  changeKind?: OutputKind;
  /** Only confirmed coins. */
  confirmedOnly?: boolean;
  /** nSequence of every input; default 0xfffffffd (signals RBF, like Core's wallet). */
  sequence?: number;
  /** Transaction version (default 2; 3 makes a TRUC tx). */
  version?: number;
  /** Pay exactly this fee (satoshis) instead of feeRate; 0 is allowed (for package CPFP). */
  fee?: number;
}

export interface WalletCoin {
  readonly txid: Buffer;
  readonly vout: number;
  readonly value: number;
  readonly kind: OutputKind;
  readonly index: number;
  readonly confirmed: boolean;
}

export interface DevnetWallet {
  /** Address of a wallet key (bare-multisig has none: use script()). */
  address(kind: OutputKind, index?: number): string;
  script(kind: OutputKind, index?: number): Buffer;
  /** A not yet handed out address of this kind (like getnewaddress). */
  newAddress(kind?: OutputKind): string;
  /** Spendable: mature confirmed coins plus unconfirmed ones, not spent in the mempool. */
  balance(): number;
  coins(opts?: { from?: OutputKind[]; confirmedOnly?: boolean }): WalletCoin[];
  /** Builds, signs and submits a payment (adds change, pays the fee); returns the txid. */
  pay(to: PaymentOutput[], opts?: PaymentOptions): Buffer;
  /** Same but returns the raw signed tx without submitting it. */
  createPayment(to: PaymentOutput[], opts?: PaymentOptions): Buffer;
  /** Mines `blocks` (default coinbaseMaturity + 1) blocks to its own keys, rotating kinds. */
  fund(blocks?: number): void;
  /** Whether the script belongs to the wallet. */
  isMine(script: Buffer): boolean;
}

const MAX_UNCONFIRMED_ANCESTORS = 20;
const MAX_CLUSTER_FOR_SPEND = 60;

export class Wallet implements DevnetWallet {
  private readonly keys = new Map<string, KeySet>();
  private readonly byScript = new Map<string, KeySet>();
  private readonly nextIndex = new Map<OutputKind, number>();
  private changeCounter = 0;
  private fundCounter = 0;

  constructor(
    private readonly node: DevnetNode,
    private readonly seed: string,
  ) {
    node.engine.chain.utxo.watch((script) => this.byScript.has(script.toString('hex')));
  }

  private keySet(kind: OutputKind, index = 0): KeySet {
    const id = `${kind}/${index}`;
    let ks = this.keys.get(id);
    if (!ks) {
      ks = deriveKeySet(this.seed, kind, index, this.node.network);
      this.keys.set(id, ks);
      this.byScript.set(ks.script.toString('hex'), ks);
      if (index >= (this.nextIndex.get(kind) ?? 0)) this.nextIndex.set(kind, index + 1);
      // Someone may have paid this script before we derived it.
      this.node.engine.chain.utxo.rescan();
    }
    return ks;
  }

  address(kind: OutputKind, index = 0): string {
    const a = this.keySet(kind, index).address;
    if (!a) throw new Error(`${kind} outputs have no address; use script()`);
    return a;
  }

  script(kind: OutputKind, index = 0): Buffer {
    return this.keySet(kind, index).script;
  }

  newAddress(kind: OutputKind = 'p2wpkh'): string {
    return this.address(kind, this.nextIndex.get(kind) ?? 0);
  }

  isMine(script: Buffer): boolean {
    return this.byScript.has(script.toString('hex'));
  }

  coins(opts: { from?: OutputKind[]; confirmedOnly?: boolean } = {}): WalletCoin[] {
    const { mempool, chain } = this.node.engine;
    const spendHeight = chain.tip.height + 1;
    const out: WalletCoin[] = [];
    const allowed = (ks: KeySet | undefined): ks is KeySet => !!ks && (!opts.from || opts.from.includes(ks.kind));
    for (const c of chain.utxo.ownedCoins()) {
      const ks = this.byScript.get(c.script.toString('hex'));
      if (!allowed(ks) || mempool.spender(c.txid, c.vout)) continue;
      if (c.coinbase && spendHeight - c.height < chain.coinbaseMaturity) continue;
      out.push({ txid: c.txid, vout: c.vout, value: c.value, kind: ks.kind, index: ks.index, confirmed: true });
    }
    if (opts.confirmedOnly) return out;
    for (const e of mempool.all()) {
      e.tx.outputs.forEach((o, vout) => {
        const ks = this.byScript.get(o.script.toString('hex'));
        if (!allowed(ks) || mempool.spender(e.txid, vout)) return;
        out.push({ txid: e.txid, vout, value: o.value, kind: ks.kind, index: ks.index, confirmed: false });
      });
    }
    return out;
  }

  balance(): number {
    return this.coins().reduce((s, c) => s + c.value, 0);
  }

  pay(to: PaymentOutput[], opts: PaymentOptions = {}): Buffer {
    return this.node.acceptTx(this.createPayment(to, opts));
  }

  createPayment(to: PaymentOutput[], opts: PaymentOptions = {}): Buffer {
    const outputs = to.map((o) => ({ script: o.script ?? this.node.addressScript(o.address!), value: o.value }));
    if (opts.opReturn) outputs.push({ script: bitcoin.payments.embed({ data: [opts.opReturn] }).output!, value: 0 });
    const target = outputs.reduce((s, o) => s + o.value, 0);
    const feeRate = opts.feeRate ?? 2;
    const changeKind = opts.changeKind ?? OUTPUT_KINDS[this.changeCounter++ % OUTPUT_KINDS.length]!;
    const change = this.keySet(changeKind, this.changeCounter % 4);
    const weightOf = (ins: WalletCoin[], withChange: boolean) => {
      let w = 42 + ins.reduce((s, c) => s + INPUT_WEIGHT[c.kind], 0);
      for (const o of outputs) w += (9 + o.script.length) * 4;
      if (withChange) w += (9 + change.script.length) * 4;
      return w;
    };
    const feeFor = (w: number) => Math.ceil((Math.ceil(w / 4) * feeRate));
    const selected = opts.coins ? this.exactCoins(opts.coins) : this.select(target, feeRate, weightOf, opts);
    const total = selected.reduce((s, c) => s + c.value, 0);
    let fee = opts.fee ?? feeFor(weightOf(selected, true));
    let changeValue = total - target - fee;
    if (changeValue < dustThreshold(change.script)) {
      if (opts.fee !== undefined && changeValue !== 0) throw new Error(`cannot pay exactly ${opts.fee}: change ${changeValue} would be dust`);
      fee = total - target;
      changeValue = 0;
      if (fee < (opts.fee ?? feeFor(weightOf(selected, false)))) throw new Error(`insufficient funds: have ${total}, need ${target} + fee`);
    }
    const tx = new bitcoin.Transaction();
    tx.version = opts.version ?? 2;
    tx.locktime = this.node.tipHeight();
    for (const c of selected) tx.addInput(c.txid, c.vout, opts.sequence ?? 0xfffffffd);
    for (const o of outputs) tx.addOutput(o.script, o.value);
    if (changeValue > 0) tx.addOutput(change.script, changeValue);
    signAll(tx, selected.map((c) => ({ keys: this.keySet(c.kind, c.index), value: c.value })));
    return tx.toBuffer();
  }

  private exactCoins(wanted: Array<{ txid: Buffer; vout: number }>): WalletCoin[] {
    const { chain, mempool } = this.node.engine;
    return wanted.map(({ txid, vout }) => {
      const entry = mempool.get(txid);
      const out = entry?.tx.outputs[vout] ?? chain.coin(txid, vout);
      const ks = out && this.byScript.get(out.script.toString('hex'));
      if (!out || !ks) throw new Error(`not a wallet coin: ${toDisplayHex(txid)}:${vout}`);
      return { txid, vout, value: out.value, kind: ks.kind, index: ks.index, confirmed: !entry };
    });
  }

  private select(target: number, feeRate: number, weightOf: (ins: WalletCoin[], change: boolean) => number, opts: PaymentOptions): WalletCoin[] {
    const mempool = this.node.engine.mempool;
    const candidates = this.coins({ from: opts.from, confirmedOnly: opts.confirmedOnly }).sort((a, b) => b.value - a.value);
    const chosen: WalletCoin[] = [];
    let total = 0;
    for (const c of candidates) {
      if (!c.confirmed) {
        const e = mempool.get(c.txid);
        // Stay clear of the cluster limit (64 txs) too.
        if (e && (mempool.ancestors(e).length + 1 >= MAX_UNCONFIRMED_ANCESTORS || mempool.cluster(e, MAX_CLUSTER_FOR_SPEND).length >= MAX_CLUSTER_FOR_SPEND)) continue;
      }
      chosen.push(c);
      total += c.value;
      if (total >= target + Math.ceil(weightOf(chosen, true) / 4) * feeRate) return chosen;
    }
    throw new Error(`insufficient funds: wallet has ${total} spendable, needs ${target} + fee`);
  }

  fund(blocks = this.node.coin.coinbaseMaturity + 1): void {
    for (let i = 0; i < blocks; i++) {
      const kind = FUND_KINDS[this.fundCounter++ % FUND_KINDS.length]!;
      this.node.generateToScript(1, this.script(kind, 0));
    }
  }
}

/** Coinbase payouts rotate through these, so mature coins of every kind exist. */
const FUND_KINDS: readonly OutputKind[] = ['p2wpkh', 'p2pkh', 'p2tr', 'p2sh-p2wpkh', 'p2wsh', 'p2sh-multisig', 'bare-multisig'];
