// Helpers for the npm-client e2e test: a thin typed wrapper over the `electrum-cash` library (an
// Electrum client from npm that nobody here wrote; TCP and WebSocket), and the expected answers
// computed straight from the daemon's own verbose RPC (getblock verbosity 2, getrawtransaction
// verbose) with no Anode code involved: which transactions touch which script, at which height,
// the balances and the unspent outputs. And a p2wpkh key of the test's own (OwnKey) that signs
// its spends, to chain mempool transactions the harness wallet would not make.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { EventEmitter } from 'node:events';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';

// ---- the library ----

type RpcParameter = string | number | boolean | null;

export interface LibNotification {
  readonly method: string;
  readonly params: unknown[];
}

/** The part of electrum-cash's ElectrumClient this test uses (its own typings are not reachable under NodeNext). */
interface ElectrumCashClient extends EventEmitter {
  readonly connection: EventEmitter & { readonly status: number };
  connect(): Promise<void>;
  disconnect(force?: boolean, retainSubscriptions?: boolean): Promise<boolean>;
  /** Resolves (never rejects) with the result, or with an Error for an error answer. */
  request(method: string, ...parameters: RpcParameter[]): Promise<unknown>;
  /** Sends the request; the answer is emitted as a 'notification' like later ones. */
  subscribe(method: string, ...parameters: RpcParameter[]): Promise<void>;
}

interface ElectrumCashModule {
  readonly ElectrumClient: new (
    application: string,
    version: string,
    host: string,
    port: number,
    scheme: string,
    timeout?: number,
    pingInterval?: number,
    reconnectInterval?: number,
  ) => ElectrumCashClient;
  readonly ElectrumTransport: Record<'TCP' | 'TCP_TLS' | 'WS' | 'WSS', { Port: number; Scheme: string }>;
}

const require = createRequire(import.meta.url);
export const electrumCash = require('electrum-cash') as ElectrumCashModule;
/** The installed version (its package.json is not exported, so read it beside the entry point). */
export const electrumCashVersion = (JSON.parse(readFileSync(join(dirname(require.resolve('electrum-cash')), '..', 'package.json'), 'utf8')) as { version: string }).version;

export class LibError extends Error {}

/** One connection through the library, with every notification it delivers kept in order. */
export class LibClient {
  readonly notifications: LibNotification[] = [];
  private waiters: Array<() => void> = [];
  negotiated: { software?: string; protocol?: string; error?: unknown } | null = null;

  private constructor(readonly client: ElectrumCashClient) {
    client.on('notification', (n: LibNotification) => {
      this.notifications.push(n);
      for (const w of this.waiters.splice(0)) w();
    });
    // The library swallows server.version's answer; its connection emits it as 'version'.
    client.connection.on('version', (v: { software?: string; protocol?: string; error?: unknown }) => {
      this.negotiated = v;
    });
  }

  static async connect(scheme: 'tcp' | 'ws', port: number, version: string): Promise<LibClient> {
    const transport = scheme === 'tcp' ? electrumCash.ElectrumTransport.TCP : electrumCash.ElectrumTransport.WS;
    // Pings every 3 s of silence (the library's default), 20 s network timeout, no quick reconnect.
    const c = new LibClient(new electrumCash.ElectrumClient('anode-e2e', version, '127.0.0.1', port, transport.Scheme, 20_000, 3000, 60_000));
    await c.client.connect();
    return c;
  }

  async call<T>(method: string, ...params: RpcParameter[]): Promise<T> {
    const r = await this.client.request(method, ...params);
    if (r instanceof Error) throw new LibError(`${method}(${params.map((p) => JSON.stringify(p)).join(', ')}): ${r.message}`);
    return r as T;
  }

  async subscribe(method: string, ...params: RpcParameter[]): Promise<unknown> {
    const before = this.notifications.length;
    await this.client.subscribe(method, ...params);
    // The library emits the subscription's answer as a notification before subscribe() resolves.
    const n = this.notifications.slice(before).find((x) => x.method === method && sameParams(x.params.slice(0, params.length), params));
    if (!n) throw new Error(`${method}: the library delivered no initial result`);
    const result = n.params[params.length];
    if (result instanceof Error) throw new LibError(`${method}: ${result.message}`);
    return result;
  }

