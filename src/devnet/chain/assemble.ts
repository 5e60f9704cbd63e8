// Block assembly as bitcoind's miner does it: BIP34 coinbase, witness commitment, merkle root, PoW.
import { ByteWriter } from '../../chain/bytes.js';
import { sha256d } from '../../chain/hash.js';
import { merkleRoot } from '../../chain/merkle.js';
import { scriptNumPush, serializeHeader, serializeTx } from './serialize.js';

/** Version bits top bits with nothing signalled, like Core's regtest miner. */
export const BLOCK_VERSION = 0x20000000;
export const REGTEST_BITS = 0x207fffff;
const WITNESS_MAGIC = Buffer.from('aa21a9ed', 'hex');
const ZERO32 = Buffer.alloc(32);

export function blockSubsidy(height: number, halvingInterval: number): number {
  const halvings = Math.floor(height / halvingInterval);
  if (halvings >= 64) return 0;
  return Math.floor(5_000_000_000 / 2 ** halvings);
}

/** The commitment output script: OP_RETURN <aa21a9ed || sha256d(witnessRoot || reserved)>. */
export function witnessCommitmentScript(wtxids: readonly Buffer[]): Buffer {
  // The coinbase's wtxid counts as all zeros.
  const root = merkleRoot([ZERO32, ...wtxids.slice(1)]);
  const commitment = sha256d(Buffer.concat([root, ZERO32]));
  return Buffer.concat([Buffer.from([0x6a, 0x24]), WITNESS_MAGIC, commitment]);
}

/** Finds the commitment in a coinbase's outputs (the last matching one, as consensus does). */
export function findWitnessCommitment(outputs: readonly { script: Buffer }[]): Buffer | undefined {
  for (let i = outputs.length - 1; i >= 0; i--) {
    const s = outputs[i]!.script;
    if (s.length >= 38 && s[0] === 0x6a && s[1] === 0x24 && s.subarray(2, 6).equals(WITNESS_MAGIC)) return s.subarray(6, 38);
  }
  return undefined;
}

/**
 * Core's coinbase: scriptSig `<height> OP_0`, payout then the witness commitment, the 32-byte
 * witness reserved value. `wtxids` are those of the block's other transactions, in order.
 */
export function buildCoinbase(height: number, payoutScript: Buffer, value: number, wtxids: readonly Buffer[]): Buffer {
  return serializeTx({
    version: 2,
    inputs: [{ prevTxid: ZERO32, prevVout: 0xffffffff, scriptSig: Buffer.concat([scriptNumPush(height), Buffer.from([0x00])]), sequence: 0xffffffff, witness: [ZERO32] }],
    outputs: [
      { value, script: payoutScript },
      { value: 0, script: witnessCommitmentScript([ZERO32, ...wtxids]) },
    ],
    locktime: 0,
  });
}

/** Whether a header hash (internal order) meets regtest's target 0x7fffff << 232, without bigints. */
export function meetsRegtestTarget(hash: Buffer): boolean {
  const top = hash[31]!;
  if (top < 0x7f) return true;
  if (top > 0x7f) return false;
  if (hash[30] !== 0xff || hash[29] !== 0xff) return true;
  for (let i = 28; i >= 0; i--) if (hash[i] !== 0) return false;
  return true;
}

/** Grinds the nonce of an 80-byte header in place until it meets the target; returns the hash. */
export function grindHeader(header: Buffer, meets: (hash: Buffer) => boolean): Buffer {
  for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
    header.writeUInt32LE(nonce, 76);
    const hash = sha256d(header);
    if (meets(hash)) return hash;
  }
  throw new Error('nonce space exhausted');
}

export interface AssembledBlock {
  raw: Buffer;
  hash: Buffer;
}

/** Header + transactions (coinbase first, already serialized) -> a mined block. */
export function assembleBlock(
  prevHash: Buffer,
  time: number,
  txids: readonly Buffer[],
  rawTxs: readonly Buffer[],
  meets: (hash: Buffer) => boolean = meetsRegtestTarget,
  bits = REGTEST_BITS,
): AssembledBlock {
  const header = serializeHeader({ version: BLOCK_VERSION, prevHash, merkleRoot: merkleRoot(txids), time, bits, nonce: 0 });
  const hash = grindHeader(header, meets);
  let size = 0;
  for (const t of rawTxs) size += t.length;
  const w = new ByteWriter(80 + 9 + size);
  w.bytes(header).varint(rawTxs.length);
  for (const t of rawTxs) w.bytes(t);
  return { raw: w.toBuffer(), hash };
}

/** The real regtest genesis block: the mainnet genesis coinbase, time 1296688602, nonce 2. */
export function regtestGenesis(): Buffer {
  const coinbase = Buffer.from(
    '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000',
    'hex',
  );
  const header = serializeHeader({ version: 1, prevHash: ZERO32, merkleRoot: sha256d(coinbase), time: 1296688602, bits: REGTEST_BITS, nonce: 2 });
  return Buffer.concat([header, Buffer.from([1]), coinbase]);
}
