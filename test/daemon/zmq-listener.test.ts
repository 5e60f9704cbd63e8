// ZmqListener on the harness chain's publisher: typed block/tx/sequence events, discovery through
// getzmqnotifications, gap detection (devnet's drop fault) and transparent reconnection.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toDisplayHex } from '../../src/chain/hash.js';
import { parseTx } from '../../src/chain/tx.js';
import { DaemonPool } from '../../src/daemon/pool.js';
import { ZmqListener, discoverZmq, type ZmqEvent, type ZmqGap } from '../../src/daemon/zmq-listener.js';
import { DevnetServer } from '../../src/devnet/server.js';
import { silentLogger } from '../../src/log.js';
import { freePorts, startRegtest, usingBitcoind, type DevnetRegtest, type Regtest } from '../helpers/regtest.js';

const devnetOnly = (why: string): string | false => usingBitcoind && `devnet only: ${why}`;

/** Records a listener's events and waits for conditions on them. */
class Recorder {
  readonly events: ZmqEvent[] = [];
  readonly gaps: ZmqGap[] = [];
  private waiters: Array<() => void> = [];

  constructor(readonly listener: ZmqListener) {
    listener.on('message', (e) => this.push(() => this.events.push(e)));
    listener.on('gap', (g) => this.push(() => this.gaps.push(g)));
  }

  private push(add: () => void): void {
    add();
    for (const w of this.waiters) w();
  }

  /** Resolves when `ok()` holds; rejects after `ms` (a hang guard, not a timing assertion). */
  until(ok: () => boolean, what: string, ms = 10_000): Promise<void> {
    if (ok()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!ok()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      this.waiters.push(check);
    });
  }

  of<T extends ZmqEvent['topic']>(topic: T): Array<Extract<ZmqEvent, { topic: T }>> {
    return this.events.filter((e): e is Extract<ZmqEvent, { topic: T }> => e.topic === topic);
  }

  clear(): void {
    this.events.length = 0;
    this.gaps.length = 0;
  }
}

/** ZMQ subscriptions take effect a moment after connecting: mine until a block announcement arrives. */
async function subscribed(r: Regtest, rec: Recorder): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const [hash] = await r.mine(1);
    try {
      await rec.until(() => rec.of('hashblock').some((e) => toDisplayHex(e.hash) === hash), 'first block', 200);
      return;
    } catch {
      // not yet subscribed: try again
    }
  }
  throw new Error('ZMQ subscription never became live');
}

const hex = (e: { hash: Buffer }): string => toDisplayHex(e.hash);

describe('ZmqListener', () => {
  let r: Regtest;
  let listener: ZmqListener;
  let rec: Recorder;
  before(async () => {
    r = await startRegtest();
    listener = new ZmqListener({ addresses: r.zmqUrl, topics: ['hashblock', 'hashtx', 'rawtx', 'sequence'] }).start();
    rec = new Recorder(listener);
    await subscribed(r, rec);
  });
  after(async () => {
    await listener.close();
    await r.stop();
  });

  test('discovers the publishers with getzmqnotifications', async () => {
    const pool = new DaemonPool([r.endpoint]);
    try {
      const found = await discoverZmq(pool);
      for (const topic of ['hashblock', 'hashtx', 'rawblock', 'rawtx', 'sequence'] as const) assert.equal(found[topic], r.zmqUrl, topic);
    } finally {
      pool.close();
    }
  });

  test('blocks: hashblock and sequence C in order, with counters in step', async () => {
    rec.clear();
    const hashes = await r.mine(3);
    await rec.until(() => rec.of('hashblock').length >= 3 && rec.of('sequence').length >= 3, '3 blocks');
    assert.deepEqual(rec.of('hashblock').map(hex), hashes);
    const conn = rec.of('sequence').filter((e) => e.label === 'C');
    assert.deepEqual(conn.map(hex), hashes);
    assert.ok(conn.every((e) => e.mempoolSequence === undefined));
    const counters = rec.of('hashblock').map((e) => e.counter);
    assert.deepEqual(counters, [counters[0], counters[0] + 1, counters[0] + 2]);
    // Every coinbase is announced as a transaction too.
    await rec.until(() => rec.of('hashtx').length >= 3, 'coinbase hashtx');
    assert.equal(rec.gaps.length, 0);
  });

  test('transactions: hashtx, rawtx and sequence A with the mempool sequence', async () => {
    rec.clear();
    const a = await r.pay(await r.newAddress(), 50_000);
    const b = await r.pay(await r.newAddress('legacy'), 60_000);
    const added = () => rec.of('sequence').filter((e) => e.label === 'A');
    await rec.until(() => added().length >= 2 && rec.of('rawtx').length >= 2 && rec.of('hashtx').length >= 2, 'two mempool txs');
    assert.deepEqual(rec.of('hashtx').map(hex), [a, b]);
    assert.deepEqual(rec.of('rawtx').map((e) => toDisplayHex(parseTx(e.raw).txid)), [a, b]);
    const [sa, sb] = added();
    assert.deepEqual([hex(sa), hex(sb)], [a, b]);
    assert.equal(typeof sa.mempoolSequence, 'number');
    assert.ok((sb.mempoolSequence as number) > (sa.mempoolSequence as number));
    await r.mine(1);
    assert.equal(rec.gaps.length, 0);
  });

  test('a reorg announces the disconnected block (sequence D)', async () => {
    const oldTip = await r.rpc<string>('getbestblockhash');
    // Let the announcements of earlier blocks arrive first.
    await rec.until(() => rec.of('hashblock').some((e) => hex(e) === oldTip), 'the current tip');
    rec.clear();
    const newTip = await r.reorg(1);
    const seq = () => rec.of('sequence');
    await rec.until(() => seq().some((e) => e.label === 'C' && hex(e) === newTip), 'new tip connected');
    const d = seq().findIndex((e) => e.label === 'D' && hex(e) === oldTip);
    assert.ok(d >= 0, 'old tip disconnected');
    assert.ok(d < seq().findIndex((e) => e.label === 'C'), 'disconnect comes first');
  });

  test('close() ends the listener cleanly', async () => {
    const l = new ZmqListener({ addresses: { hashblock: r.zmqUrl } }).start();
    assert.deepEqual(l.topics, ['hashblock']);
    await l.close();
    await l.close();
  });
});

