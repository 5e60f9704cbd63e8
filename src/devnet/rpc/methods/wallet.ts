// The few wallet calls a test drives bitcoind with (getnewaddress, sendtoaddress, getbalance),
// served by the devnet wallet so the same client code works against both.
import { toDisplayHex } from '../../../chain/hash.js';
import type { OutputKind } from '../../node.js';
import { RpcError, RPC } from '../errors.js';
import { btc } from '../json.js';
import { opt, type MethodSpec } from '../params.js';
import { asRpc, isValidAddress } from './control.js';
import { amountToSats } from './transactions.js';

const RPC_WALLET_INSUFFICIENT_FUNDS = -6;

/** getnewaddress address_type -> the wallet's output kind. */
export const ADDRESS_TYPES: Record<string, OutputKind> = {
  legacy: 'p2pkh',
  'p2sh-segwit': 'p2sh-p2wpkh',
  bech32: 'p2wpkh',
  bech32m: 'p2tr',
};

/** Wallet failures other than model rejections: running out of coins is -6 in bitcoind. */
export function walletCall<T>(f: () => T): T {
  try {
    return asRpc(f);
  } catch (e) {
    if (!(e instanceof RpcError) && e instanceof Error && /insufficient/i.test(e.message)) {
      throw new RpcError(RPC_WALLET_INSUFFICIENT_FUNDS, 'Insufficient funds');
    }
    throw e;
  }
}

export const walletMethods: MethodSpec[] = [
  {
    name: 'getnewaddress',
    args: [
      { names: 'label', type: 'string', optional: true },
      { names: 'address_type', type: 'string', optional: true },
    ],
    summary: 'Returns a new Bitcoin address for receiving payments.',
    run({ node }, params) {
      const type = opt(params, 1, 'bech32');
      const kind = ADDRESS_TYPES[type];
      if (!kind) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, `Unknown address type '${type}'`);
      return node.wallet.newAddress(kind);
    },
  },
  {
    name: 'sendtoaddress',
    args: [
      { names: 'address', type: 'string' },
      { names: 'amount', type: 'amount' },
      { names: 'comment', type: 'string', optional: true },
      { names: 'comment_to', type: 'string', optional: true },
      { names: 'subtractfeefromamount', type: 'boolean', optional: true },
      { names: 'replaceable', type: 'boolean', optional: true },
      { names: 'conf_target', type: 'number', optional: true },
      { names: 'estimate_mode', type: 'string', optional: true },
      { names: 'avoid_reuse', type: 'boolean', optional: true },
      { names: 'fee_rate', type: 'amount', optional: true },
      { names: 'verbose', type: 'boolean', optional: true },
    ],
    summary: 'Send an amount to a given address.',
    run({ node }, params) {
      const address = params[0] as string;
      if (!isValidAddress(node, address)) throw new RpcError(RPC.INVALID_ADDRESS_OR_KEY, 'Invalid address');
      const sats = amountToSats(params[1]);
      if (sats <= 0) throw new RpcError(RPC.TYPE_ERROR, 'Invalid amount for send');
      const feeRate = params[9] === null || params[9] === undefined ? undefined : Number(params[9]);
      const txid = walletCall(() => node.wallet.pay([{ address, value: sats }], feeRate ? { feeRate } : {}));
      return opt(params, 10, false) ? { txid: toDisplayHex(txid), fee_reason: 'Fallback fee' } : toDisplayHex(txid);
    },
  },
  {
    name: 'getbalance',
    args: [
      { names: 'dummy', type: 'string', optional: true },
      { names: 'minconf', type: 'number', optional: true },
      { names: 'include_watchonly', type: 'boolean', optional: true },
      { names: 'avoid_reuse', type: 'boolean', optional: true },
    ],
    summary: 'Returns the total available balance.',
    run: ({ node }) => btc(node.wallet.balance()),
  },
];
