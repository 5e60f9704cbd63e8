// Block headers and blocks as bitcoind's blockheaderToJSON / blockToJSON print them.
import { toDisplayHex } from '../../chain/hash.js';
import { isCoinbase, type Tx } from '../../chain/tx.js';
import type { DevnetNode, StoredBlock } from '../node.js';
import { txToJson, type Prevout } from './txjson.js';

/** GetDifficulty: how much harder than the easiest mainnet target (regtest: 4.656542373906925e-10). */
export function difficulty(bits: number): number {
  let shift = (bits >>> 24) & 0xff;
  let diff = 0x0000ffff / (bits & 0x00ffffff);
  while (shift < 29) {
    diff *= 256;
    shift++;
  }
  while (shift > 29) {
    diff /= 256;
    shift--;
  }
  // UniValue prints doubles with 16 significant digits.
  return Number(diff.toPrecision(16));
}

export function hex32(n: bigint): string {
  return n.toString(16).padStart(64, '0');
}

export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

export function headerToJson(node: DevnetNode, sb: StoredBlock): Record<string, unknown> {
  const h = sb.header;
  const json: Record<string, unknown> = {
    hash: toDisplayHex(sb.hash),
    confirmations: node.confirmations(sb.hash),
    height: sb.height,
    version: h.version,
    versionHex: hex8(h.version),
    merkleroot: toDisplayHex(h.merkleRoot),
    time: h.time,
    mediantime: node.medianTimePast(sb.hash),
    nonce: h.nonce,
    bits: hex8(h.bits),
    difficulty: difficulty(h.bits),
    chainwork: hex32(sb.chainwork),
    nTx: sb.txCount,
  };
  if (sb.height > 0) json.previousblockhash = toDisplayHex(h.prevHash);
  if (node.isActive(sb.hash)) {
    const next = node.blockHash(sb.height + 1);
    if (next) json.nextblockhash = toDisplayHex(next);
  }
  return json;
}

/** A block transaction's fee from the block's record, when the block has been connected. */
export function blockTxFee(sb: StoredBlock, index: number): number | undefined {
  return sb.fees.length === sb.txCount ? sb.fees[index] : undefined;
}

/** The outputs a block's transaction spent: the block's undo data, or the tx index as a fallback. */
export function blockTxPrevouts(node: DevnetNode, sb: StoredBlock, index: number, tx: Tx): Prevout[] | undefined {
  if (isCoinbase(tx)) return undefined;
  const stored = sb.spentOutputs?.[index];
  if (stored && stored.length === tx.inputs.length) return [...stored];
  return lookupPrevouts(node, tx);
}

/** Finds each spent output through the node's tx index (active chain or mempool). */
export function lookupPrevouts(node: DevnetNode, tx: Tx): Prevout[] | undefined {
  const out: Prevout[] = [];
  for (const input of tx.inputs) {
    const found = node.findTx(input.prevTxid);
    const o = found?.tx.outputs[input.prevVout];
    if (!found || !o) return undefined;
    out.push({ value: o.value, script: o.script, height: found.block ? found.block.height : node.tipHeight() + 1, coinbase: isCoinbase(found.tx) });
  }
  return out;
}

export function blockToJson(node: DevnetNode, sb: StoredBlock, verbosity: number): Record<string, unknown> {
  const json = headerToJson(node, sb);
  const block = sb.block;
  let witnessBytes = 0;
  for (const tx of block.txs) witnessBytes += tx.raw.length - tx.baseSize;
  const stripped = sb.raw.length - witnessBytes;
  json.strippedsize = stripped;
  json.size = sb.raw.length;
  json.weight = stripped * 3 + sb.raw.length;
  if (verbosity <= 1) {
    json.tx = block.txs.map((tx) => toDisplayHex(tx.txid));
  } else {
    // Fees come with the block record; prevouts (verbosity 3) may need tx index lookups.
    json.tx = block.txs.map((tx, i) =>
      txToJson(tx, node.network, { includeHex: true, fee: blockTxFee(sb, i), prevouts: verbosity >= 3 ? blockTxPrevouts(node, sb, i, tx) : undefined }),
    );
  }
  return json;
}
