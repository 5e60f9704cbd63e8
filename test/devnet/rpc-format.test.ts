// Decoding against outputs captured from real bitcoind (Core 26-28 getrawtransaction /
// decodescript / gettxout answers): asm, desc with checksum, address, type, amounts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { findCoin } from '../../src/config/coins.js';
import { parseTx } from '../../src/chain/tx.js';
import { descriptorWithChecksum } from '../../src/devnet/rpc/descriptor.js';
import { scriptAsm, scriptPubKeyJson } from '../../src/devnet/rpc/script.js';
import { txToJson } from '../../src/devnet/rpc/txjson.js';
import { bitcoinjsNetwork } from '../../src/config/network.js';
import { writeJson, formatBtc, btc } from '../../src/devnet/rpc/json.js';
import { difficulty } from '../../src/devnet/rpc/blockjson.js';

const coin = findCoin('Bitcoin', 'regtest');
const network = bitcoinjsNetwork(coin);
const spk = (hex: string) => JSON.parse(writeJson(scriptPubKeyJson(Buffer.from(hex, 'hex'), network))) as Record<string, unknown>;

describe('descriptor checksums', () => {
  test('BIP380 vector', () => {
    assert.equal(descriptorWithChecksum('raw(deadbeef)'), 'raw(deadbeef)#89f8spxm');
  });
});

