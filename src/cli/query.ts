// `anode query ADDRESS|SCRIPTHASH [--json]`: the confirmed history, UTXOs and balance of one
// script, read from the index opened read-only (safe beside a running `anode sync`).
import { formatCoins } from '../chain/amount.js';
import { existsSync } from 'node:fs';
import type { Settings } from '../config/settings.js';
import type { CoinParams } from '../config/coins.js';
import { toDisplayHex } from '../chain/hash.js';
import type { IndexReader } from '../index/types.js';
import { openIndex } from '../index/index.js';
import { silentLogger } from '../log.js';
import { parseQueryTarget, QueryTargetError, type QueryTarget } from '../sync/target.js';

export type QuerySettings = Pick<Settings, 'coin' | 'dbDirectory'>;

export interface QueryOptions {
  readonly json: boolean;
  /** Where the answer goes (default: stdout). */
  readonly out?: (text: string) => void;
  /** Where problems go (default: stderr). */
  readonly err?: (text: string) => void;
}

export interface QueryAnswer {
  readonly target: string;
  readonly kind: 'address' | 'scripthash';
  /** Electrum form (reversed hex). */
  readonly scripthash: string;
  readonly script: string | null;
  readonly indexHeight: number;
  readonly history: Array<{ height: number; txid: string }>;
  readonly utxos: Array<{ txid: string; vout: number; height: number; value: number }>;
  /** Satoshis. */
  readonly balance: number;
}

export async function queryIndex(reader: IndexReader, target: QueryTarget): Promise<QueryAnswer> {
  const [tip, history, utxos, balance] = await Promise.all([
    reader.tip(),
    reader.getHistory(target.scriptHash),
    reader.getUtxos(target.scriptHash),
    reader.getBalance(target.scriptHash),
  ]);
  return {
    target: target.text,
    kind: target.kind,
    scripthash: toDisplayHex(target.scriptHash),
    script: target.script ? target.script.toString('hex') : null,
    indexHeight: tip ? tip.height : -1,
    history: history.map((h) => ({ height: h.height, txid: toDisplayHex(h.txid) })),
    utxos: utxos.map((u) => ({ txid: toDisplayHex(u.txid), vout: u.vout, height: u.height, value: u.value })),
    balance,
  };
}

/** The answer as an operator reads it. */
export function formatAnswer(a: QueryAnswer, coin: CoinParams): string {
  const lines: string[] = [];
  lines.push(`${a.kind} ${a.target}`);
  if (a.kind === 'address') lines.push(`scripthash ${a.scripthash}`);
  lines.push(`index height ${a.indexHeight} (${coin.coin} ${coin.network})`, '');
  lines.push(`history: ${a.history.length} transaction(s)`);
  for (const h of a.history) lines.push(`  ${String(h.height).padStart(8)}  ${h.txid}`);
  lines.push('', `utxos: ${a.utxos.length}`);
  for (const u of a.utxos) lines.push(`  ${u.txid}:${u.vout}  height ${u.height}  ${formatCoins(u.value)} ${coin.ticker}`);
  lines.push('', `confirmed balance: ${formatCoins(a.balance)} ${coin.ticker} (${a.balance} sat)`);
  return lines.join('\n');
}

export { formatCoins };

/** Returns the exit code: 0 answered, 1 no usable index, 2 bad ADDRESS|SCRIPTHASH. */
export async function runQuery(settings: QuerySettings, target: string, opts: QueryOptions): Promise<number> {
  const out = opts.out ?? ((t: string) => process.stdout.write(t + '\n'));
  const err = opts.err ?? ((t: string) => process.stderr.write(t + '\n'));
  let parsed: QueryTarget;
  try {
    parsed = parseQueryTarget(target, settings.coin);
  } catch (e) {
    if (!(e instanceof QueryTargetError)) throw e;
    err(`anode query: ${e.message}`);
    return 2;
  }
  if (!existsSync(settings.dbDirectory)) {
    err(`anode query: no index at ${settings.dbDirectory} (DB_DIRECTORY); run \`anode sync\` first`);
    return 1;
  }
  let index: Awaited<ReturnType<typeof openIndex>>;
  try {
    index = await openIndex(settings.dbDirectory, { coin: settings.coin, readOnly: true, logger: silentLogger() });
  } catch (e) {
    err(`anode query: cannot open the index at ${settings.dbDirectory}: ${(e as Error).message}`);
    return 1;
  }
  try {
    const answer = await queryIndex(index.reader, parsed);
    out(opts.json ? JSON.stringify(answer, null, 2) : formatAnswer(answer, settings.coin));
    return 0;
  } finally {
    await index.close();
  }
}
