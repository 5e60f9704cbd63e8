// The block tree, the active chain and its UTXO set: connecting and disconnecting blocks with undo,
// choosing the most-work valid tip, and invalidation flags, as bitcoind's chainstate does.
import { parseBlock, type Block } from '../../chain/block.js';
import { blockWork, meetsTarget } from '../../chain/header.js';
import { merkleRoot } from '../../chain/merkle.js';
import { isUnspendable } from '../../chain/scripthash.js';
import { isCoinbase, type Tx } from '../../chain/tx.js';
import { sha256d } from '../../chain/hash.js';
import { blockSubsidy, findWitnessCommitment } from './assemble.js';
import { isFinalTx } from './final.js';
import { BlockRecord } from './record.js';
import { DevnetRejectError, type SpentOutput } from './types.js';
import { outpointKey, UtxoSet, type BlockUndo, type Coin } from './utxo.js';

export interface TxLocation {
  readonly block: BlockRecord;
  readonly position: number;
}

/** Consensus failure of a block: bitcoind's reject reason. */
export class BlockInvalidError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'BlockInvalidError';
  }
}

export class ChainState {
  readonly blocks = new Map<string, BlockRecord>();
  readonly active: BlockRecord[] = [];
  readonly utxo = new UtxoSet();
  private readonly txIndex = new Map<string, TxLocation>();
  private arrivals = 0;

  constructor(
    genesisRaw: Buffer,
    readonly coinbaseMaturity: number,
    readonly halvingInterval: number,
  ) {
    const block = parseBlock(genesisRaw);
    const rec = new BlockRecord(block.header.hash, 0, genesisRaw, undefined, blockWork(block.header.bits), this.arrivals++, false, block);
    rec.fees = [0];
    rec.spentOutputs = [[]];
    // The genesis coinbase is not spendable and not indexed, exactly as in bitcoind.
    rec.undo = { spent: [], created: [] };
    this.blocks.set(rec.hash.toString('hex'), rec);
    this.active.push(rec);
  }

  get tip(): BlockRecord {
    return this.active[this.active.length - 1]!;
  }

  get(hash: Buffer): BlockRecord | undefined {
    return this.blocks.get(hash.toString('hex'));
  }

  isActive(rec: BlockRecord): boolean {
    return this.active[rec.height] === rec;
  }

  /** Set by the fast-chain builder: finds txs of fast blocks without an eager index. */
  fastLookup?: (txid: Buffer) => TxLocation | undefined;

  findTx(txid: Buffer): TxLocation | undefined {
    return this.txIndex.get(txid.toString('hex')) ?? this.fastLookup?.(txid);
  }

  /** Stores a block after the checks that need no UTXO set (known parent, PoW, merkle root). */
  addBlock(raw: Buffer, opts: { parsed?: Block; fast?: boolean } = {}): BlockRecord {
    const fast = opts.fast ?? false;
    const block = fast ? undefined : (opts.parsed ?? parseBlock(raw));
    const header = block?.header;
    const rec0 = new BlockRecord(
      header?.hash ?? sha256d(raw.subarray(0, 80)),
      0, raw, undefined, 0n, 0, fast, block,
    );
    const known = this.get(rec0.hash);
    if (known) return known;
    const prev = this.get(rec0.header.prevHash);
    if (!prev) throw new BlockInvalidError('prev-blk-not-found');
    if (!meetsTarget(rec0.hash, rec0.header.bits)) throw new BlockInvalidError('high-hash');
    if (block && !merkleRoot(block.txs.map((t) => t.txid)).equals(block.header.merkleRoot)) throw new BlockInvalidError('bad-txnmrklroot');
    const rec = new BlockRecord(rec0.hash, prev.height + 1, raw, prev, prev.chainwork + blockWork(rec0.header.bits), this.arrivals++, fast, block);
    if (prev.invalid) rec.failedChild = true;
    this.blocks.set(rec.hash.toString('hex'), rec);
    return rec;
  }

  /** The valid block with the most work (earliest arrival among equals), as bitcoind picks its tip. */
  bestCandidate(): BlockRecord {
    let best: BlockRecord | undefined;
    for (const rec of this.blocks.values()) {
      if (rec.invalid) continue;
      if (!best || rec.chainwork > best.chainwork || (rec.chainwork === best.chainwork && rec.sequence < best.sequence)) best = rec;
    }
    return best!;
  }

  /** Applies the tip's successor to the UTXO set; throws BlockInvalidError (leaving no trace) if it is invalid. */
  connect(rec: BlockRecord): void {
    if (rec.prev !== this.tip) throw new Error('connect: block does not extend the tip');
    if (rec.fast) {
      rec.undo = { spent: [], created: [] };
      this.active.push(rec);
      return;
    }
    const undo: BlockUndo = { spent: [], created: [] };
    try {
      this.apply(rec, rec.block, undo);
    } catch (err) {
      this.rollback(undo);
      throw err;
    }
    rec.undo = undo;
    this.active.push(rec);
    const txs = rec.block.txs;
    for (let i = 0; i < txs.length; i++) this.txIndex.set(txs[i]!.txid.toString('hex'), { block: rec, position: i });
  }