describe('ZmqListener gaps and reconnection', { skip: devnetOnly('ZMQ fault injection') }, () => {
  let r: DevnetRegtest;
  let dir: string;
  before(async () => {
    r = (await startRegtest({ blocks: 1 })) as DevnetRegtest;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anode-zmq-test-'));
  });
  after(async () => {
    await r.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a dropped message is reported as a gap on its topic', async () => {
    const listener = new ZmqListener({ addresses: r.zmqUrl }).start();
    const rec = new Recorder(listener);
    try {
      await subscribed(r, rec);
      rec.clear();
      r.devnet.server.faults.dropZmq('hashblock', 1);
      const hashes = await r.mine(3);
      await rec.until(() => rec.of('hashblock').length >= 2, 'the blocks not dropped');
      assert.deepEqual(rec.of('hashblock').map(hex), hashes.slice(1));
      assert.equal(rec.gaps.length, 1);
      const [gap] = rec.gaps;
      assert.equal(gap.topic, 'hashblock');
      assert.equal(gap.got, gap.expected + 1);
      assert.equal(gap.got, rec.of('hashblock')[0].counter);
      // Other topics lost nothing.
      assert.equal(rec.of('sequence').filter((e) => e.label === 'C').length, 3);
    } finally {
      await r.devnet.server.faults.reset();
      await listener.close();
    }
  });

  test('connects to a publisher that starts later, and reconnects to a restarted one (gap on restart)', async () => {
    const [port] = await freePorts(1);
    const listener = new ZmqListener({ addresses: `tcp://127.0.0.1:${port}`, reconnectIntervalMs: 50 }).start();
    const rec = new Recorder(listener);
    const start = () => DevnetServer.start({ node: r.devnet.node, zmqPort: port, cookieFile: path.join(dir, '.cookie'), log: silentLogger() });
    try {
      let server = await start();
      await subscribed(r, rec);
      // Move the counters well past where the next publisher's will be when our subscription is live.
      const more = await r.mine(60);
      await rec.until(() => rec.of('hashblock').some((e) => hex(e) === more[59]), 'the 60 blocks');
      await server.stop();
      await r.mine(1); // published by nobody: lost for good
      server = await start();
      try {
        rec.clear();
        // The new publisher's counters start again from 0: the listener reports the jump back as a gap.
        await subscribed(r, rec);
        assert.ok(rec.gaps.some((g) => g.topic === 'hashblock' && g.got < g.expected), JSON.stringify(rec.gaps));
      } finally {
        await server.stop();
      }
    } finally {
      await listener.close();
    }
  });
});
