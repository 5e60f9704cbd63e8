// The `anode` command's own behaviour: help, settings resolution, one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [main, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, encoding: 'utf8' });

test('help lists the commands and every setting', () => {
  const r = run(['help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /sync\s+build the index/);
  assert.match(r.stdout, /query ADDRESS\|SCRIPTHASH/);
  assert.match(r.stdout, /DAEMON_URL, DAEMON_COOKIE_FILE/);
});

test('settings: environment, flags and redacted credentials', () => {
  const r = run(['settings', '--cache-mb', '64'], { NET: 'regtest', DAEMON_URL: 'http://alice:hunter2@127.0.0.1:1', CACHE_MB: '32' });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.coin, 'Bitcoin/regtest');
  assert.equal(s.cacheMb, 64);
  assert.equal(s.daemons[0].user, 'alice');
  assert.equal(s.daemons[0].password, '***');
  assert.ok(!r.stdout.includes('hunter2'));
});

test('an invalid setting stops start-up with one line naming it', () => {
  const r = run(['sync'], { NET: 'regtest', CACHE_MB: 'plenty' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'anode: invalid setting CACHE_MB: "plenty" is not a whole number\n');
  const bad = run(['settings'], { NET: 'regtest', DONATION_ADDRESS: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^anode: invalid setting DONATION_ADDRESS: .* is not a Bitcoin regtest address\n$/);
  const ok = run(['settings'], { NET: 'regtest', DONATION_ADDRESS: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080' });
  assert.equal(ok.status, 0, ok.stderr);
});

test('an unknown command or option is refused', () => {
  const r = run(['frobnicate'], { NET: 'regtest' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "frobnicate"/);
  const o = run(['sync', '--no-such-option', '1'], { NET: 'regtest' });
  assert.equal(o.status, 1);
  assert.equal(o.stderr, 'anode: invalid setting --no-such-option: unknown option\n');
});
