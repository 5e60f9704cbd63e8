// devnet's model: an in-process bitcoind-compatible regtest node (chain, mempool, mining, reorgs,
// a deterministic wallet). The RPC/ZMQ front (server.ts) serves exactly this API.
import * as bitcoin from 'bitcoinjs-lib';
import { parseBlock } from '../chain/block.js';
import { toDisplayHex } from '../chain/hash.js';
import { parseTx, type Tx } from '../chain/tx.js';
import { bitcoinjsNetwork } from '../config/network.js';
import { findCoin, type CoinParams } from '../config/coins.js';
import { decodeTx, RPC_ALREADY_IN_UTXO_SET, RPC_TRANSACTION_ERROR, TxRejectError } from './chain/accept.js';
import { acceptMultiple, acceptPackage, acceptSingle, type PackageResult } from './chain/package.js';
import { feeAt } from './chain/policy.js';
import { assembleBlock, blockSubsidy, buildCoinbase, regtestGenesis } from './chain/assemble.js';
import { ChainState } from './chain/chainstate.js';
import { Engine } from './chain/engine.js';
import { checkBlockTxs, selectTransactions } from './chain/miner.js';
import type { BlockRecord } from './chain/record.js';
import { DevnetRejectError, type DevnetEvent, type MempoolEntry, type StoredBlock } from './chain/types.js';
import { sha256d } from '../chain/hash.js';
import { Wallet, type DevnetWallet } from './wallet/wallet.js';
import { fillMempool, type FillOptions, type FillResult } from './fill.js';

export { DevnetRejectError, OUTPUT_KINDS } from './chain/types.js';
export { TxRejectError } from './chain/accept.js';
export type { PackageResult, PackageState, TxResult } from './chain/package.js';
export type { DevnetEvent, MempoolEntry, OutputKind, SpentOutput, StoredBlock, TxRemovalReason } from './chain/types.js';
export type { DevnetWallet } from './wallet/wallet.js';
export type { FillOptions, FillResult } from './fill.js';
export { MEMPOOL_HEIGHT } from './chain/types.js';

export interface DevnetNodeOptions {
  coin?: CoinParams;
  /** Wallet key seed (deterministic keys). */
  seed?: string;
  /** Fixed clock (unix seconds), like setmocktime; advance with setMockTime. */
  time?: number;
  /** Core 28 default: true. When false, conflicts with non-signalling txs get 'txn-mempool-conflict'. */
  fullRbf?: boolean;
}

export interface FoundTx {
  tx: Tx;
  raw: Buffer;
  block?: StoredBlock;
  position?: number;
}

export interface TestAcceptResult {
  txid: Buffer;
  wtxid: Buffer;
  vsize: number;
  fee: number;
}

export class DevnetNode {
  readonly network: bitcoin.Network;
  readonly wallet: DevnetWallet;
  /** The chain and mempool machinery, for the fast-chain builder and scenarios. */
  readonly engine: Engine;
  private mockTime?: number;

  private constructor(
    readonly coin: CoinParams,
    seed: string,
    opts: DevnetNodeOptions,
  ) {
    this.mockTime = opts.time;
    const genesis = regtestGenesis();
    const chain = new ChainState(genesis, coin.coinbaseMaturity, coin.subsidyHalvingInterval);
    if (toDisplayHex(chain.tip.hash) !== coin.genesisHash) {
      throw new Error(`devnet genesis ${toDisplayHex(chain.tip.hash)} does not match ${coin.file} genesisHash ${coin.genesisHash}`);
    }
    this.engine = new Engine(chain, () => this.now(), { fullRbf: opts.fullRbf ?? true });
    this.network = bitcoinjsNetwork(coin);
    this.wallet = new Wallet(this, seed);
  }

  static async create(opts: DevnetNodeOptions = {}): Promise<DevnetNode> {
    return new DevnetNode(opts.coin ?? findCoin('Bitcoin', 'regtest'), opts.seed ?? 'devnet', opts);
  }

