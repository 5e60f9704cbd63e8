// The process the kill test SIGKILLs: one sync to the daemon's tip, with a tiny cache so that it
// flushes often. Not a test file (the runner does not pick it up); does nothing without its env.
import { findCoin } from '../../src/config/coins.js';
import { DaemonPool } from '../../src/daemon/pool.js';
import type { DaemonEndpoint } from '../../src/daemon/types.js';
import { openIndex } from '../../src/index/index.js';
import { silentLogger } from '../../src/log.js';
import { Syncer } from '../../src/sync/syncer.js';

async function main(): Promise<void> {
  const endpointJson = process.env.ANODE_TEST_ENDPOINT;
  const dir = process.env.ANODE_TEST_DB;
  if (!endpointJson || !dir) {
    console.error('sync-child: needs ANODE_TEST_ENDPOINT and ANODE_TEST_DB');
    process.exit(2);
  }
  const endpoint = JSON.parse(endpointJson) as DaemonEndpoint;
  const coin = findCoin('Bitcoin', 'regtest');
  const daemon = new DaemonPool([endpoint], { retryForMs: 30_000 });
  const index = await openIndex(dir, { coin, cacheMb: 16 });
  const syncer = new Syncer({
    daemon,
    reader: index.reader,
    writer: index.writer!,
    coin,
    reorgLimit: Number(process.env.ANODE_TEST_REORG_LIMIT ?? coin.reorgLimit),
    cacheMb: Number(process.env.ANODE_TEST_CACHE_MB ?? 1),
    pollMs: 100,
    follow: false,
    logger: silentLogger(),
  });
  process.stdout.write('running\n');
  await syncer.run();
  daemon.close();
  await index.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
