// DevnetNode events -> ZMQ messages, in the order and byte order of bitcoind's
// CZMQNotificationInterface and zmqpublishnotifier.cpp (hashes reversed to display order).
import type { DevnetEvent, DevnetNode, StoredBlock } from '../node.js';
import type { Tx } from '../../chain/tx.js';
import type { ZmqPublisher } from './publisher.js';

function display(hash: Buffer): Buffer {
  return Buffer.from(hash).reverse();
}

/** sequence body: 32-byte hash (display order), label, and for A/R the 8-byte LE mempool sequence. */
export function sequenceBody(hash: Buffer, label: 'C' | 'D' | 'A' | 'R', mempoolSequence?: number): Buffer {
  const body = Buffer.alloc(mempoolSequence === undefined ? 33 : 41);
  display(hash).copy(body, 0);
  body[32] = label.charCodeAt(0);
  if (mempoolSequence !== undefined) body.writeBigUInt64LE(BigInt(mempoolSequence), 33);
  return body;
}

export class ZmqNotifier {
  private readonly unsubscribe: () => void;

  constructor(
    node: DevnetNode,
    private readonly pub: ZmqPublisher,
  ) {
    this.unsubscribe = node.on((e) => this.onEvent(e));
  }

  private transaction(tx: Tx): void {
    this.pub.publish('hashtx', display(tx.txid));
    this.pub.publish('rawtx', tx.raw);
  }

  /** hashtx/rawtx for each tx of a block; the block is parsed only if someone wants them. */
  private blockTransactions(block: StoredBlock): void {
    let txs: readonly Tx[] | undefined;
    const tx = (i: number): Tx => (txs ??= block.block.txs)[i]!;
    for (let i = 0; i < block.txCount; i++) {
      this.pub.publish('hashtx', () => display(tx(i).txid));
      this.pub.publish('rawtx', () => tx(i).raw);
    }
  }

  private blockTip(block: StoredBlock): void {
    this.pub.publish('hashblock', display(block.hash));
    this.pub.publish('rawblock', block.raw);
  }

  private onEvent(e: DevnetEvent): void {
    switch (e.type) {
      case 'blockConnected':
        // BlockConnected: each tx (hashtx, rawtx), then sequence C; then UpdatedBlockTip: hashblock, rawblock.
        this.blockTransactions(e.block);
        this.pub.publish('sequence', sequenceBody(e.block.hash, 'C'));
        this.blockTip(e.block);
        break;
      case 'blockDisconnected':
        this.blockTransactions(e.block);
        this.pub.publish('sequence', sequenceBody(e.block.hash, 'D'));
        break;
      case 'txAdded':
        this.transaction(e.entry.tx);
        this.pub.publish('sequence', sequenceBody(e.entry.txid, 'A', e.mempoolSequence));
        break;
      case 'txRemoved':
        // Removal for block inclusion is not announced (TransactionRemovedFromMempool skips it).
        if (e.reason !== 'block') this.pub.publish('sequence', sequenceBody(e.txid, 'R', e.mempoolSequence));
        break;
    }
  }

  stop(): void {
    this.unsubscribe();
  }
}