  private get chain(): ChainState {
    return this.engine.chain;
  }

  /** Unix seconds: the mock time if set, else the wall clock. */
  now(): number {
    return this.mockTime ?? Math.floor(Date.now() / 1000);
  }

  setMockTime(time: number | undefined): void {
    this.mockTime = time;
  }

  on(listener: (e: DevnetEvent) => void): () => void {
    return this.engine.on(listener);
  }

  // --- chain ---

  tipHeight(): number {
    return this.chain.tip.height;
  }

  tipHash(): Buffer {
    return this.chain.tip.hash;
  }

  tip(): StoredBlock {
    return this.chain.tip;
  }

  blockHash(height: number): Buffer | undefined {
    return this.chain.active[height]?.hash;
  }

  block(hash: Buffer): StoredBlock | undefined {
    return this.chain.get(hash);
  }

  /** Every known block, active or stale (for getchaintips). */
  blocks(): StoredBlock[] {
    return [...this.chain.blocks.values()];
  }

  /** 'active' | 'invalid' (failed or descends from a failed block) | 'valid-fork' (stored, not active). */
  blockStatus(hash: Buffer): 'active' | 'invalid' | 'valid-fork' | undefined {
    const rec = this.chain.get(hash);
    if (!rec) return undefined;
    return this.chain.isActive(rec) ? 'active' : rec.invalid ? 'invalid' : 'valid-fork';
  }

  isActive(hash: Buffer): boolean {
    const rec = this.chain.get(hash);
    return !!rec && this.chain.isActive(rec);
  }

  confirmations(hash: Buffer): number {
    const rec = this.chain.get(hash);
    if (!rec || !this.chain.isActive(rec)) return -1;
    return this.chain.tip.height - rec.height + 1;
  }

  medianTimePast(hash: Buffer): number {
    const rec = this.chain.get(hash);
    if (!rec) throw new Error(`unknown block ${toDisplayHex(hash)}`);
    return rec.medianTimePast();
  }

  /** Mempool or active chain (txindex semantics; the genesis coinbase is not found, as in bitcoind). */
  findTx(txid: Buffer): FoundTx | undefined {
    const entry = this.engine.mempool.get(txid);
    if (entry) return { tx: entry.tx, raw: entry.raw, block: undefined, position: undefined };
    const loc = this.chain.findTx(txid);
    if (!loc) return undefined;
    const tx = loc.block.block.txs[loc.position]!;
    return { tx, raw: tx.raw, block: loc.block, position: loc.position };
  }

  /** An unspent output of the active chain (fast-chain outputs are not tracked: undefined). */
  utxo(txid: Buffer, vout: number): { value: number; script: Buffer; height: number; coinbase: boolean } | undefined {
    return this.chain.coin(txid, vout);
  }

  /** Number of unspent outputs tracked (gettxoutsetinfo-ish). */
  utxoCount(): number {
    return this.chain.utxo.size;
  }

  // --- mempool ---

  mempool(): MempoolEntry[] {
    return this.engine.mempool.all();
  }

  mempoolEntry(txid: Buffer): MempoolEntry | undefined {
    return this.engine.mempool.get(txid);
  }

  mempoolAncestors(txid: Buffer): MempoolEntry[] {
    const e = this.engine.mempool.get(txid);
    return e ? this.engine.mempool.ancestors(e) : [];
  }

  mempoolDescendants(txid: Buffer): MempoolEntry[] {
    const e = this.engine.mempool.get(txid);
    return e ? this.engine.mempool.descendants(e) : [];
  }

  /** The mempool tx spending an outpoint, if any (gettxspendingprevout). */
  mempoolSpender(txid: Buffer, vout: number): MempoolEntry | undefined {
    return this.engine.mempool.spender(txid, vout);
  }

  mempoolSequence(): number {
    return this.engine.mempool.sequence;
  }

