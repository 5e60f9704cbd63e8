// The UTXO set of the active chain, with per-block undo data.
import type { SpentOutput } from './types.js';

export type Coin = SpentOutput;

export function outpointKey(txid: Buffer, vout: number): string {
  return txid.toString('hex') + ':' + vout;
}

export interface OwnedCoin extends Coin {
  readonly txid: Buffer;
  readonly vout: number;
}

/** What a block changed: coins it spent (to restore) and outpoints it created (to remove). */
export interface BlockUndo {
  readonly spent: Array<[string, Coin]>;
  readonly created: string[];
}

export class UtxoSet {
  private readonly coins = new Map<string, Coin>();
  /** Coins whose script a watcher claimed (the wallet), for quick listing. */
  private readonly owned = new Map<string, OwnedCoin>();
  private isOwned: (script: Buffer) => boolean = () => false;

  get size(): number {
    return this.coins.size;
  }

  watch(isOwned: (script: Buffer) => boolean): void {
    this.isOwned = isOwned;
  }

  get(txid: Buffer, vout: number): Coin | undefined {
    return this.coins.get(outpointKey(txid, vout));
  }

  getKey(key: string): Coin | undefined {
    return this.coins.get(key);
  }

  add(txid: Buffer, vout: number, coin: Coin): string {
    const key = outpointKey(txid, vout);
    this.coins.set(key, coin);
    if (this.isOwned(coin.script)) this.owned.set(key, { ...coin, txid, vout });
    return key;
  }

  /** Restores a coin by key (undo). */
  restore(key: string, coin: Coin): void {
    this.coins.set(key, coin);
    if (this.isOwned(coin.script)) {
      const i = key.indexOf(':');
      this.owned.set(key, { ...coin, txid: Buffer.from(key.slice(0, i), 'hex'), vout: Number(key.slice(i + 1)) });
    }
  }

  remove(key: string): Coin | undefined {
    const c = this.coins.get(key);
    if (c) {
      this.coins.delete(key);
      this.owned.delete(key);
    }
    return c;
  }

  /** Every unspent output as [outpoint key, coin] (tests, gettxoutsetinfo). */
  entries(): IterableIterator<[string, Coin]> {
    return this.coins.entries();
  }

  ownedCoins(): IterableIterator<OwnedCoin> {
    return this.owned.values();
  }

  /** Re-evaluates ownership of every coin (after the watcher learned new scripts). */
  rescan(): void {
    this.owned.clear();
    for (const [key, coin] of this.coins) if (this.isOwned(coin.script)) this.restore(key, coin);
  }
}
