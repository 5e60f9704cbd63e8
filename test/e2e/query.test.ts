// `anode query ADDRESS|SCRIPTHASH [--json]` beside a running `anode sync`: its answers are checked
// against the chain itself (every block replayed from the daemon).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import { findCoin } from '../../src/config/coins.js';
import { scriptHash, scriptHashHex } from '../../src/chain/scripthash.js';
import { bitcoinjsNetwork as coinNetwork } from '../../src/config/network.js';
import { openIndex } from '../../src/index/index.js';
import { toDisplayHex } from '../../src/chain/hash.js';
import { startRegtest, type Regtest } from '../helpers/regtest.js';
import { AnodeProcess, anodeEnv, runAnode } from '../sync/cli-helpers.js';
import { fetchChain, modelChain, type ChainModel } from '../sync/chain-model.js';
import { TempDirs } from '../sync/helpers.js';

const coin = findCoin('Bitcoin', 'regtest');

interface Answer {
  target: string;
  kind: string;
  scripthash: string;
  indexHeight: number;
  history: Array<{ height: number; txid: string }>;
  utxos: Array<{ txid: string; vout: number; height: number; value: number }>;
  balance: number;
}

describe('anode query', () => {
  let r: Regtest;
  let sync: AnodeProcess;
  let model: ChainModel;
  let dir: string;
  const dirs = new TempDirs();
  const addresses: string[] = [];

  before(async () => {
    r = await startRegtest({ blocks: 101 });
    for (const type of ['legacy', 'p2sh-segwit', 'bech32', 'bech32m'] as const) addresses.push(await r.newAddress(type));
    // Each address is paid twice, in different blocks; the harness wallet also spends its change.
    for (const [i, a] of addresses.entries()) await r.pay(a, 1_000_000 * (i + 1));
    await r.mine(1);
    for (const [i, a] of addresses.entries()) await r.pay(a, 10_000 + i);
    await r.mine(1);
    dir = dirs.make();
    sync = new AnodeProcess(['sync'], anodeEnv(r.endpoint, dir));
    await sync.waitFor(/caught up at height/);
    const best = await r.rpc<string>('getbestblockhash');
    for (let i = 0; i < 600; i++) {
      const index = await openIndex(dir, { coin, readOnly: true });
      const tip = toDisplayHex(index.state.tipHash);
      await index.close();
      if (tip === best) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    model = modelChain((await fetchChain(r.rpc.bind(r))).blocks);
  });

  after(async () => {
    if (sync && sync.child.exitCode === null) {
      sync.child.kill('SIGTERM');
      await sync.done;
    }
    await r?.stop();
    dirs.cleanup();
  });

  const expected = (script: Buffer) => {
    const sh = scriptHash(script).toString('hex');
    return { history: model.history.get(sh) ?? [], utxos: model.utxos.get(sh) ?? [], balance: model.balance.get(sh) ?? 0 };
  };

  test('--json answers for every address type match the chain', async () => {
    for (const address of addresses) {
      const script = bitcoin.address.toOutputScript(address, coinNetwork(coin));
      const done = await runAnode(['query', address, '--json'], anodeEnv(r.endpoint, dir));
      assert.equal(done.code, 0, done.stderr);
      const answer = JSON.parse(done.stdout) as Answer;
      assert.equal(answer.kind, 'address');
      assert.equal(answer.scripthash, scriptHashHex(script));
      assert.equal(answer.indexHeight, model.height);
      const want = expected(script);
      assert.ok(want.history.length >= 2, `${address} was paid twice`);
      assert.deepEqual(answer.history, want.history, `history of ${address}`);
      assert.deepEqual(answer.utxos, want.utxos, `utxos of ${address}`);
      assert.equal(answer.balance, want.balance, `balance of ${address}`);
    }
  });

  test('a scripthash gives the same answer, and the text form lists it all', async () => {
    const address = addresses[2]!;
    const script = bitcoin.address.toOutputScript(address, coinNetwork(coin));
    const byAddress = JSON.parse((await runAnode(['query', address, '--json'], anodeEnv(r.endpoint, dir))).stdout) as Answer;
    const byHash = JSON.parse((await runAnode(['query', scriptHashHex(script), '--json'], anodeEnv(r.endpoint, dir))).stdout) as Answer;
    assert.equal(byHash.kind, 'scripthash');
    assert.deepEqual({ ...byHash, target: '', kind: '', script: null }, { ...byAddress, target: '', kind: '', script: null });

    const text = await runAnode(['query', address], anodeEnv(r.endpoint, dir));
    assert.equal(text.code, 0, text.stderr);
    const want = expected(script);
    for (const h of want.history) assert.match(text.stdout, new RegExp(`${h.height}\\s+${h.txid}`));
    for (const u of want.utxos) assert.ok(text.stdout.includes(`${u.txid}:${u.vout}`), `utxo ${u.txid}:${u.vout} listed`);
    assert.match(text.stdout, new RegExp(`confirmed balance: .* \\(${want.balance} sat\\)`));
  });

  test('something that is neither an address nor a scripthash exits 2 with a message', async () => {
    const done = await runAnode(['query', 'bc1qnotanaddressatall'], anodeEnv(r.endpoint, dir));
    assert.equal(done.code, 2);
    assert.match(done.stderr, /neither a Bitcoin regtest address nor a 64-hex-digit scripthash/);
    const mainnet = await runAnode(['query', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'], anodeEnv(r.endpoint, dir));
    assert.equal(mainnet.code, 2, 'a mainnet address is not a regtest address');
  });
});