describe('scriptPubKey as bitcoind prints it', () => {
  test('p2wpkh', () => {
    assert.deepEqual(spk('0014e81e24f8e2cc2ed33f8475968a8138707ffdf906'), {
      asm: '0 e81e24f8e2cc2ed33f8475968a8138707ffdf906',
      desc: 'addr(bcrt1qaq0zf78zeshdx0uywktg4qfcwpllm7gxxetln2)#cky7t7p2',
      hex: '0014e81e24f8e2cc2ed33f8475968a8138707ffdf906',
      address: 'bcrt1qaq0zf78zeshdx0uywktg4qfcwpllm7gxxetln2',
      type: 'witness_v0_keyhash',
    });
  });
  test('p2wsh', () => {
    const s = spk('002003a3b77a35754da4934709a41c9f4eb0e1d16895babc74c10a437137fc635d75');
    assert.equal(s.desc, 'addr(bcrt1qqw3mw734w4x6fy68pxjpe86wkrsaz6y4h278fsg2gdcn0lrrt46sn4yvyt)#ffm9cu7e');
    assert.equal(s.type, 'witness_v0_scripthash');
    assert.equal(s.address, 'bcrt1qqw3mw734w4x6fy68pxjpe86wkrsaz6y4h278fsg2gdcn0lrrt46sn4yvyt');
  });
  test('p2tr', () => {
    assert.deepEqual(spk('51209bcbd366c542d77635150211f6283d3ff4d9979d312cdf42e4bbd047aa77d961'), {
      asm: '1 9bcbd366c542d77635150211f6283d3ff4d9979d312cdf42e4bbd047aa77d961',
      desc: 'rawtr(9bcbd366c542d77635150211f6283d3ff4d9979d312cdf42e4bbd047aa77d961)#q2ud38tc',
      hex: '51209bcbd366c542d77635150211f6283d3ff4d9979d312cdf42e4bbd047aa77d961',
      address: 'bcrt1pn09axek9gtthvdg4qgglv2pa8l6dn9uaxykd7shyh0gy02nhm9sslp6ha5',
      type: 'witness_v1_taproot',
    });
  });
  test('p2pkh (testnet and regtest share the version byte)', () => {
    assert.deepEqual(spk('76a914ee747a81bc7af6afce0e597c672d9dcb4268aa4188ac'), {
      asm: 'OP_DUP OP_HASH160 ee747a81bc7af6afce0e597c672d9dcb4268aa41 OP_EQUALVERIFY OP_CHECKSIG',
      desc: 'addr(n3FnenEMWzrw5XuVwaPG6qgBAsgwVZMtgj)#lr0lv3s0',
      hex: '76a914ee747a81bc7af6afce0e597c672d9dcb4268aa4188ac',
      address: 'n3FnenEMWzrw5XuVwaPG6qgBAsgwVZMtgj',
      type: 'pubkeyhash',
    });
  });
  test('p2sh', () => {
    assert.deepEqual(spk('a9140cc8e24a0714fa7a1d261e1c3d21a68fa617920c87'), {
      asm: 'OP_HASH160 0cc8e24a0714fa7a1d261e1c3d21a68fa617920c OP_EQUAL',
      desc: 'addr(2MtQpkFGr8jwcncbNvdMGTBJ3sGHiTyEja5)#tk7pk3fl',
      hex: 'a9140cc8e24a0714fa7a1d261e1c3d21a68fa617920c87',
      address: '2MtQpkFGr8jwcncbNvdMGTBJ3sGHiTyEja5',
      type: 'scripthash',
    });
  });
  test('bare multisig has no address', () => {
    const keys = [
      '03c46b73fe2ff939bea5d0a577950dc8876e863bed11c887d681417dfd70533e51',
      '039036c8182c70770f8f6bd702a25c7179bfff1ccb3a844297a717226b88b976cc',
      '020202020202020202020202020202020202020202020202020202020202020202',
    ];
    const hex = '51' + keys.map((k) => '21' + k).join('') + '53ae';
    assert.deepEqual(spk(hex), {
      asm: `1 ${keys.join(' ')} 3 OP_CHECKMULTISIG`,
      desc: `multi(1,${keys.join(',')})#jjleg3k0`,
      hex,
      type: 'multisig',
    });
  });
  test('OP_RETURN', () => {
    assert.deepEqual(spk('6a09414243001123646566'), {
      asm: 'OP_RETURN 414243001123646566',
      desc: 'raw(6a09414243001123646566)#ux7sdpua',
      hex: '6a09414243001123646566',
      type: 'nulldata',
    });
  });
  test('nonstandard and truncated scripts', () => {
    const s = spk('51');
    assert.equal(s.type, 'nonstandard');
    assert.equal(s.asm, '1');
    assert.equal(s.address, undefined);
    assert.match(String(s.desc), /^raw\(51\)#[a-z0-9]{8}$/);
    assert.equal(scriptAsm(Buffer.from('4c05aabb', 'hex')), '[error]');
  });
  test('scriptSig asm decodes signature hash types', () => {
    const sig = '3044022016988134a4c56b2399affb25b2e3bd9686044f9f418066d5ffc6719f187d75ae022038673eaed3d2ccbe358dec128e121868fcf9cff231b3fbca99aca1b3c0ead168';
    const key = '02db5d1946f31331164df0da550c31e2fcdfe2b621853828daa0250e7f18b6d60e';
    const script = Buffer.from(`47${sig}0121${key}`, 'hex');
    assert.equal(scriptAsm(script, true), `${sig}[ALL] ${key}`);
    assert.equal(scriptAsm(script, false), `${sig}01 ${key}`);
  });
});

describe('transactions as getrawtransaction prints them', () => {
  // bitcoind 27 regtest, getrawtransaction <txid> 1 for a mempool transaction.
  const hex =
    '0200000000010112fa7ab7e99b8560c05839120a698cb589139d45fc0183ec33e9b542a23a688f0000000000fdffffff03a086010000000000160014e81e24f8e2cc2ed33f8475968a8138707ffdf906bf6a042a01000000160014c2f34db10ac33615129ea4ca543940cdea44544400000000000000000b6a0941424300112364656602473044022016988134a4c56b2399affb25b2e3bd9686044f9f418066d5ffc6719f187d75ae022038673eaed3d2ccbe358dec128e121868fcf9cff231b3fbca99aca1b3c0ead168012102db5d1946f31331164df0da550c31e2fcdfe2b621853828daa0250e7f18b6d60e00000000';
  const expected = `{"txid":"77f31ee6d67e25be3ee9c7649834dfe8ecb609c4ff52ec2e8f70232c5fe1f1a4","hash":"624359949a7e5450369e8d7ec53b3f133915ef323621f3b8a9741067727af8f3","version":2,"size":242,"vsize":161,"weight":641,"locktime":0,"vin":[{"txid":"8f683aa242b5e933ec8301fc459d1389b58c690a123958c060859be9b77afa12","vout":0,"scriptSig":{"asm":"","hex":""},"txinwitness":["3044022016988134a4c56b2399affb25b2e3bd9686044f9f418066d5ffc6719f187d75ae022038673eaed3d2ccbe358dec128e121868fcf9cff231b3fbca99aca1b3c0ead16801","02db5d1946f31331164df0da550c31e2fcdfe2b621853828daa0250e7f18b6d60e"],"sequence":4294967293}],"vout":[{"value":0.00100000,"n":0,"scriptPubKey":{"asm":"0 e81e24f8e2cc2ed33f8475968a8138707ffdf906","desc":"addr(bcrt1qaq0zf78zeshdx0uywktg4qfcwpllm7gxxetln2)#cky7t7p2","hex":"0014e81e24f8e2cc2ed33f8475968a8138707ffdf906","address":"bcrt1qaq0zf78zeshdx0uywktg4qfcwpllm7gxxetln2","type":"witness_v0_keyhash"}},{"value":49.99899839,"n":1,"scriptPubKey":{"asm":"0 c2f34db10ac33615129ea4ca543940cdea445444","desc":"addr(bcrt1qcte5mvg2cvmp2y575n99gw2qeh4yg4zy2txr5z)#jh752lxg","hex":"0014c2f34db10ac33615129ea4ca543940cdea445444","address":"bcrt1qcte5mvg2cvmp2y575n99gw2qeh4yg4zy2txr5z","type":"witness_v0_keyhash"}},{"value":0.00000000,"n":2,"scriptPubKey":{"asm":"OP_RETURN 414243001123646566","desc":"raw(6a09414243001123646566)#ux7sdpua","hex":"6a09414243001123646566","type":"nulldata"}}],"hex":"${hex}"}`;

  test('byte-for-byte the same JSON text, key order and 8-decimal amounts included', () => {
    const tx = parseTx(Buffer.from(hex, 'hex'));
    assert.equal(writeJson(txToJson(tx, network, { includeHex: true })), expected);
  });

  test('a known fee alone shows fee without prevouts', () => {
    const tx = parseTx(Buffer.from(hex, 'hex'));
    const j = JSON.parse(writeJson(txToJson(tx, network, { includeHex: false, fee: 161 }))) as Record<string, any>;
    assert.equal(j.fee, 0.00000161);
    assert.equal(j.vin[0].prevout, undefined);
  });

  test('fee and prevout appear only with undo data', () => {
    const tx = parseTx(Buffer.from(hex, 'hex'));
    const prevouts = [{ value: 5_000_000_000, script: Buffer.from('0014c2f34db10ac33615129ea4ca543940cdea445444', 'hex'), height: 1, coinbase: true }];
    const j = JSON.parse(writeJson(txToJson(tx, network, { includeHex: true, prevouts }))) as Record<string, any>;
    assert.equal(j.fee, 0.00000161);
    assert.deepEqual(Object.keys(j.vin[0]), ['txid', 'vout', 'scriptSig', 'txinwitness', 'prevout', 'sequence']);
    assert.deepEqual(Object.keys(j.vin[0].prevout), ['generated', 'height', 'value', 'scriptPubKey']);
    assert.equal(j.vin[0].prevout.generated, true);
    assert.deepEqual(Object.keys(j).slice(-2), ['fee', 'hex']);
  });
});

describe('number formats', () => {
  test('amounts', () => {
    assert.equal(formatBtc(0), '0.00000000');
    assert.equal(formatBtc(5_000_000_000), '50.00000000');
    assert.equal(formatBtc(-161), '-0.00000161');
    assert.equal(writeJson({ a: [btc(1), btc(2_100_000_000_000_000)] }), '{"a":[0.00000001,21000000.00000000]}');
  });
  test('regtest difficulty prints as bitcoind does', () => {
    assert.equal(JSON.stringify(difficulty(0x207fffff)), '4.656542373906925e-10');
    assert.equal(difficulty(0x1d00ffff), 1);
  });
});
