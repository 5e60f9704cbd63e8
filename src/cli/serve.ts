// `anode` / `anode serve`: the syncer, the mempool and the Electrum server in one process, over the
// same index. The wallet ports open once the index has caught up with the daemon's tip and the
// mempool is loaded (as ElectrumX and Fulcrum do): before that, answers would be stale.
import { readFileSync } from 'node:fs';
import { SettingsError, type Settings } from '../config/settings.js';
import { formatService } from '../config/services.js';
import { logger, setLogLevel } from '../log.js';
import { ChainState } from '../mempool/chain-state.js';
import { DaemonMempoolSource } from '../mempool/source.js';
import { followSequence } from '../mempool/zmq-feed.js';
import { followDaemon } from '../daemon/follow.js';
import { resolveSequenceUrl } from '../sync/zmq-blocks.js';
import { ElectrumServer } from '../electrum/server.js';
import { loadCertificates, type CertificateStore } from '../transport/index.js';
import type { ServiceAddress } from '../transport/index.js';
import { runSync, type SyncRuntime } from './sync.js';
import { SOFTWARE } from '../version.js';
import { startAdmin, type AdminServer } from '../admin/server.js';
import type { AdminContext } from '../admin/commands.js';

export interface ServeHooks {
  /** Called once the wallet ports are open. */
  readonly onServing?: (server: ElectrumServer, chain: ChainState, runtime: SyncRuntime) => void;
  readonly handleSignals?: boolean;
  readonly onStart?: (runtime: SyncRuntime) => void;
}

/** The banner: BANNER_FILE with ElectrumX's $VARIABLES filled in, or a line naming the server. */
async function banner(settings: Settings, runtime: SyncRuntime): Promise<string> {
  if (!settings.bannerFile) return `You are connected to an ${SOFTWARE} server.`;
  const text = readFileSync(settings.bannerFile, 'utf8');
  let daemonVersion = '';
  let daemonSubversion = '';
  try {
    const info = await runtime.daemon.call<{ version: number; subversion: string }>('getnetworkinfo');
    const v = info.version;
    daemonVersion = `${Math.floor(v / 10000)}.${Math.floor(v / 100) % 100}.${v % 100}`;
    daemonSubversion = info.subversion;
  } catch {
    // the banner still works without the daemon's version
  }
  return text
    .replace(/\$SERVER_VERSION/g, SOFTWARE.split(' ')[1] ?? '')
    .replace(/\$SERVER_SUBVERSION/g, SOFTWARE)
    .replace(/\$DAEMON_VERSION/g, daemonVersion)
    .replace(/\$DAEMON_SUBVERSION/g, daemonSubversion)
    .replace(/\$DONATION_ADDRESS/g, settings.donationAddress);
}

/** How long a wallet's request waits for some daemon to answer before it gets an error. */
const DAEMON_ANSWER_MS = 10_000;

/**
 * The ZMQ sequence stream of the daemon in use feeds the mempool (polling without one); after a
 * failover the feed moves to the new daemon and the mempool reloads from it.
 */
async function followSequenceStream(settings: Settings, runtime: SyncRuntime, chain: ChainState, log: ReturnType<typeof logger>): Promise<void> {
  let first = true;
  const following = followDaemon(
    runtime.daemon,
    async () => {
      if (!first) {
        log.info({ daemon: runtime.daemon.current().url }, 'daemon switched: the mempool reloads from it');
        chain.resync(`switched to ${runtime.daemon.current().url}`);
      }
      first = false;
      const found = await resolveSequenceUrl(settings.zmq, runtime.daemon, runtime.daemon.current().url, log);
      if (found) return followSequence(found.url, chain, () => runtime.syncer.announceBlock(), log, found.rawtx);
      log.info(`mempool polls the daemon every ${settings.mempoolPollMs} ms (no ZMQ sequence stream: add -zmqpubsequence to bitcoind for instant updates)`);
      return null;
    },
    (err) => log.warn({ err: err.message }, 'ZMQ sequence subscription failed; polling'),
  );
  chain.onStop(() => following.close());
}

