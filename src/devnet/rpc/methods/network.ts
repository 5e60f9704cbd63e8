// Node and network info: getnetworkinfo, getzmqnotifications, getconnectioncount, uptime, ping.
import { btc } from '../json.js';
import type { MethodSpec } from '../params.js';
import { MIN_RELAY_FEE_SATS_PER_KVB } from './mempool.js';

/** The bitcoind release devnet answers as. */
export const DEVNET_VERSION = 280100;
export const DEVNET_SUBVERSION = '/Satoshi:28.1.0/';

const network = (name: string, reachable: boolean) => ({
  name, limited: !reachable, reachable, proxy: '', proxy_randomize_credentials: false,
});

export const networkMethods: MethodSpec[] = [
  {
    name: 'getnetworkinfo',
    args: [],
    summary: 'Returns an object containing various state info regarding P2P networking.',
    run: () => ({
      version: DEVNET_VERSION,
      subversion: DEVNET_SUBVERSION,
      protocolversion: 70016,
      localservices: '0000000000000c09',
      localservicesnames: ['NETWORK', 'WITNESS', 'NETWORK_LIMITED', 'P2P_V2'],
      localrelay: true,
      timeoffset: 0,
      networkactive: true,
      connections: 0,
      connections_in: 0,
      connections_out: 0,
      networks: [network('ipv4', true), network('ipv6', true), network('onion', false), network('i2p', false), network('cjdns', false)],
      relayfee: btc(MIN_RELAY_FEE_SATS_PER_KVB),
      incrementalfee: btc(MIN_RELAY_FEE_SATS_PER_KVB),
      localaddresses: [],
      warnings: [],
    }),
  },
  {
    name: 'getzmqnotifications',
    args: [],
    summary: 'Returns information about the active ZeroMQ notifications.',
    run: (ctx) => ctx.zmqNotifications(),
  },
  {
    name: 'getconnectioncount',
    args: [],
    summary: 'Returns the number of connections to other nodes.',
    run: () => 0,
  },
  {
    name: 'uptime',
    args: [],
    summary: 'Returns the total uptime of the server.',
    run: (ctx) => Math.floor(Date.now() / 1000) - ctx.startedAt,
  },
  {
    name: 'ping',
    args: [],
    summary: 'Requests that a ping be sent to all other nodes, to measure ping time.',
    run: () => null,
  },
];