  /** The first notification from index `from` on that matches, waiting up to timeoutMs. */
  async waitFor(match: (n: LibNotification) => boolean, from: number, timeoutMs: number, what: string): Promise<LibNotification> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = this.notifications.slice(from).find(match);
      if (n) return n;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.notifications.slice(from))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await this.client.disconnect(true);
  }
}

function sameParams(a: unknown[], b: RpcParameter[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ---- hashes ----

export function sha256(b: Buffer): Buffer {
  return createHash('sha256').update(b).digest();
}

export function sha256d(b: Buffer): Buffer {
  return sha256(sha256(b));
}

/** Electrum scripthash: sha256 of the output script, byte-reversed, hex. */
export function scripthashOf(address: string, network: bitcoin.Network = bitcoin.networks.regtest): { script: string; scripthash: string } {
  const script = Buffer.from(bitcoin.address.toOutputScript(address, network));
  return { script: script.toString('hex'), scripthash: Buffer.from(sha256(script)).reverse().toString('hex') };
}

/** Electrum status of a history: sha256 of "txid:height:" for each entry, hex; null when empty. */
export function statusOf(history: ReadonlyArray<{ tx_hash: string; height: number }>): string | null {
  if (history.length === 0) return null;
  return createHash('sha256').update(history.map((h) => `${h.tx_hash}:${h.height}:`).join('')).digest('hex');
}

/** Folds a merkle branch (display hex, deepest first) from a txid up to the root, as internal-order bytes. */
export function merkleRootFromBranch(txid: string, branch: readonly string[], pos: number): Buffer {
  let h: Buffer = Buffer.from(txid, 'hex').reverse();
  let index = pos;
  for (const sibling of branch) {
    const s = Buffer.from(sibling, 'hex').reverse();
    h = sha256d(index & 1 ? Buffer.concat([s, h]) : Buffer.concat([h, s]));
    index >>>= 1;
  }
  if (index !== 0) throw new Error(`merkle branch of ${branch.length} levels too short for position ${pos}`);
  return h;
}

/** The merkle root field of an 80-byte header given as hex (internal byte order). */
export function headerMerkleRoot(headerHex: string): Buffer {
  const header = Buffer.from(headerHex, 'hex');
  if (header.length !== 80) throw new Error(`header of ${header.length} bytes`);
  return header.subarray(36, 68);
}

// ---- the expected answers, from the daemon ----

export type Rpc = <T = unknown>(method: string, params?: unknown[]) => Promise<T>;

interface VerboseTx {
  txid: string;
  hex: string;
  vin: Array<{ txid?: string; vout?: number; coinbase?: string }>;
  vout: Array<{ value: number; n: number; scriptPubKey: { hex: string } }>;
}

interface VerboseBlock {
  hash: string;
  height: number;
  tx: VerboseTx[];
}

export interface ExpectedHistoryEntry {
  readonly tx_hash: string;
  readonly height: number;
}

export interface ExpectedUtxo {
  readonly tx_hash: string;
  readonly tx_pos: number;
  readonly height: number;
  readonly value: number;
}

export interface ExpectedScript {
  /** Confirmed entries in chain order, then mempool ones (height 0 before -1, then by txid). */
  readonly history: ExpectedHistoryEntry[];
  readonly utxos: ExpectedUtxo[];
  readonly confirmed: number;
  readonly unconfirmed: number;
  readonly status: string | null;
}

export interface ExpectedTx {
  readonly hex: string;
  /** Block height, or 0 / -1 in the mempool. */
  readonly height: number;
  readonly blockHash: string | null;
  /** Position in its block (confirmed only). */
  readonly pos: number;
}

export interface DaemonModel {
  readonly tipHeight: number;
  readonly tipHash: string;
  readonly tipHeaderHex: string;
  readonly scripts: Map<string, ExpectedScript>;
  readonly txs: Map<string, ExpectedTx>;
  /** Block header hex by height, for every height a script's history touches. */
  readonly headers: Map<number, string>;
}

const sats = (btc: number): number => Math.round(btc * 1e8);

/**
 * What Anode should answer for these scripts (output script hex -> scripthash), from blocks
 * fromHeight..tip and the mempool. No output paying them may exist below fromHeight.
 */
export async function modelFromDaemon(rpc: Rpc, scripts: ReadonlyMap<string, string>, fromHeight: number): Promise<DaemonModel> {
  interface Out { sh: string; value: number; height: number; txid: string; vout: number; mempool: boolean; spentBy: 'chain' | 'mempool' | null }
  const outs = new Map<string, Out>(); // txid:vout
  const confirmed = new Map<string, ExpectedHistoryEntry[]>();
  const mempoolTxs = new Map<string, Set<string>>(); // sh -> mempool txids
  const spentInMempool = new Map<string, number>(); // sh -> value of its outputs spent by mempool txs
  const txs = new Map<string, ExpectedTx>();
  const headers = new Map<number, string>();

  const touchConfirmed = (sh: string, txid: string, height: number) => {
    let list = confirmed.get(sh);
    if (!list) confirmed.set(sh, (list = []));
    if (list[list.length - 1]?.tx_hash !== txid) list.push({ tx_hash: txid, height });
  };

  // Read the tip and the mempool together, so that they belong to one state.
  let tipHash: string;
  let pool: string[];
  for (;;) {
    tipHash = await rpc<string>('getbestblockhash');
    pool = await rpc<string[]>('getrawmempool');
    if ((await rpc<string>('getbestblockhash')) === tipHash) break;
  }
  const tipHeader = await rpc<{ height: number }>('getblockheader', [tipHash, true]);
  const tipHeight = tipHeader.height;
  const tipHeaderHex = await rpc<string>('getblockheader', [tipHash, false]);

  for (let height = fromHeight; height <= tipHeight; height++) {
    const hash = await rpc<string>('getblockhash', [height]);
    const block = await rpc<VerboseBlock>('getblock', [hash, 2]);
    if (block.height !== height) throw new Error(`getblock ${hash}: height ${block.height}, expected ${height}`);
    block.tx.forEach((tx, pos) => {
      let touched = false;
      for (const input of tx.vin) {
        if (input.coinbase !== undefined) continue;
        const spent = outs.get(`${input.txid}:${input.vout}`);
        if (!spent) continue;
        spent.spentBy = 'chain';
        touchConfirmed(spent.sh, tx.txid, height);
        touched = true;
      }
      for (const out of tx.vout) {
        const sh = scripts.get(out.scriptPubKey.hex);
        if (sh === undefined) continue;
        outs.set(`${tx.txid}:${out.n}`, { sh, value: sats(out.value), height, txid: tx.txid, vout: out.n, mempool: false, spentBy: null });
        touchConfirmed(sh, tx.txid, height);
        touched = true;
      }
      if (touched) txs.set(tx.txid, { hex: tx.hex, height, blockHash: hash, pos });
    });
    headers.set(height, await rpc<string>('getblockheader', [hash, false]));
  }

  // The mempool: outputs first (a mempool tx may spend another's), then inputs.
  const poolTxs: VerboseTx[] = [];
  for (const txid of pool) {
    try {
      poolTxs.push(await rpc<VerboseTx>('getrawtransaction', [txid, true]));
    } catch (e) {
      throw new Error(`getrawtransaction ${txid} (mempool): ${(e as Error).message}`);
    }
  }
  const inPool = new Set(pool);
  const poolHeight = (tx: VerboseTx): 0 | -1 => (tx.vin.some((i) => i.txid !== undefined && inPool.has(i.txid)) ? -1 : 0);
  const touchMempool = (sh: string, tx: VerboseTx) => {
    let set = mempoolTxs.get(sh);
    if (!set) mempoolTxs.set(sh, (set = new Set()));
    set.add(tx.txid);
    txs.set(tx.txid, { hex: tx.hex, height: poolHeight(tx), blockHash: null, pos: -1 });
  };
  for (const tx of poolTxs) {
    for (const out of tx.vout) {
      const sh = scripts.get(out.scriptPubKey.hex);
      if (sh === undefined) continue;
      outs.set(`${tx.txid}:${out.n}`, { sh, value: sats(out.value), height: 0, txid: tx.txid, vout: out.n, mempool: true, spentBy: null });
      touchMempool(sh, tx);
    }
  }
  for (const tx of poolTxs) {
    for (const input of tx.vin) {
      if (input.txid === undefined) continue;
      const spent = outs.get(`${input.txid}:${input.vout}`);
      if (!spent) continue;
      spent.spentBy = 'mempool';
      spentInMempool.set(spent.sh, (spentInMempool.get(spent.sh) ?? 0) + spent.value);
      touchMempool(spent.sh, tx);
    }
  }

  const result = new Map<string, ExpectedScript>();
  for (const sh of new Set(scripts.values())) {
    const memEntries = [...(mempoolTxs.get(sh) ?? [])]
      .map((txid) => ({ tx_hash: txid, height: txs.get(txid)!.height }))
      .sort((a, b) => b.height - a.height || (a.tx_hash < b.tx_hash ? -1 : a.tx_hash > b.tx_hash ? 1 : 0));
    const history = [...(confirmed.get(sh) ?? []), ...memEntries];
    const mine = [...outs.values()].filter((o) => o.sh === sh);
    const utxos = mine
      .filter((o) => o.spentBy === null)
      .map((o) => ({ tx_hash: o.txid, tx_pos: o.vout, height: o.mempool ? 0 : o.height, value: o.value }));
    const confirmedBalance = mine.filter((o) => !o.mempool && o.spentBy !== 'chain').reduce((s, o) => s + o.value, 0);
    const unconfirmed = mine.filter((o) => o.mempool).reduce((s, o) => s + o.value, 0) - (spentInMempool.get(sh) ?? 0);
    result.set(sh, { history, utxos, confirmed: confirmedBalance, unconfirmed, status: statusOf(history) });
  }
  return { tipHeight, tipHash, tipHeaderHex, scripts: result, txs, headers };
}

/** A stable order for comparing UTXO lists whose order the protocol leaves partly open. */
export function utxoKey(u: { tx_hash: string; tx_pos: number }): string {
  return `${u.tx_hash}:${String(u.tx_pos).padStart(6, '0')}`;
}

// ---- a key of our own, to build transactions the harness wallet would not ----

const SIGHASH_ALL = bitcoin.Transaction.SIGHASH_ALL;

/** A p2wpkh key that signs its own spends (BIP143, low-S ECDSA), so a test can chain mempool transactions. */
export class OwnKey {
  readonly pub: Buffer;
  readonly script: Buffer;
  readonly address: string;
  private readonly scriptCode: Buffer;

  constructor(private readonly priv: Buffer, private readonly network: bitcoin.Network = bitcoin.networks.regtest) {
    if (!ecc.isPrivate(priv)) throw new Error('not a private key');
    this.pub = Buffer.from(ecc.pointFromScalar(priv, true)!);
    const p2wpkh = bitcoin.payments.p2wpkh({ pubkey: this.pub, network });
    this.script = p2wpkh.output!;
    this.address = p2wpkh.address!;
    this.scriptCode = bitcoin.payments.p2pkh({ hash: p2wpkh.hash!, network }).output!;
  }

  static random(network?: bitcoin.Network): OwnKey {
    for (;;) {
      const priv = randomBytes(32);
      if (ecc.isPrivate(priv)) return new OwnKey(priv, network);
    }
  }

  /** A signed transaction spending outputs of this key (txid display hex) to addresses. */
  spend(inputs: ReadonlyArray<{ txid: string; vout: number; value: number }>, outputs: ReadonlyArray<{ address: string; value: number }>): bitcoin.Transaction {
    const tx = new bitcoin.Transaction();
    tx.version = 2;
    for (const i of inputs) tx.addInput(Buffer.from(i.txid, 'hex').reverse(), i.vout, 0xfffffffd);
    for (const o of outputs) tx.addOutput(bitcoin.address.toOutputScript(o.address, this.network), o.value);
    inputs.forEach((input, i) => {
      const hash = tx.hashForWitnessV0(i, this.scriptCode, input.value, SIGHASH_ALL);
      tx.setWitness(i, [bitcoin.script.signature.encode(Buffer.from(ecc.sign(hash, this.priv)), SIGHASH_ALL), this.pub]);
    });
    return tx;
  }
}
