import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, parseArgs, SETTINGS, SettingsError } from '../../src/config/settings.js';

const base = { COIN: 'Bitcoin', NET: 'regtest', DB_DIRECTORY: '/tmp/anode-settings-test' };

test('defaults come from the coin file', () => {
  const s = loadSettings({ env: { ...base } });
  assert.equal(s.coin.network, 'regtest');
  assert.deepEqual(s.daemons.map((d) => d.url), ['http://127.0.0.1:18443']);
  assert.match(s.daemons[0]!.cookieFile!, /\.bitcoin\/regtest\/\.cookie$/);
  assert.equal(s.reorgLimit, 200);
  assert.equal(s.cacheMb, 1200);
  assert.deepEqual(
    s.services.map((x) => `${x.protocol}:${x.host}:${x.port}`),
    ['tcp::60401', 'rpc:127.0.0.1:8000'],
  );
});

test('DAEMON_URL: several daemons, credentials taken out of the URL, cookie otherwise', () => {
  const s = loadSettings({
    env: { ...base, DAEMON_URL: 'http://alice:s%40cret@10.0.0.1:8332/, node2:9000,node3', DAEMON_COOKIE_FILE: '/c/.cookie' },
  });
  assert.deepEqual(s.daemons, [
    { url: 'http://10.0.0.1:8332', user: 'alice', password: 's@cret' },
    { url: 'http://node2:9000', cookieFile: '/c/.cookie' },
    { url: 'http://node3:18443', cookieFile: '/c/.cookie' },
  ]);
});

test('environment < config file < flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anode-conf-'));
  try {
    const file = join(dir, 'anode.conf');
    writeFileSync(file, '# comment\nCACHE_MB = 300\nLOG_LEVEL = debug\nREORG_LIMIT=50 # trailing\n');
    const args = parseArgs(['sync', '--cache-mb', '400', '--config', file, '--json'], ['json']);
    assert.deepEqual(args.positionals, ['sync']);
    assert.ok(args.switches.has('json'));
    const s = loadSettings({ env: { ...base, CACHE_MB: '200', LOG_LEVEL: 'warn', REORG_LIMIT: '10' }, flags: args.flags });
    assert.equal(s.cacheMb, 400);
    assert.equal(s.logLevel, 'debug');
    assert.equal(s.reorgLimit, 50);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an invalid value stops with one line naming the setting and the reason', () => {
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ CACHE_MB: 'lots' }, /^invalid setting CACHE_MB: "lots" is not a whole number$/],
    [{ CACHE_MB: '1' }, /^invalid setting CACHE_MB: 1 is outside 16 to/],
    [{ NET: 'moonnet' }, /^invalid setting COIN\/NET: no coin file for COIN=Bitcoin NET=moonnet/],
    [{ DAEMON_URL: 'https://x:1' }, /^invalid setting DAEMON_URL: "https:\/\/x:1": only http:\/\/ is supported/],
    [{ DAEMON_URL: 'http://u:secret@h:1/path' }, /^invalid setting DAEMON_URL: "http:\/\/u:\*\*\*@h:1\/path": a path/],
    [{ SERVICES: 'tcp://:50001,gopher://:70' }, /^invalid setting SERVICES: "gopher:\/\/:70": unknown protocol gopher/],
    [{ SERVICES: 'ssl://:50002' }, /^invalid setting SSL_CERTFILE: required by the ssl/],
    [{ LOG_LEVEL: 'loud' }, /^invalid setting LOG_LEVEL: "loud" is not one of/],
    [{ DAEMON_ZMQ: 'udp://x' }, /^invalid setting DAEMON_ZMQ/],
    [{ BANNER_FILE: '/nonexistent/banner' }, /^invalid setting BANNER_FILE: file \/nonexistent\/banner does not exist$/],
  ];
  for (const [env, message] of bad) {
    assert.throws(
      () => loadSettings({ env: { ...base, ...env } }),
      (err: unknown) => err instanceof SettingsError && message.test((err as Error).message) && !(err as Error).message.includes('\n'),
      `expected ${message} for ${JSON.stringify(env)}`,
    );
  }
  assert.throws(() => parseArgs(['--no-such-thing', '1']), /invalid setting --no-such-thing: unknown option/);
  assert.throws(() => loadSettings({ env: { ...base, DONATION_ADDRESS: 'nope' }, checkAddress: () => false }), /DONATION_ADDRESS: "nope" is not a Bitcoin regtest address/);
});

test('docs/configuration.md lists every setting', () => {
  const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  for (const s of SETTINGS) assert.ok(doc.includes(`\`${s.name}\``), `${s.name} is missing from docs/configuration.md`);
});
