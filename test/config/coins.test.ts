import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as bitcoin from 'bitcoinjs-lib';
import { defaultCoinsDir, findCoin, loadCoins, CoinFileError } from '../../src/config/coins.js';

test('every shipped coin file loads, and coin+network pairs are unique', () => {
  const coins = loadCoins();
  const names = coins.map((c) => `${c.coin}/${c.network}`).sort();
  assert.deepEqual(names, [
    'Bitcoin/mainnet',
    'Bitcoin/regtest',
    'Bitcoin/signet',
    'Bitcoin/testnet',
    'Bitcoin/testnet4',
    'Litecoin/mainnet',
    'Litecoin/testnet',
  ]);
});

test('Bitcoin networks carry the parameters bitcoinjs-lib knows', () => {
  const main = findCoin('bitcoin', 'mainnet');
  assert.equal(main.addresses.p2pkh, bitcoin.networks.bitcoin.pubKeyHash);
  assert.equal(main.addresses.p2sh, bitcoin.networks.bitcoin.scriptHash);
  assert.equal(main.addresses.wif, bitcoin.networks.bitcoin.wif);
  assert.equal(main.addresses.bech32, bitcoin.networks.bitcoin.bech32);
  assert.equal(main.addresses.bip32Public, bitcoin.networks.bitcoin.bip32.public);
  const reg = findCoin('Bitcoin', 'regtest');
  assert.equal(reg.addresses.bech32, bitcoin.networks.regtest.bech32);
  assert.equal(reg.genesisHash, '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
  assert.equal(findCoin('Bitcoin', 'testnet').addresses.p2pkh, bitcoin.networks.testnet.pubKeyHash);
});

test('an unknown coin or network lists what exists', () => {
  assert.throws(() => findCoin('Dogecoin', 'mainnet'), /no coin file for COIN=Dogecoin NET=mainnet; known: .*Bitcoin\/mainnet/);
});

function withCoinDir(edit: (coin: Record<string, unknown>) => void, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'anode-coins-'));
  try {
    const coin = JSON.parse(readFileSync(join(defaultCoinsDir(), 'bitcoin-regtest.json'), 'utf8'));
    edit(coin);
    writeFileSync(join(dir, 'mycoin.json'), JSON.stringify(coin));
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('adding a network is adding a file', () => {
  withCoinDir(
    (c) => {
      c.coin = 'Examplecoin';
      c.network = 'devnet';
    },
    (dir) => assert.equal(findCoin('examplecoin', 'devnet', dir).file, 'mycoin.json'),
  );
});

test('a bad coin file stops with the file and the field named', () => {
  const cases: Array<[(c: Record<string, unknown>) => void, RegExp]> = [
    [(c) => delete c.genesisHash, /coin file mycoin\.json: field "genesisHash" is missing/],
    [(c) => (c.genesisHash = 'xyz'), /mycoin\.json: field "genesisHash" must be 64 lower-case hex digits/],
    [(c) => ((c.addresses as Record<string, unknown>).p2pkh = 300), /field "addresses\.p2pkh" must be an integer from 0 to 255/],
    [(c) => ((c.electrumPorts as Record<string, unknown>).tcp = 'x'), /field "electrumPorts\.tcp" must be an integer/],
    [(c) => (c.segwit = 'yes'), /field "segwit" must be true or false/],
    [(c) => (c.reorgLimit = 0), /field "reorgLimit" must be an integer from 1/],
  ];
  for (const [edit, message] of cases) {
    withCoinDir(edit, (dir) => {
      assert.throws(() => loadCoins(dir), (err: unknown) => err instanceof CoinFileError && message.test((err as Error).message));
    });
  }
});

test('a coin file that is not JSON is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anode-coins-'));
  try {
    writeFileSync(join(dir, 'broken.json'), '{ "coin": ');
    assert.throws(() => loadCoins(dir), /coin file broken\.json: field "\(file\)" is not readable JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
