// The regtest harness itself (devnet, or bitcoind with BITCOIND set): what every integration test
// relies on does what harness.md says.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startRegtest, usingBitcoind, type DevnetRegtest, type Regtest } from '../helpers/regtest.js';

describe('regtest harness', () => {
  let r: Regtest;
  before(async () => {
    r = await startRegtest();
  });
  after(async () => {
    await r.stop();
  });

  test('starts a bitcoin regtest chain with 101 blocks', async () => {
    assert.equal(r.kind, usingBitcoind ? 'bitcoind' : 'devnet');
    assert.equal(r.coin.network, 'regtest');
    assert.equal(await r.rpc<number>('getblockcount'), 101);
    assert.equal(await r.rpc<string>('getblockhash', [0]), r.coin.genesisHash);
    assert.match(r.zmqUrl, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(r.endpoint.cookieFile && fs.existsSync(r.endpoint.cookieFile));
    if (!usingBitcoind) assert.ok((r as DevnetRegtest).devnet.node.tipHeight() === 101);
  });

  test('mine returns the new blocks in order', async () => {
    const hashes = await r.mine(2);
    assert.equal(hashes.length, 2);
    assert.equal(await r.rpc<string>('getblockhash', [102]), hashes[0]);
    assert.equal(await r.rpc<string>('getbestblockhash'), hashes[1]);
  });

  test('newAddress gives each address type, pay sends a real transaction', async () => {
    const kinds = {
      legacy: /^[mn]/,
      'p2sh-segwit': /^2/,
      bech32: /^bcrt1q/,
      bech32m: /^bcrt1p/,
    } as const;
    const seen = new Set<string>();
    for (const [type, re] of Object.entries(kinds)) {
      const a = await r.newAddress(type as keyof typeof kinds);
      assert.match(a, re, type);
      seen.add(a);
    }
    const fresh = await r.newAddress();
    assert.ok(!seen.has(fresh), 'addresses are fresh');
    const txid = await r.pay(fresh, 123_456);
    const mempool = await r.rpc<string[]>('getrawmempool');
    assert.ok(mempool.includes(txid));
    const [block] = await r.mine(1);
    const tx = await r.rpc<{ vout: Array<{ value: number; scriptPubKey: { address?: string } }> }>('getrawtransaction', [txid, 1, block]);
    assert.ok(tx.vout.some((o) => o.scriptPubKey.address === fresh && Math.round(o.value * 1e8) === 123_456));
  });

  test('reorg replaces the last blocks with a longer branch', async () => {
    const height = await r.rpc<number>('getblockcount');
    const oldTip = await r.rpc<string>('getbestblockhash');
    const newTip = await r.reorg(2);
    assert.notEqual(newTip, oldTip);
    assert.equal(await r.rpc<string>('getbestblockhash'), newTip);
    assert.equal(await r.rpc<number>('getblockcount'), height + 1);
    const old = await r.rpc<{ confirmations: number }>('getblockheader', [oldTip]);
    assert.equal(old.confirmations, -1);
  });
});
