// Transactions the harness's pay() cannot make, on devnet and on bitcoind alike: spending one given
// output (a child of an unconfirmed parent), signing without broadcasting, and mining a block that
// holds only chosen mempool transactions.
import { fromDisplayHex } from '../../src/chain/hash.js';
import type { DevnetRegtest, Regtest } from './regtest.js';

const btc = (sats: number) => (sats / 1e8).toFixed(8);

/** Output index and value of `txid`'s output paying `address`. */
export async function outputTo(r: Regtest, txid: string, address: string): Promise<{ vout: number; value: number }> {
  const tx = await r.rpc<{ vout: Array<{ n: number; value: number; scriptPubKey: { address?: string } }> }>('getrawtransaction', [txid, true]);
  const o = tx.vout.find((v) => v.scriptPubKey.address === address);
  if (!o) throw new Error(`${txid} pays nothing to ${address}`);
  return { vout: o.n, value: Math.round(o.value * 1e8) };
}

/** A signed transaction spending exactly txid:vout (a wallet output) to `address`, not broadcast. */
export async function signedSpend(r: Regtest, txid: string, vout: number, value: number, address: string, fee = 2000): Promise<string> {
  if (r.kind === 'devnet') {
    const w = (r as DevnetRegtest).devnet.node.wallet;
    return w.createPayment([{ address, value: value - fee }], { coins: [{ txid: fromDisplayHex(txid), vout }], fee }).toString('hex');
  }
  const raw = await r.rpc<string>('createrawtransaction', [[{ txid, vout }], { [address]: btc(value - fee) }]);
  const signed = await r.rpc<{ hex: string; complete: boolean }>('signrawtransactionwithwallet', [raw]);
  if (!signed.complete) throw new Error('signing failed');
  return signed.hex;
}

/** Broadcasts a child spending txid's output to `from`: a mempool transaction with height -1. */
export async function spendUnconfirmed(r: Regtest, txid: string, from: string, to: string): Promise<string> {
  const { vout, value } = await outputTo(r, txid, from);
  return r.rpc<string>('sendrawtransaction', [await signedSpend(r, txid, vout, value, to)]);
}

/** A signed payment from the harness wallet that nobody has broadcast yet. */
export async function unsentPayment(r: Regtest, address: string, sats: number): Promise<string> {
  if (r.kind === 'devnet') return (r as DevnetRegtest).devnet.node.wallet.createPayment([{ address, value: sats }]).toString('hex');
  const raw = await r.rpc<string>('createrawtransaction', [[], { [address]: btc(sats) }]);
  const funded = await r.rpc<{ hex: string }>('fundrawtransaction', [raw]);
  const signed = await r.rpc<{ hex: string; complete: boolean }>('signrawtransactionwithwallet', [funded.hex]);
  return signed.hex;
}

/** Mines one block holding exactly these mempool transactions (in this order). */
export async function mineOnly(r: Regtest, txids: string[]): Promise<string> {
  const address = await r.newAddress();
  const res = await r.rpc<{ hash: string }>('generateblock', [address, txids]);
  return res.hash;
}

/** Replaces a wallet payment in the mempool by one paying a higher fee (RBF); returns the new txid. */
export async function bumpFee(r: Regtest, txid: string): Promise<string> {
  if (r.kind !== 'devnet') return (await r.rpc<{ txid: string }>('bumpfee', [txid])).txid;
  const node = (r as DevnetRegtest).devnet.node;
  const tx = await r.rpc<{ vin: Array<{ txid: string; vout: number }>; vout: Array<{ value: number; scriptPubKey: { address?: string } }> }>('getrawtransaction', [txid, true]);
  const coins = tx.vin.map((i) => ({ txid: fromDisplayHex(i.txid), vout: i.vout }));
  // Pay the first output again, from the same coins, at a much higher fee rate.
  const first = tx.vout[0]!;
  const raw = node.wallet.createPayment([{ address: first.scriptPubKey.address!, value: Math.round(first.value * 1e8) }], { coins, feeRate: 20 });
  return r.rpc<string>('sendrawtransaction', [raw.toString('hex')]);
}
