// Satoshi amounts shown as coins with 8 decimals, as bitcoind and Electrum print them.

export function formatCoins(sats: number): string {
  const sign = sats < 0 ? '-' : '';
  const abs = Math.abs(Math.round(sats));
  return `${sign}${Math.floor(abs / 1e8)}.${String(abs % 1e8).padStart(8, '0')}`;
}