  private apply(rec: BlockRecord, block: Block, undo: BlockUndo): void {
    const txs = block.txs;
    if (txs.length === 0 || !isCoinbase(txs[0]!)) throw new BlockInvalidError('bad-cb-missing');
    // ContextualCheckBlock: every tx final at this height and the parent's median time past.
    const mtp = rec.prev!.medianTimePast();
    if (!txs.every((tx) => isFinalTx(tx, rec.height, mtp))) throw new BlockInvalidError('bad-txns-nonfinal');
    const fees: number[] = [0];
    const spentOutputs: SpentOutput[][] = [[]];
    let anyWitness = false;
    for (let i = 1; i < txs.length; i++) {
      const tx = txs[i]!;
      if (isCoinbase(tx)) throw new BlockInvalidError('bad-cb-multiple');
      anyWitness ||= tx.hasWitness;
      const prevouts: SpentOutput[] = [];
      let valueIn = 0;
      for (const input of tx.inputs) {
        const key = outpointKey(input.prevTxid, input.prevVout);
        const coin = this.utxo.remove(key);
        if (!coin) throw new BlockInvalidError('bad-txns-inputs-missingorspent');
        undo.spent.push([key, coin]);
        if (coin.coinbase && rec.height - coin.height < this.coinbaseMaturity) throw new BlockInvalidError('bad-txns-premature-spend-of-coinbase');
        valueIn += coin.value;
        prevouts.push(coin);
      }
      const valueOut = tx.outputs.reduce((s, o) => s + o.value, 0);
      if (valueIn < valueOut) throw new BlockInvalidError('bad-txns-in-belowout');
      fees.push(valueIn - valueOut);
      spentOutputs.push(prevouts);
      this.addOutputs(tx, rec.height, false, undo);
    }
    const coinbase = txs[0]!;
    const reward = blockSubsidy(rec.height, this.halvingInterval) + fees.reduce((a, b) => a + b, 0);
    if (coinbase.outputs.reduce((s, o) => s + o.value, 0) > reward) throw new BlockInvalidError('bad-cb-amount');
    if (anyWitness) checkWitnessCommitment(block);
    this.addOutputs(coinbase, rec.height, true, undo);
    rec.fees = fees;
    rec.spentOutputs = spentOutputs;
  }

  private addOutputs(tx: Tx, height: number, coinbase: boolean, undo: BlockUndo): void {
    tx.outputs.forEach((o, vout) => {
      if (isUnspendable(o.script)) return;
      undo.created.push(this.utxo.add(tx.txid, vout, { value: o.value, script: o.script, height, coinbase }));
    });
  }

  /**
   * Restores spent coins first, then removes created ones: an output created and spent inside the
   * same block is in both lists and must end up absent (the other order resurrected it).
   */
  private rollback(undo: BlockUndo): void {
    for (let i = undo.spent.length - 1; i >= 0; i--) this.utxo.restore(undo.spent[i]![0], undo.spent[i]![1]);
    for (let i = undo.created.length - 1; i >= 0; i--) this.utxo.remove(undo.created[i]!);
  }

  /** Takes the tip off the active chain, restoring the UTXO set. */
  disconnectTip(): BlockRecord {
    const rec = this.tip;
    if (rec.height === 0) throw new Error('cannot disconnect the genesis block');
    this.active.pop();
    if (rec.fast) return rec;
    this.rollback(rec.undo!);
    rec.undo = undefined;
    for (const tx of rec.block.txs) {
      const key = tx.txid.toString('hex');
      if (this.txIndex.get(key)?.block === rec) this.txIndex.delete(key);
    }
    return rec;
  }

  /** Marks a block failed and everything built on it failed-child. */
  markInvalid(rec: BlockRecord): void {
    rec.failed = true;
    for (const other of this.blocks.values()) if (other !== rec && descendsFrom(other, rec)) other.failedChild = true;
  }

  /** Clears failure flags on the block, its descendants and its ancestors (bitcoind's ResetBlockFailureFlags). */
  clearInvalid(rec: BlockRecord): void {
    for (const other of this.blocks.values()) {
      if (descendsFrom(other, rec)) {
        other.failed = false;
        other.failedChild = false;
      }
    }
    for (let r = rec.prev; r; r = r.prev) {
      r.failed = false;
      r.failedChild = false;
    }
  }

  /** Height of the last block shared by the active chain and `rec`'s branch. */
  forkPoint(rec: BlockRecord): BlockRecord {
    let r: BlockRecord | undefined = rec;
    while (r && !this.isActive(r)) r = r.prev;
    return r!;
  }

  coin(txid: Buffer, vout: number): Coin | undefined {
    return this.utxo.get(txid, vout);
  }
}

export function descendsFrom(rec: BlockRecord, ancestor: BlockRecord): boolean {
  return rec.height >= ancestor.height && rec.ancestor(ancestor.height) === ancestor;
}

function checkWitnessCommitment(block: Block): void {
  const coinbase = block.txs[0]!;
  const commitment = findWitnessCommitment(coinbase.outputs);
  const reserved = coinbase.inputs[0]!.witness;
  if (!commitment || reserved.length !== 1 || reserved[0]!.length !== 32) throw new BlockInvalidError('bad-witness-nonce-size');
  const wtxids = block.txs.map((t, i) => (i === 0 ? Buffer.alloc(32) : sha256d(t.raw)));
  const expected = sha256d(Buffer.concat([merkleRoot(wtxids), reserved[0]!]));
  if (!expected.equals(commitment)) throw new BlockInvalidError('bad-witness-merkle-match');
}

export { DevnetRejectError };
