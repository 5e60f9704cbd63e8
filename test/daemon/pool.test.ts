// DaemonPool: the Daemon interface on the harness chain, round-robin failover across daemons,
// back-off and giving up, and logs that never show credentials.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../src/log.js';
import { parseBlock } from '../../src/chain/block.js';
import { headerHash } from '../../src/chain/header.js';
import { toDisplayHex } from '../../src/chain/hash.js';
import { parseTx } from '../../src/chain/tx.js';
import { DaemonPool } from '../../src/daemon/pool.js';
import { DaemonRpcError, DaemonUnavailableError, RpcCode } from '../../src/daemon/types.js';
import { silentLogger } from '../../src/log.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { freePorts, startRegtest, usingBitcoind, type DevnetRegtest, type Regtest } from '../helpers/regtest.js';

const devnetOnly = (why: string): string | false => usingBitcoind && `devnet only: ${why}`;

/** A pino logger whose lines are kept for assertions. */
function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('DaemonPool as Daemon', () => {
  let r: Regtest;
  let pool: DaemonPool;
  before(async () => {
    r = await startRegtest({ blocks: 120 });
    pool = new DaemonPool([r.endpoint]);
  });
  after(async () => {
    pool.close();
    await r.stop();
  });

  test('chain info, counts and hashes', async () => {
    const info = await pool.getBlockchainInfo();
    assert.equal(info.chain, 'regtest');
    assert.equal(info.blocks, 120);
    assert.equal(await pool.getBlockCount(), 120);
    const best = await pool.getBestBlockHash();
    assert.equal(best, info.bestblockhash);
    assert.equal(await pool.getBlockHash(120), best);
    assert.equal(await pool.getBlockHash(0), r.coin.genesisHash);
  });

  test('getBlockHashes batches and keeps order; above the tip is -8', async () => {
    const heights = Array.from({ length: 121 }, (_, i) => 120 - i);
    const hashes = await pool.getBlockHashes(heights);
    assert.equal(hashes.length, 121);
    assert.equal(hashes[0], await pool.getBestBlockHash());
    assert.equal(hashes[120], r.coin.genesisHash);
    assert.equal(hashes[20], await pool.getBlockHash(100));
    assert.deepEqual(await pool.getBlockHashes([]), []);
    await assert.rejects(pool.getBlockHashes([1, 121]), (e: unknown) => e instanceof DaemonRpcError && e.code === RpcCode.INVALID_PARAMETER);
  });

  test('getRawBlocks returns the blocks asked for, in order, as Buffers', async () => {
    const hashes = await pool.getBlockHashes(Array.from({ length: 121 }, (_, i) => i));
    const raws = await pool.getRawBlocks(hashes);
    assert.equal(raws.length, 121);
    raws.forEach((raw, i) => {
      assert.ok(Buffer.isBuffer(raw));
      const block = parseBlock(raw);
      assert.equal(toDisplayHex(block.header.hash), hashes[i]);
    });
    assert.deepEqual(await pool.getRawBlocks([]), []);
    // The header RPC gives the block's first 80 bytes.
    assert.deepEqual(await pool.getRawHeader(hashes[7]), raws[7].subarray(0, 80));
  });

  test('getRawBlocks splits big batches by size and stays in order', async () => {
    const small = new DaemonPool([r.endpoint], { maxBlockBatchBytes: 1 });
    try {
      const hashes = await small.getBlockHashes([3, 1, 4, 1, 5]);
      const raws = await small.getRawBlocks(hashes);
      assert.deepEqual(raws.map((b) => toDisplayHex(headerHash(parseBlock(b).header.raw))), hashes);
    } finally {
      small.close();
    }
  });

  test('transactions and mempool', async () => {
    const address = await r.newAddress();
    const txid = await r.pay(address, 1_000_000);
    assert.ok((await pool.getRawMempool()).includes(txid));
    const info = await pool.getMempoolInfo();
    assert.ok(info.size >= 1);
    assert.equal(typeof info.mempoolminfee, 'number');
    const raw = await pool.getRawTransaction(txid);
    assert.equal(toDisplayHex(parseTx(raw).txid), txid);
    // Re-sending a transaction the mempool already has answers its txid.
    assert.equal(await pool.sendRawTransaction(raw.toString('hex')), txid);
    const [blockHash] = await r.mine(1);
    assert.ok(!(await pool.getRawMempool()).includes(txid));
    assert.deepEqual(await pool.getRawTransaction(txid, blockHash), raw);
    await assert.rejects(pool.sendRawTransaction('00'), (e: unknown) => e instanceof DaemonRpcError && e.code === RpcCode.DESERIALIZATION_ERROR);
    await assert.rejects(pool.getRawTransaction('00'.repeat(32)), (e: unknown) => e instanceof DaemonRpcError && e.code === RpcCode.INVALID_ADDRESS_OR_KEY);
  });

  test('estimateSmartFee gives BTC/kvB or null; call() passes anything through', async () => {
    // bitcoind has no estimate on a young regtest chain (null); devnet estimates from recent blocks.
    for (const fee of [await pool.estimateSmartFee(2), await pool.estimateSmartFee(6, 'ECONOMICAL')]) {
      assert.ok(fee === null || (typeof fee === 'number' && fee > 0), `fee ${fee}`);
    }
    await assert.rejects(pool.estimateSmartFee(0), (e: unknown) => e instanceof DaemonRpcError && e.code === RpcCode.INVALID_PARAMETER);
    assert.equal(await pool.call<number>('getblockcount'), await pool.getBlockCount());
    await assert.rejects(pool.call('nosuchmethod'), (e: unknown) => e instanceof DaemonRpcError && e.code === RpcCode.METHOD_NOT_FOUND);
  });
});

