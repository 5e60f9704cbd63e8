// Public shapes of the devnet model, shared by the node, its RPC/ZMQ front and the harness.
import type { Block } from '../../chain/block.js';
import type { Header } from '../../chain/header.js';
import type { Tx } from '../../chain/tx.js';

/** A rejection as bitcoind reports it for sendrawtransaction/generateblock: RPC code and message. */
export class DevnetRejectError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'DevnetRejectError';
  }
}

/** bitcoind's height for coins created by mempool transactions. */
export const MEMPOOL_HEIGHT = 0x7fffffff;

/** An output as it was when a transaction spent it (bitcoind's verbosity-3 'prevout'). */
export interface SpentOutput {
  readonly value: number;
  readonly script: Buffer;
  readonly height: number;
  readonly coinbase: boolean;
}

export interface StoredBlock {
  /** Internal byte order. */
  readonly hash: Buffer;
  readonly height: number;
  /** Exact serialization, with witness data. */
  readonly raw: Buffer;
  /** Parsed on demand for fast-chain blocks (not cached), kept for normal blocks. */
  readonly block: Block;
  /** The 80-byte header, always at hand without parsing the block. */
  readonly header: Header;
  readonly txCount: number;
  /** Total work of the chain up to and including this block. */
  readonly chainwork: bigint;
  /** Fee per transaction (0 for the coinbase), once the block has been connected; empty before. */
  readonly fees: readonly number[];
  /** Per transaction, per input, the output it spent (coinbase: []); undefined for fast-chain blocks. */
  readonly spentOutputs?: readonly (readonly SpentOutput[])[];
  /** Built by the fast-chain builder: not in the UTXO set or the eager tx index. */
  readonly fast: boolean;
}

export interface MempoolEntry {
  readonly txid: Buffer;
  readonly wtxid: Buffer;
  readonly raw: Buffer;
  readonly tx: Tx;
  /** Satoshis. */
  readonly fee: number;
  readonly vsize: number;
  readonly weight: number;
  /** Unix seconds when accepted. */
  readonly time: number;
  /** Chain height when accepted. */
  readonly height: number;
  /** In-mempool parents (txids, internal order); kept current. */
  readonly depends: readonly Buffer[];
  /** In-mempool children (txids, internal order); kept current. */
  readonly spentby: readonly Buffer[];
  /** Mempool sequence number at acceptance. */
  readonly sequence: number;
  /** The spent outputs, per input. */
  readonly prevouts: readonly SpentOutput[];
  /** In bitcoind's unbroadcast set: submitted locally (RPC, wallet), never announced to a peer. */
  readonly unbroadcast: boolean;
}

export type TxRemovalReason = 'block' | 'conflict' | 'reorg' | 'replaced' | 'expiry';

export type DevnetEvent =
  | { type: 'blockConnected'; block: StoredBlock }
  | { type: 'blockDisconnected'; block: StoredBlock }
  | { type: 'txAdded'; entry: MempoolEntry; mempoolSequence: number }
  /** Emitted for every removal, 'block' included; bitcoind's ZMQ 'R' is for the other reasons only. */
  | { type: 'txRemoved'; txid: Buffer; mempoolSequence: number; reason: TxRemovalReason };

export type OutputKind = 'p2pkh' | 'p2sh-multisig' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2wsh' | 'p2tr' | 'bare-multisig';

export const OUTPUT_KINDS: readonly OutputKind[] = ['p2pkh', 'p2sh-multisig', 'p2sh-p2wpkh', 'p2wpkh', 'p2wsh', 'p2tr', 'bare-multisig'];
