// The devnet command: startDevnet() and the CLI process (flags, printed endpoints, clean stop).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, startDevnet } from '../../src/devnet/main.js';
import { RpcClient } from '../../src/devnet/rpc/client.js';
import { silentLogger } from '../../src/log.js';

describe('devnet command', () => {
  test('parseArgs', () => {
    assert.deepEqual(parseArgs(['--rpcport', '0', '--blocktime', '2', '--txs-per-block', '5', '--rpcuser', 'a', '--rpcpassword', 'b']), {
      rpcPort: 0, zmqPort: 28332, blocktime: 2, txsPerBlock: 5, rpcUser: 'a', rpcPassword: 'b',
    });
    assert.throws(() => parseArgs(['--bogus']), /unknown argument --bogus/);
    assert.throws(() => parseArgs(['--rpcuser', 'a']), /go together/);
    assert.throws(() => parseArgs(['--blocktime', 'x']), /non-negative number/);
  });

  test('startDevnet: funded, served, and each block carries payments of every output type', async () => {
    const devnet = await startDevnet({ blocktime: 0, txsPerBlock: 20, log: silentLogger() });
    const rpc = new RpcClient(devnet.rpcUrl, { cookieFile: devnet.cookieFile });
    try {
      assert.ok((await rpc.call<number>('getblockcount')) >= 101);
      const types = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const height = devnet.mineBlock();
        const block = await rpc.call<{ tx: Array<{ vout: Array<{ scriptPubKey: { type: string } }> }> }>('getblock', [await rpc.call('getblockhash', [height]), 2]);
        assert.ok(block.tx.length > 1, 'the block has payments');
        for (const tx of block.tx.slice(1)) for (const o of tx.vout) types.add(o.scriptPubKey.type);
      }
      for (const t of ['pubkeyhash', 'scripthash', 'witness_v0_keyhash', 'witness_v0_scripthash', 'witness_v1_taproot', 'multisig', 'nulldata']) {
        assert.ok(types.has(t), `an output of type ${t}`);
      }
    } finally {
      rpc.close();
      await devnet.stop();
    }
  });

  test('the CLI prints its endpoints, serves RPC, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devnet-cli-'));
    const mainJs = fileURLToPath(new URL('../../src/devnet/main.js', import.meta.url));
    const child = spawn(process.execPath, [mainJs, '--rpcport', '0', '--zmqport', '0', '--datadir', dir, '--blocktime', '0'], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('Ctrl-C')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`exited early (${code}): ${out}`)));
      });
      const url = /RPC\s+(http:\/\/\S+)/.exec(out)![1]!;
      const cookie = /cookie (\S+?)\)/.exec(out)![1]!;
      assert.equal(cookie, join(dir, 'regtest', '.cookie'));
      assert.match(out, /ZMQ\s+tcp:\/\/127\.0\.0\.1:\d+/);
      const rpc = new RpcClient(url, { cookieFile: cookie });
      assert.equal(await rpc.call('getblockcount'), 101);
      rpc.close();
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.equal(existsSync(cookie), false, 'the cookie is deleted on stop');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
