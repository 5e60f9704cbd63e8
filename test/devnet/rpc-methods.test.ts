// Each method's result shape and error codes, against what bitcoind 28 returns, over real sockets.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DevnetNode } from '../../src/devnet/node.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { RpcClient } from '../../src/devnet/rpc/client.js';
import { silentLogger } from '../../src/log.js';
import { toDisplayHex } from '../../src/chain/hash.js';

type Obj = Record<string, any>;

const GENESIS = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';
const GENESIS_HEADER =
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f2002000000';
const HEADER_KEYS = ['hash', 'confirmations', 'height', 'version', 'versionHex', 'merkleroot', 'time', 'mediantime', 'nonce', 'bits', 'difficulty', 'chainwork', 'nTx'];
const TX_KEYS = ['txid', 'hash', 'version', 'size', 'vsize', 'weight', 'locktime', 'vin', 'vout'];
const MEMPOOL_ENTRY_KEYS = [
  'vsize', 'weight', 'time', 'height', 'descendantcount', 'descendantsize', 'ancestorcount', 'ancestorsize', 'chunkweight', 'wtxid',
  'fees', 'depends', 'spentby', 'bip125-replaceable', 'unbroadcast',
];

describe('RPC methods', () => {
  let node: DevnetNode;
  let server: DevnetServer;
  let rpc: RpcClient;
  const call = <T = any>(method: string, params: unknown[] = []) => rpc.call<T>(method, params);

  before(async () => {
    node = await DevnetNode.create({ seed: 'rpc-methods' });
    node.wallet.fund();
    server = await DevnetServer.start({ node, log: silentLogger() });
    rpc = new RpcClient(server.rpcUrl, { cookieFile: server.cookieFile });
  });

  after(async () => {
    rpc.close();
    await server.stop();
  });

  describe('chain', () => {
    test('getblockchaininfo', async () => {
      const info = await call<Obj>('getblockchaininfo');
      assert.deepEqual(Object.keys(info), [
        'chain', 'blocks', 'headers', 'bestblockhash', 'difficulty', 'time', 'mediantime', 'verificationprogress',
        'initialblockdownload', 'chainwork', 'size_on_disk', 'pruned', 'warnings',
      ]);
      assert.equal(info.chain, 'regtest');
      assert.equal(info.blocks, node.tipHeight());
      assert.equal(info.headers, node.tipHeight());
      assert.equal(info.bestblockhash, toDisplayHex(node.tipHash()));
      assert.equal(info.difficulty, 4.656542373906925e-10);
      assert.equal(info.chainwork, (2 * (node.tipHeight() + 1)).toString(16).padStart(64, '0'));
      assert.equal(info.initialblockdownload, false);
      assert.equal(info.pruned, false);
      assert.deepEqual(info.warnings, []);
      assert.ok(info.size_on_disk > 0);
    });

    test('getblockcount, getbestblockhash, getblockhash', async () => {
      assert.equal(await call('getblockcount'), node.tipHeight());
      assert.equal(await call('getbestblockhash'), toDisplayHex(node.tipHash()));
      assert.equal(await call('getblockhash', [0]), GENESIS);
      await assert.rejects(call('getblockhash', [node.tipHeight() + 1]), { code: -8, message: 'Block height out of range' });
      await assert.rejects(call('getblockhash', [-1]), { code: -8, message: 'Block height out of range' });
      await assert.rejects(call('getblockhash', [1.5]), { code: -1, message: 'JSON integer out of range' });
    });

    test('getblockheader of the regtest genesis, verbose and not', async () => {
      const h = await call<Obj>('getblockheader', [GENESIS]);
      assert.deepEqual(Object.keys(h), [...HEADER_KEYS, 'nextblockhash']);
      assert.deepEqual(
        { ...h, confirmations: 0, nextblockhash: '' },
        {
          hash: GENESIS, confirmations: 0, height: 0, version: 1, versionHex: '00000001',
          merkleroot: '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b',
          time: 1296688602, mediantime: 1296688602, nonce: 2, bits: '207fffff', difficulty: 4.656542373906925e-10,
          chainwork: '0000000000000000000000000000000000000000000000000000000000000002', nTx: 1, nextblockhash: '',
        },
      );
      assert.equal(h.confirmations, node.tipHeight() + 1);
      assert.equal(h.nextblockhash, await call('getblockhash', [1]));
      assert.equal(await call('getblockheader', [GENESIS, false]), GENESIS_HEADER);
      const tip = await call<Obj>('getblockheader', [toDisplayHex(node.tipHash())]);
      assert.deepEqual(Object.keys(tip), [...HEADER_KEYS, 'previousblockhash']);
      assert.equal(tip.versionHex, '20000000');
    });

    test('unknown and malformed block hashes', async () => {
      await assert.rejects(call('getblockheader', ['11'.repeat(32)]), { code: -5, message: 'Block not found' });
      await assert.rejects(call('getblock', ['11'.repeat(32)]), { code: -5, message: 'Block not found' });
      await assert.rejects(call('getblock', ['abc']), { code: -8, message: "blockhash must be of length 64 (not 3, for 'abc')" });
      await assert.rejects(call('getblock', ['zz'.repeat(32)]), { code: -8, message: `blockhash must be hexadecimal string (not '${'zz'.repeat(32)}')` });
      await assert.rejects(call('getblockheader', [GENESIS, 1]), { code: -3 });
    });
  });

  describe('blocks and transactions', () => {
    let paid: string;
    let blockHash: string;

    before(async () => {
      paid = await call<string>('devnet_pay', [node.wallet.address('p2sh-p2wpkh', 4), 123_456]);
      [blockHash] = await call<string[]>('generatetoaddress', [1, node.wallet.address('p2wpkh', 0)]);
    });

    test('getblock verbosity 0, 1, 2, 3 and the boolean form', async () => {
      const raw = await call<string>('getblock', [blockHash, 0]);
      assert.equal(raw, node.block(Buffer.from(blockHash, 'hex').reverse())!.raw.toString('hex'));
      assert.equal(await call('getblock', [blockHash, false]), raw);
      const v1 = await call<Obj>('getblock', [blockHash]);
      assert.deepEqual(Object.keys(v1), [...HEADER_KEYS, 'previousblockhash', 'strippedsize', 'size', 'weight', 'tx']);
      assert.equal(v1.nTx, 2);
      assert.equal(v1.size, raw.length / 2);
      assert.equal(v1.weight, v1.strippedsize * 3 + v1.size);
      assert.deepEqual(v1.tx[1], paid);
      assert.deepEqual(await call('getblock', [blockHash, true]), v1);
      const v2 = await call<Obj>('getblock', [blockHash, 2]);
      const [coinbase, payment] = v2.tx as Obj[];
      assert.deepEqual(Object.keys(coinbase!), [...TX_KEYS, 'hex']);
      assert.deepEqual(Object.keys(coinbase!.vin[0]), ['coinbase', 'txinwitness', 'sequence']);
      assert.deepEqual(Object.keys(payment!), [...TX_KEYS, 'fee', 'hex']);
      assert.ok(payment!.fee > 0);
      assert.equal(payment!.vin[0].prevout, undefined);
      const v3 = await call<Obj>('getblock', [blockHash, 3]);
      const prevout = v3.tx[1].vin[0].prevout as Obj;
      assert.deepEqual(Object.keys(prevout), ['generated', 'height', 'value', 'scriptPubKey']);
      const inSum = (v3.tx[1].vin as Obj[]).reduce((s, i) => s + Math.round(i.prevout.value * 1e8), 0);
      const outSum = (v3.tx[1].vout as Obj[]).reduce((s, o) => s + Math.round(o.value * 1e8), 0);
      assert.equal(Math.round(v3.tx[1].fee * 1e8), inSum - outSum);
    });

    test('genesis coinbase decodes as a bare pubkey output and cannot be fetched alone', async () => {
      const g = await call<Obj>('getblock', [GENESIS, 2]);
      const spk = g.tx[0].vout[0].scriptPubKey as Obj;
      assert.deepEqual(Object.keys(spk), ['asm', 'desc', 'hex', 'type']);
      assert.equal(spk.type, 'pubkey');
      assert.match(spk.desc, /^pk\(04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f\)#[a-z0-9]{8}$/);
      assert.equal(g.tx[0].vout[0].value, 50);
      await assert.rejects(call('getrawtransaction', [g.tx[0].txid]), {
        code: -5,
        message: 'The genesis block coinbase is not considered an ordinary transaction and cannot be retrieved',
      });
    });

    test('getrawtransaction: hex, verbose from the tx index, with a block hash', async () => {
      const hex = await call<string>('getrawtransaction', [paid]);
      assert.equal(await call('getrawtransaction', [paid, false]), hex);
      const v = await call<Obj>('getrawtransaction', [paid, true]);
      assert.deepEqual(Object.keys(v), [...TX_KEYS, 'hex', 'blockhash', 'confirmations', 'time', 'blocktime']);
      assert.equal(v.hex, hex);
      assert.equal(v.blockhash, blockHash);
      assert.equal(v.confirmations, 1);
      const out = (v.vout as Obj[]).find((o) => o.scriptPubKey.address === node.wallet.address('p2sh-p2wpkh', 4))!;
      assert.equal(out.value, 0.00123456);
      assert.equal(out.scriptPubKey.type, 'scripthash');
      const inBlock = await call<Obj>('getrawtransaction', [paid, 1, blockHash]);
      assert.deepEqual(Object.keys(inBlock), ['in_active_chain', ...TX_KEYS, 'hex', 'blockhash', 'confirmations', 'time', 'blocktime']);
      assert.equal(inBlock.in_active_chain, true);
      const v2 = await call<Obj>('getrawtransaction', [paid, 2]);
      assert.ok(v2.fee > 0);
      assert.ok(v2.vin[0].prevout);
    });

    test('getrawtransaction errors', async () => {
      const unknown = '22'.repeat(32);
      await assert.rejects(call('getrawtransaction', [unknown]), {
        code: -5,
        message: 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.',
      });
      await assert.rejects(call('getrawtransaction', [unknown, 1, blockHash]), {
        code: -5,
        message: 'No such transaction found in the provided block. Use gettransaction for wallet transactions.',
      });
      await assert.rejects(call('getrawtransaction', [paid, 1, unknown]), { code: -5, message: 'Block hash not found' });
      await assert.rejects(call('getrawtransaction', ['xyz']), { code: -8, message: "parameter 1 must be of length 64 (not 3, for 'xyz')" });
    });

    test('gettxout: confirmed, in the mempool, spent', async () => {
      const out = await call<Obj>('gettxout', [paid, 0]);
      assert.deepEqual(Object.keys(out), ['bestblock', 'confirmations', 'value', 'scriptPubKey', 'coinbase']);
      assert.equal(out.bestblock, toDisplayHex(node.tipHash()));
      assert.equal(out.coinbase, false);
      const block = await call<Obj>('getblock', [blockHash]);
      const cb = await call<Obj>('gettxout', [block.tx[0], 0]);
      assert.equal(cb.coinbase, true);
      assert.equal(cb.confirmations, node.tipHeight() - block.height + 1);
      const spender = toDisplayHex(node.wallet.pay([{ address: node.wallet.address('p2wpkh', 12), value: 10_000 }], { confirmedOnly: true }));
      const spent = (await call<Obj>('getrawtransaction', [spender, 1])).vin[0] as Obj;
      assert.equal(await call('gettxout', [spent.txid, spent.vout]), null);
      assert.notEqual(await call('gettxout', [spent.txid, spent.vout, false]), null);
      assert.equal((await call<Obj>('gettxout', [spender, 0])).confirmations, 0);
      assert.equal(await call('gettxout', [spender, 0, false]), null);
      await call('generatetoaddress', [1, node.wallet.address('p2wpkh', 0)]);
    });

    test('decoderawtransaction has no hex member', async () => {
      const hex = await call<string>('getrawtransaction', [paid]);
      const d = await call<Obj>('decoderawtransaction', [hex]);
      assert.deepEqual(Object.keys(d), TX_KEYS);
      await assert.rejects(call('decoderawtransaction', ['00']), { code: -22, message: 'TX decode failed' });
    });
  });

  describe('mempool and sendrawtransaction', () => {
    test('sendrawtransaction: accepted, resent, bad hex, missing inputs, already confirmed', async () => {
      const raw = node.wallet.createPayment([{ address: node.wallet.address('p2wsh', 2), value: 50_000 }]).toString('hex');
      const txid = await call<string>('sendrawtransaction', [raw]);
      assert.match(txid, /^[0-9a-f]{64}$/);
      assert.equal(await call('sendrawtransaction', [raw]), txid, 'a tx already in the mempool answers its txid');
      await assert.rejects(call('sendrawtransaction', ['zz']), { code: -22, message: 'TX decode failed. Make sure the tx has at least one input.' });
      const orphan = Buffer.from(raw, 'hex');
      orphan[10] ^= 0xff; // inside the first input's prevout txid
      await assert.rejects(call('sendrawtransaction', [orphan.toString('hex')]), { code: -25, message: 'bad-txns-inputs-missingorspent' });
      await call('generatetoaddress', [1, node.wallet.address('p2wpkh', 0)]);
      await assert.rejects(call('sendrawtransaction', [raw]), { code: -27, message: 'Transaction outputs already in utxo set' });
      await assert.rejects(call('sendrawtransaction', [raw, 'x']), { code: -3 });
    });

    test('getrawmempool plain, verbose, with mempool_sequence; getmempoolentry; getmempoolinfo', async () => {
      const parent = await call<string>('devnet_pay', [node.wallet.address('p2tr', 3), 70_000]);
      const child = toDisplayHex(node.wallet.pay([{ address: node.wallet.address('p2pkh', 3), value: 60_000 }], { coins: [{ txid: Buffer.from(parent, 'hex').reverse(), vout: 0 }] }));
      const ids = await call<string[]>('getrawmempool');
      assert.deepEqual([...ids].sort(), [parent, child].sort());
      const seq = await call<Obj>('getrawmempool', [false, true]);
      assert.deepEqual(Object.keys(seq), ['txids', 'mempool_sequence']);
      assert.equal(seq.mempool_sequence, node.mempoolSequence());
      await assert.rejects(call('getrawmempool', [true, true]), { code: -8, message: 'Verbose results cannot contain mempool sequence values.' });
      const verbose = await call<Record<string, Obj>>('getrawmempool', [true]);
      assert.deepEqual(Object.keys(verbose).sort(), [parent, child].sort());
      const p = verbose[parent]!;
      const c = verbose[child]!;
      assert.deepEqual(Object.keys(p), MEMPOOL_ENTRY_KEYS);
      assert.deepEqual(Object.keys(p.fees), ['base', 'modified', 'ancestor', 'descendant', 'chunk']);
      assert.deepEqual(p.spentby, [child]);
      assert.deepEqual(c.depends, [parent]);
      assert.equal(c.ancestorcount, 2);
      assert.equal(p.descendantcount, 2);
      assert.equal(c.ancestorsize, p.vsize + c.vsize);
      assert.equal(Math.round(c.fees.ancestor * 1e8), Math.round(p.fees.base * 1e8) + Math.round(c.fees.base * 1e8));
      assert.equal(p.weight, node.mempoolEntry(Buffer.from(parent, 'hex').reverse())!.weight);
      assert.deepEqual(await call('getmempoolentry', [child]), c);
      await assert.rejects(call('getmempoolentry', ['33'.repeat(32)]), { code: -5, message: 'Transaction not in mempool' });
      const info = await call<Obj>('getmempoolinfo');
      assert.deepEqual(Object.keys(info), [
        'loaded', 'size', 'bytes', 'usage', 'total_fee', 'maxmempool', 'mempoolminfee', 'minrelaytxfee', 'incrementalrelayfee', 'unbroadcastcount', 'fullrbf',
        'permitbaremultisig', 'maxdatacarriersize', 'limitclustercount', 'limitclustersize', 'optimal',
      ]);
      assert.equal(info.size, 2);
      assert.equal(info.bytes, p.vsize + c.vsize);
      assert.equal(info.minrelaytxfee, 0.000001);
    });
  });

  describe('fees', () => {
    test('estimatesmartfee: errors without data, an estimate from mined fee rates', async () => {
      const empty = await DevnetNode.create();
      const s = await DevnetServer.start({ node: empty, log: silentLogger() });
      const c = new RpcClient(s.rpcUrl, { cookieFile: s.cookieFile });
      assert.deepEqual(await c.call('estimatesmartfee', [6]), { errors: ['Insufficient data or no feerate found'], blocks: 0 });
      c.close();
      await s.stop();

      for (const rate of [5, 10, 20]) node.wallet.pay([{ address: node.wallet.address('p2wpkh', 7), value: 10_000 }], { feeRate: rate });
      await call('generatetoaddress', [1, node.wallet.address('p2wpkh', 0)]);
      const est = await call<Obj>('estimatesmartfee', [2]);
      assert.deepEqual(Object.keys(est), ['feerate', 'blocks']);
      assert.equal(est.blocks, 2);
      assert.ok(est.feerate >= 0.00001);
      const far = await call<Obj>('estimatesmartfee', [100, 'economical']);
      assert.ok(far.feerate <= est.feerate);
      assert.deepEqual((await call<Obj>('estimatesmartfee', [1])).blocks, 2);
      await assert.rejects(call('estimatesmartfee', [0]), { code: -8, message: 'Invalid conf_target, must be between 1 and 1008' });
      await assert.rejects(call('estimatesmartfee', [2, 'fast']), { code: -8 });
    });
  });

  describe('network and zmq', () => {
    test('getnetworkinfo', async () => {
      const n = await call<Obj>('getnetworkinfo');
      assert.deepEqual(Object.keys(n), [
        'version', 'subversion', 'protocolversion', 'localservices', 'localservicesnames', 'localrelay', 'timeoffset', 'networkactive',
        'connections', 'connections_in', 'connections_out', 'networks', 'relayfee', 'incrementalfee', 'localaddresses', 'warnings',
      ]);
      assert.ok(n.version >= 280000);
      assert.match(n.subversion, /^\/Satoshi:\d+\.\d+\.\d+\/$/);
    });

    test('getzmqnotifications lists every topic on the one address', async () => {
      assert.deepEqual(
        await call('getzmqnotifications'),
        ['pubhashblock', 'pubhashtx', 'pubrawblock', 'pubrawtx', 'pubsequence'].map((type) => ({ type, address: server.zmqUrl, hwm: 1000 })),
      );
    });
  });

  describe('control', () => {
    test('generatetoaddress and its address check', async () => {
      const before = node.tipHeight();
      const hashes = await call<string[]>('generatetoaddress', [2, node.wallet.address('p2tr', 0)]);
      assert.equal(hashes.length, 2);
      assert.equal(node.tipHeight(), before + 2);
      assert.equal(hashes[1], toDisplayHex(node.tipHash()));
      await assert.rejects(call('generatetoaddress', [1, 'notanaddress']), { code: -5, message: 'Error: Invalid address' });
    });

    test('generateblock with a mempool txid and a raw tx', async () => {
      const a = await call<string>('devnet_pay', [node.wallet.address('p2wpkh', 9), 11_000]);
      const rawB = node.wallet.createPayment([{ address: node.wallet.address('p2wpkh', 10), value: 12_000 }], { confirmedOnly: true }).toString('hex');
      const r = await call<Obj>('generateblock', [node.wallet.address('p2wpkh', 0), [a, rawB]]);
      assert.deepEqual(Object.keys(r), ['hash']);
      const b = await call<Obj>('getblock', [r.hash]);
      assert.equal(b.tx.length, 3);
      assert.equal(b.tx[1], a);
      await assert.rejects(call('generateblock', [node.wallet.address('p2wpkh', 0), ['44'.repeat(32)]]), { code: -5, message: `Transaction ${'44'.repeat(32)} not in mempool.` });
      await assert.rejects(call('generateblock', ['bad', []]), { code: -5, message: 'Error: Invalid address or descriptor' });
    });

    test('invalidateblock and reconsiderblock move the tip; getchaintips shows the fork', async () => {
      const tip = toDisplayHex(node.tipHash());
      const height = node.tipHeight();
      assert.equal(await call('invalidateblock', [tip]), null);
      assert.equal(await call('getblockcount'), height - 1);
      const header = await call<Obj>('getblockheader', [tip]);
      assert.equal(header.confirmations, -1);
      const tips = await call<Obj[]>('getchaintips');
      assert.deepEqual(Object.keys(tips[0]!), ['height', 'hash', 'branchlen', 'status']);
      assert.deepEqual(tips.find((t) => t.hash === tip), { height, hash: tip, branchlen: 1, status: 'invalid' });
      assert.equal(await call('reconsiderblock', [tip]), null);
      assert.equal(await call('getbestblockhash'), tip);
      await assert.rejects(call('invalidateblock', ['55'.repeat(32)]), { code: -5, message: 'Block not found' });
    });
  });

  describe('wallet-style and devnet_ methods', () => {
    test('getnewaddress types, sendtoaddress, getbalance', async () => {
      assert.match(await call<string>('getnewaddress'), /^bcrt1q/);
      assert.match(await call<string>('getnewaddress', ['', 'bech32m']), /^bcrt1p/);
      assert.match(await call<string>('getnewaddress', ['', 'legacy']), /^[mn]/);
      assert.match(await call<string>('getnewaddress', ['', 'p2sh-segwit']), /^2/);
      await assert.rejects(call('getnewaddress', ['', 'weird']), { code: -5, message: "Unknown address type 'weird'" });
      const txid = await call<string>('sendtoaddress', [node.wallet.address('p2pkh', 11), 0.001]);
      assert.ok(node.mempoolEntry(Buffer.from(txid, 'hex').reverse()));
      assert.ok((await call<number>('getbalance')) > 0);
    });

    test('devnet_pay, devnet_newaddress, devnet_mine', async () => {
      const addr = await call<string>('devnet_newaddress', ['p2sh-multisig']);
      assert.match(addr, /^2/);
      const txid = await call<string>('devnet_pay', [addr, 40_000]);
      const [h] = await call<string[]>('devnet_mine', [1]);
      assert.deepEqual((await call<Obj>('getblock', [h])).tx.includes(txid), true);
      await assert.rejects(call('devnet_newaddress', ['bare-multisig']), { code: -8 });
      await assert.rejects(call('devnet_pay', ['nope', 1000]), { code: -5 });
    });

    test('devnet_reorg replaces the tip with a longer branch', async () => {
      const oldTip = toDisplayHex(node.tipHash());
      const height = node.tipHeight();
      const newTip = await call<string>('devnet_reorg', [2]);
      assert.notEqual(newTip, oldTip);
      assert.equal(await call('getbestblockhash'), newTip);
      assert.equal(await call('getblockcount'), height + 1);
      assert.equal((await call<Obj>('getblockheader', [oldTip])).confirmations, -1);
      await assert.rejects(call('devnet_reorg', [0]), { code: -8 });
    });
  });
});
