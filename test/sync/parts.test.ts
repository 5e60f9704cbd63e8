// The syncer's small parts on their own: the tip watcher, progress lines, events, query targets.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Writable } from 'node:stream';
import * as bitcoin from 'bitcoinjs-lib';
import { findCoin } from '../../src/config/coins.js';
import { scriptHash, scriptHashHex } from '../../src/chain/scripthash.js';
import { TipWatcher } from '../../src/sync/tip-watcher.js';
import { ProgressReporter, formatDuration } from '../../src/sync/progress.js';
import { SyncEvents } from '../../src/sync/events.js';
import { parseQueryTarget, QueryTargetError } from '../../src/sync/target.js';
import { bitcoinjsNetwork as coinNetwork } from '../../src/config/network.js';
import { formatCoins } from '../../src/cli/query.js';

const regtest = findCoin('Bitcoin', 'regtest');

describe('TipWatcher', () => {
  test('an announcement wakes a waiter, and one made while busy is kept for the next wait', async () => {
    const w = new TipWatcher(3_600_000);
    const waiting = w.wait();
    w.announce();
    assert.equal(await waiting, 'announce');
    w.announce(); // nobody waiting
    assert.equal(await w.wait(), 'announce');
    w.stop();
    assert.equal(await w.wait(), 'stop');
  });

  test('without announcements it wakes for the poll; stop wakes a waiter', async () => {
    const w = new TipWatcher(5);
    assert.equal(await w.wait(), 'poll');
    const slow = new TipWatcher(3_600_000);
    const waiting = slow.wait();
    slow.stop();
    assert.equal(await waiting, 'stop');
  });
});

describe('ProgressReporter', () => {
  test('logs height, percent, tx/s and ETA at most once per interval', () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    let now = 0;
    const p = new ProgressReporter({ logger: pino({ level: 'info' }, sink), intervalMs: 10_000, now: () => now });
    p.begin(-1, 1000);
    for (let h = 0; h < 100; h++) {
      now += 100; // 100 blocks in 10 s, 50 txs each
      p.block(h, 50);
    }
    now += 5_000;
    p.block(100, 50); // within the interval of the last line: silent
    return new Promise<void>((resolve) => setImmediate(() => {
      assert.equal(lines.length, 1);
      const line = lines[0]!;
      assert.equal(line.height, 99);
      assert.equal(line.target, 1000);
      assert.equal(line.percent, 9.9);
      assert.equal(line.txPerSec, 500);
      assert.equal(line.eta, '1m30s'); // 901 blocks left at 10 blocks/s
      assert.match(String(line.msg), /sync height 99\/1000 \(9.9%\), 500 tx\/s, ETA 1m30s/);
      resolve();
    }));
  });

  test('durations read naturally', () => {
    assert.equal(formatDuration(5), '5s');
    assert.equal(formatDuration(65), '1m05s');
    assert.equal(formatDuration(3 * 3600 + 7 * 60), '3h07m');
    assert.equal(formatDuration(Infinity), 'unknown');
  });
});

describe('SyncEvents', () => {
  test('delivers typed events, unsubscribes, and survives a throwing listener', () => {
    const e = new SyncEvents();
    const got: number[] = [];
    const errors: unknown[] = [];
    e.on('tip', () => {
      throw new Error('listener bug');
    });
    const off = e.on('tip', (t) => got.push(t.height));
    e.emit('tip', { height: 7, hash: Buffer.alloc(32) }, (err) => errors.push(err));
    off();
    e.emit('tip', { height: 8, hash: Buffer.alloc(32) }, (err) => errors.push(err));
    assert.deepEqual(got, [7]);
    assert.equal(errors.length, 2);
  });
});

describe('query targets', () => {
  const net = coinNetwork(regtest);
  const hash20 = Buffer.alloc(20, 7);
  const cases: Array<[string, string]> = [
    ['p2pkh', bitcoin.payments.p2pkh({ hash: hash20, network: net }).address!],
    ['p2sh', bitcoin.payments.p2sh({ hash: hash20, network: net }).address!],
    ['p2wpkh', bitcoin.payments.p2wpkh({ hash: hash20, network: net }).address!],
    ['p2wsh', bitcoin.payments.p2wsh({ hash: Buffer.alloc(32, 9), network: net }).address!],
    // A valid x-only key (the generator point's x).
    ['p2tr', bitcoin.address.toBech32(Buffer.from('79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'hex'), 1, net.bech32)],
  ];
  for (const [kind, address] of cases) {
    test(`a ${kind} address becomes its output script's scripthash`, () => {
      const t = parseQueryTarget(address, regtest);
      assert.equal(t.kind, 'address');
      const script = bitcoin.address.toOutputScript(address, net);
      assert.deepEqual(t.script, script);
      assert.deepEqual(t.scriptHash, scriptHash(script));
    });
  }

  test('a 64-hex scripthash is taken as Electrum shows it (reversed)', () => {
    const script = Buffer.from('0014' + '07'.repeat(20), 'hex');
    const t = parseQueryTarget(scriptHashHex(script), regtest);
    assert.equal(t.kind, 'scripthash');
    assert.deepEqual(t.scriptHash, scriptHash(script));
  });

  test('another network\'s address or garbage is refused, naming the coin', () => {
    assert.throws(() => parseQueryTarget('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', regtest), QueryTargetError);
    assert.throws(() => parseQueryTarget('hello', regtest), /neither a Bitcoin regtest address nor a 64-hex-digit scripthash/);
  });

  test('amounts print with eight decimals', () => {
    assert.equal(formatCoins(0), '0.00000000');
    assert.equal(formatCoins(123_456_789), '1.23456789');
    assert.equal(formatCoins(5_000_000_000), '50.00000000');
  });
});
