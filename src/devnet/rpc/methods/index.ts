// Every RPC method devnet serves.
import type { MethodSpec } from '../params.js';
import { blockMethods } from './blocks.js';
import { chainMethods } from './chain.js';
import { controlMethods } from './control.js';
import { devnetMethods } from './devnet.js';
import { feeMethods } from './fees.js';
import { mempoolMethods } from './mempool.js';
import { networkMethods } from './network.js';
import { transactionMethods } from './transactions.js';
import { walletMethods } from './wallet.js';

export const allMethods: readonly MethodSpec[] = [
  ...chainMethods,
  ...blockMethods,
  ...transactionMethods,
  ...mempoolMethods,
  ...feeMethods,
  ...networkMethods,
  ...controlMethods,
  ...walletMethods,
  ...devnetMethods,
];
