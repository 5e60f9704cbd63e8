// bitcoind prints amounts with exactly 8 decimals ("value": 50.00000000). JSON.stringify cannot,
// so amounts are wrapped, serialized as marked strings, and spliced back in as bare numbers.
import { formatCoins as formatBtc } from '../../chain/amount.js';

const MARK = '\u0001amt';
const MARKED = /"\\u0001amt(-?\d+\.\d{8})"/g;

export class Amount {
  constructor(readonly sats: number) {}

  toJSON(): string {
    return MARK + formatBtc(this.sats);
  }
}

/** Satoshis as a BTC amount in JSON output. */
export function btc(sats: number): Amount {
  return new Amount(sats);
}

export { formatBtc };

/** JSON text as bitcoind writes it (one line), with amounts in 8-decimal form. */
export function writeJson(value: unknown): string {
  const text = JSON.stringify(value);
  // Raw blocks can make this many megabytes: only scan when an amount is in it.
  return text.includes('\\u0001amt') ? text.replace(MARKED, '$1') : text;
}
