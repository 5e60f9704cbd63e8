// A bitcoinjs-lib Network built from a coin file, for address <-> script conversion.
import type { Network } from 'bitcoinjs-lib';
import type { CoinParams } from './coins.js';

export function bitcoinjsNetwork(coin: CoinParams): Network {
  return {
    messagePrefix: coin.messagePrefix,
    bech32: coin.addresses.bech32,
    bip32: { public: coin.addresses.bip32Public, private: coin.addresses.bip32Private },
    pubKeyHash: coin.addresses.p2pkh,
    scriptHash: coin.addresses.p2sh,
    wif: coin.addresses.wif,
  };
}