describe('DaemonPool failover', { skip: devnetOnly('fault injection') }, () => {
  let r: DevnetRegtest;
  let second: DevnetServer;
  let dir: string;
  before(async () => {
    r = (await startRegtest({ blocks: 5 })) as DevnetRegtest;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anode-pool-test-'));
    second = await DevnetServer.start({ node: r.devnet.node, cookieFile: path.join(dir, '.cookie'), log: silentLogger() });
  });
  after(async () => {
    await second.stop();
    await r.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const endpoints = () => [r.endpoint, { url: second.rpcUrl, cookieFile: second.cookieFile ?? path.join(dir, '.cookie') }];

  test('round-robin: fails over to the next daemon and back', async () => {
    const first = r.devnet.server;
    const { logger, lines } = capturingLogger();
    const pool = new DaemonPool(endpoints(), { logger, initialRetryDelayMs: 10 });
    try {
      assert.deepEqual(pool.current(), { index: 0, url: first.rpcUrl });
      assert.equal(await pool.getBlockCount(), 5);
      await first.faults.rpcDown(true);
      assert.equal(await pool.getBlockCount(), 5);
      assert.equal(pool.current().index, 1);
      assert.ok(lines.some((l) => l.includes('failing over') && l.includes(first.rpcUrl)));
      // The second goes down, the first is back: the pool wraps around to it.
      await first.faults.rpcDown(false);
      await second.faults.rpcDown(true);
      assert.equal(await pool.getBlockCount(), 5);
      assert.equal(pool.current().index, 0);
      await second.faults.rpcDown(false);
      // A DaemonRpcError is an answer: no failover.
      first.faults.rpcErrors(RpcCode.MISC_ERROR, 'boom', 1);
      await assert.rejects(pool.getBlockCount(), DaemonRpcError);
      assert.equal(pool.current().index, 0);
    } finally {
      await first.faults.reset();
      await second.faults.reset();
      pool.close();
    }
  });

  test('switchTo for the admin RPC', async () => {
    const pool = new DaemonPool(endpoints());
    try {
      assert.equal(pool.switchTo('next').index, 1);
      assert.equal(pool.current().url, second.rpcUrl);
      assert.equal(await pool.getBlockCount(), 5);
      assert.equal(pool.switchTo('next').index, 0);
      assert.equal(pool.switchTo(1).url, second.rpcUrl);
      assert.throws(() => pool.switchTo(2), RangeError);
      assert.deepEqual(pool.daemons().map((d) => d.index), [0, 1]);
    } finally {
      pool.close();
    }
  });

  test('all down: keeps retrying with back-off until one comes back', async () => {
    const first = r.devnet.server;
    const pool = new DaemonPool(endpoints(), { initialRetryDelayMs: 20, maxRetryDelayMs: 50 });
    try {
      await first.faults.rpcDown(true);
      await second.faults.rpcDown(true);
      const pending = pool.getBlockCount();
      // Let it fail round after round, then bring one back.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await second.faults.rpcDown(false);
      assert.equal(await pending, 5);
      assert.equal(pool.current().index, 1);
    } finally {
      await first.faults.reset();
      await second.faults.reset();
      pool.close();
    }
  });
});

describe('DaemonPool giving up', () => {
  test('retryForMs: rejects with DaemonUnavailableError when nothing answers', async () => {
    const [a, b] = await freePorts(2);
    const pool = new DaemonPool(
      [
        { url: `http://127.0.0.1:${a}`, user: 'u', password: 'p' },
        { url: `http://127.0.0.1:${b}`, user: 'u', password: 'p' },
      ],
      { retryForMs: 200, initialRetryDelayMs: 10, maxRetryDelayMs: 40 },
    );
    try {
      await assert.rejects(pool.getBlockCount(), (e: unknown) => e instanceof DaemonUnavailableError && /within 200 ms/.test(e.message));
    } finally {
      pool.close();
    }
  });

  test('close() ends a call that would retry forever', async () => {
    const [a] = await freePorts(1);
    const pool = new DaemonPool([{ url: `http://127.0.0.1:${a}`, user: 'u', password: 'p' }], { initialRetryDelayMs: 10, maxRetryDelayMs: 20 });
    const pending = pool.getBlockCount();
    await new Promise((resolve) => setTimeout(resolve, 100));
    pool.close();
    await assert.rejects(pending, (e: unknown) => e instanceof DaemonUnavailableError && /closed/.test(e.message));
    await assert.rejects(pool.getBlockCount(), DaemonUnavailableError);
  });

  test('logs show daemon URLs without credentials', async () => {
    const [a, b] = await freePorts(2);
    const { logger, lines } = capturingLogger();
    const pool = new DaemonPool(
      [{ url: `http://alice:s3cret-pw@127.0.0.1:${a}` }, { url: `http://127.0.0.1:${b}`, user: 'bob', password: 'other-s3cret' }],
      { logger, retryForMs: 100, initialRetryDelayMs: 10 },
    );
    try {
      await assert.rejects(pool.getBlockCount(), DaemonUnavailableError);
      assert.ok(lines.some((l) => l.includes(`127.0.0.1:${a}`)), 'the failing daemon is named');
      assert.equal(pool.daemons()[0].url, `http://127.0.0.1:${a}`);
      for (const l of lines) {
        assert.ok(!l.includes('s3cret'), `credential in log line: ${l}`);
        assert.ok(!l.includes('alice'), `user in log line: ${l}`);
      }
    } finally {
      pool.close();
    }
  });
});