  /**
   * sendrawtransaction (BroadcastTransaction): returns the txid or throws DevnetRejectError with
   * bitcoind's code and message. A tx whose txid is already in the mempool returns its txid, as
   * bitcoind does. maxFeeRate is in sat/vB (bitcoind's default 0.10 BTC/kvB = 10000 sat/vB; 0 = no
   * limit). The entry joins the unbroadcast set (devnet has no peers to announce it to).
   */
  acceptTx(raw: Buffer, opts: { maxFeeRate?: number } = {}): Buffer {
    const tx = decodeTx(raw);
    if (this.engine.mempool.get(tx.txid)) return tx.txid;
    if (this.engine.outputsInUtxoSet(tx)) throw new DevnetRejectError(RPC_ALREADY_IN_UTXO_SET, 'Transaction outputs already in utxo set');
    // bitcoind test-accepts first when a fee cap is set; the checks are the same as the real submission's.
    const ok = this.engine.check(raw);
    if (opts.maxFeeRate && ok.fee > feeAt(Math.round(opts.maxFeeRate * 1000), ok.vsize)) {
      throw new DevnetRejectError(RPC_TRANSACTION_ERROR, 'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)');
    }
    return this.engine.addAccepted(ok, true).txid;
  }

  /** testmempoolaccept of one tx: every check of acceptTx, nothing added; throws TxRejectError. */
  testAcceptTx(raw: Buffer): TestAcceptResult {
    const r = acceptSingle(this.engine, decodeTx(raw), { test: true });
    if (r.type === 'invalid') throw r.error;
    if (r.type !== 'valid') throw new TxRejectError('txn-already-in-mempool', undefined, 'conflict');
    return { txid: r.tx.txid, wtxid: r.wtxid, vsize: r.vsize, fee: r.fee };
  }

  /**
   * testmempoolaccept: one tx alone, several as a package (parents first; each tx is checked
   * against the mempool plus the earlier ones, no conflicts with the mempool allowed). Nothing is
   * added. Txs are decoded already (the RPC reports decode failures itself).
   */
  testMempoolAccept(raws: readonly Buffer[]): PackageResult {
    const txs = raws.map(decodeTx);
    if (txs.length === 1) {
      const r = acceptSingle(this.engine, txs[0]!, { test: true });
      return { results: new Map([[r.wtxid.toString('hex'), r]]) };
    }
    return acceptMultiple(this.engine, txs, { test: true, packageFeerates: false, allowReplacement: false });
  }

  /**
   * submitpackage: a child with (some of) its unconfirmed parents, or one tx. Each tx is tried
   * alone; those failing on fees (or spending a parent that did) are retried together at their
   * package feerate. maxFeeRate in sat/kvB (undefined: none).
   */
  submitPackage(raws: readonly Buffer[], opts: { maxFeeRate?: number } = {}): PackageResult {
    return acceptPackage(this.engine, raws.map(decodeTx), { maxFeeRate: opts.maxFeeRate, unbroadcast: true });
  }

  /**
   * Adds `n` real signed transactions to the mempool quickly (benchmarks): every output kind,
   * unconfirmed chains, OP_RETURNs. Mines funding blocks first when the confirmed fill coins do
   * not suffice (coinbases, then 100 blocks of maturity, then the fan-outs). See fill.ts.
   */
  fillMempool(n: number, opts: FillOptions = {}): FillResult {
    return fillMempool(this, n, opts);
  }

  // --- mining and reorgs ---

  /** Script for a payout address; bitcoind's -5 'Error: Invalid address' otherwise. */
  addressScript(address: string): Buffer {
    try {
      return bitcoin.address.toOutputScript(address, this.network);
    } catch {
      throw new DevnetRejectError(-5, 'Error: Invalid address');
    }
  }

  generateToAddress(n: number, address: string, opts: { includeMempool?: boolean; maxTxs?: number } = {}): Buffer[] {
    return this.generateToScript(n, this.addressScript(address), opts);
  }