export async function runServe(settings: Settings, hooks: ServeHooks = {}): Promise<void> {
  // Before any logger is made: a child keeps the level its parent had then.
  setLogLevel(settings.logLevel);
  const log = logger('serve');
  const wallets = settings.services.filter((s) => s.protocol !== 'rpc') as ServiceAddress[];
  let chain: ChainState | null = null;
  let server: ElectrumServer | null = null;
  let certificates: CertificateStore | null = null;
  let starting: Promise<void> | null = null;
  if (wallets.some((s) => s.protocol === 'ssl' || s.protocol === 'wss')) {
    // Checked at start-up: a bad certificate must stop us before the long sync, not after it.
    try {
      certificates = loadCertificates({ certFile: settings.sslCertFile!, keyFile: settings.sslKeyFile!, logger: logger('tls') });
    } catch (err) {
      const message = (err as Error).message;
      const setting = /^SSL_KEYFILE/.test(message) ? 'SSL_KEYFILE' : 'SSL_CERTFILE';
      throw new SettingsError(setting, message.replace(/^SSL_(CERT|KEY)FILE /, ''));
    }
  }

  const startServing = async (runtime: SyncRuntime): Promise<void> => {
    // Calls made for wallets give up after a while when no daemon answers: an answer with an error
    // beats a session waiting until REQUEST_TIMEOUT; the syncer itself waits outages out.
    const daemon = runtime.daemon.bounded(DAEMON_ANSWER_MS);
    const mempoolLog = logger('mempool');
    chain = new ChainState({ index: runtime.index, source: new DaemonMempoolSource(daemon), pollMs: settings.mempoolPollMs, logger: mempoolLog });
    await chain.start();
    await followSequenceStream(settings, runtime, chain, mempoolLog);
    server = await ElectrumServer.start({
      chain,
      daemon,
      info: {
        coin: settings.coin,
        software: SOFTWARE,
        banner: await banner(settings, runtime),
        donationAddress: settings.donationAddress,
        reportServices: settings.reportServices,
      },
      limits: { maxSend: settings.maxSend, maxHistory: settings.maxHistory, maxSubs: settings.maxSubs },
      sessions: {
        maxSessions: settings.maxSessions,
        maxBatch: 2000,
        maxConcurrent: 16,
        maxQueued: 512,
        requestTimeoutMs: settings.requestTimeoutS * 1000,
        sessionTimeoutMs: settings.sessionTimeoutS * 1000,
        maxRecv: settings.maxRecv,
      },
      transport: {
        highWaterBytes: 1024 * 1024,
        lowWaterBytes: 256 * 1024,
        hardLimitBytes: settings.maxSend + 8 * 1024 * 1024,
        congestedTimeoutMs: 120_000,
        closeTimeoutMs: 5000,
      },
      services: wallets,
      certificates,
      logger: logger('electrum'),
    });
    const at = server.addresses.map((a) => formatService({ protocol: a.protocol as 'tcp', host: a.host, port: a.port }));
    log.info({ services: at, height: chain.tip.height, mempool: chain.mempool.size }, `serving Electrum wallets on ${at.join(', ')}`);
    hooks.onServing?.(server, chain, runtime);
  };

  const adminServices = settings.services.filter((s) => s.protocol === 'rpc');
  let running: SyncRuntime | null = null;
  let admin: Promise<AdminServer> | null = null;

  await runSync(settings, {
    command: 'anode serve',
    handleSignals: hooks.handleSignals,
    onStart: (runtime) => {
      running = runtime;
      hooks.onStart?.(runtime);
      const ctx: AdminContext = {
        coin: settings.coin.coin,
        network: settings.coin.network,
        syncer: runtime.syncer,
        daemon: runtime.daemon,
        chain: () => chain,
        server: () => server,
        startedAt: Date.now(),
        stop: () => runtime.stop(),
      };
      if (adminServices.length > 0) {
        admin = startAdmin(adminServices, ctx, logger('admin'));
        admin.catch((err) => {
          log.fatal({ err: (err as Error).message }, `cannot open the admin RPC: ${(err as Error).message}`);
          runtime.stop();
        });
      }
      runtime.syncer.events.on('caughtUp', () => {
        starting = startServing(runtime).catch((err) => {
          log.fatal({ err }, `cannot serve: ${(err as Error).message}`);
          runtime.stop();
        });
      });
    },
    beforeClose: async () => {
      await starting;
      await (admin as Promise<AdminServer> | null)?.then((a) => a.close(), () => undefined);
      await (server as ElectrumServer | null)?.stop();
      // Sessions are gone: requests still waiting for a daemon (all down, say) end now.
      (running as SyncRuntime | null)?.daemon.close();
      await (chain as ChainState | null)?.stop();
      certificates?.close();
    },
  });
}