  generateToScript(n: number, script: Buffer, opts: { includeMempool?: boolean; maxTxs?: number } = {}): Buffer[] {
    const hashes: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const entries = opts.includeMempool === false ? [] : selectTransactions(this.chain, this.engine.mempool, opts.maxTxs);
      hashes.push(this.mine(script, entries.map((e) => e.tx), entries.map((e) => e.fee)));
    }
    return hashes;
  }

  /** generateblock: exactly these txs (raw), checked like bitcoind's TestBlockValidity (-25). */
  generateBlock(address: string, rawTxs: Buffer[]): Buffer {
    const script = this.addressScript(address);
    const txs = rawTxs.map((raw) => {
      try {
        return decodeTx(raw);
      } catch {
        throw new DevnetRejectError(-22, `Transaction decode failed for ${raw.toString('hex')}. Make sure the tx has at least one input.`);
      }
    });
    const fees = checkBlockTxs(this.chain, txs);
    return this.mine(script, txs, fees);
  }

  private mine(script: Buffer, txs: readonly Tx[], fees: readonly number[]): Buffer {
    const tip = this.chain.tip;
    const height = tip.height + 1;
    const reward = blockSubsidy(height, this.coin.subsidyHalvingInterval) + fees.reduce((a, b) => a + b, 0);
    const coinbase = buildCoinbase(height, script, reward, txs.map((t) => sha256d(t.raw)));
    const raws = [coinbase, ...txs.map((t) => t.raw)];
    const txids = [parseTx(coinbase).txid, ...txs.map((t) => t.txid)];
    let time = Math.max(tip.medianTimePast() + 1, this.now());
    let block = assembleBlock(tip.hash, time, txids, raws);
    // Re-mining the same template within a second after invalidateblock would recreate the very
    // block that was invalidated; a later timestamp makes it a new block.
    while (this.chain.get(block.hash)) block = assembleBlock(tip.hash, ++time, txids, raws);
    return this.submitBlock(block.raw).hash;
  }

  /** submitblock: stores a block and activates the best chain; returns its record. */
  submitBlock(raw: Buffer): StoredBlock {
    const rec = this.chain.addBlock(raw, { parsed: parseBlock(raw) });
    this.engine.activate();
    return rec;
  }

  invalidateBlock(hash: Buffer): void {
    const rec = this.requireBlock(hash);
    if (rec.height === 0) throw new DevnetRejectError(-8, 'genesis block cannot be invalidated');
    this.chain.markInvalid(rec);
    this.engine.activate();
  }

  reconsiderBlock(hash: Buffer): void {
    this.chain.clearInvalid(this.requireBlock(hash));
    this.engine.activate();
  }

  /**
   * Replaces the last `depth` blocks with a competing branch of `newBlocks` (default depth + 1)
   * blocks; with keepTxs (default) the new branch mines the returned mempool txs. The old branch
   * is left as a valid stale fork when it has less work. Returns the new blocks' hashes.
   */
  reorg(depth: number, opts: { newBlocks?: number; keepTxs?: boolean; address?: string } = {}): Buffer[] {
    if (depth < 1 || depth > this.tipHeight()) throw new RangeError(`reorg depth ${depth} out of range`);
    const newBlocks = opts.newBlocks ?? depth + 1;
    const first = this.chain.active[this.tipHeight() - depth + 1]!;
    this.invalidateBlock(first.hash);
    const script = opts.address ? this.addressScript(opts.address) : this.wallet.script('p2wpkh', 0);
    const hashes = this.generateToScript(newBlocks, script, { includeMempool: opts.keepTxs ?? true });
    if (newBlocks > depth) this.reconsiderBlock(first.hash);
    return hashes;
  }

  private requireBlock(hash: Buffer): BlockRecord {
    const rec = this.chain.get(hash);
    if (!rec) throw new DevnetRejectError(-5, 'Block not found');
    return rec;
  }
}
