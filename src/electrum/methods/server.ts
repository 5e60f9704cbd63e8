// server.*: banner, donation address, features, peers, ping. server.version itself is the
// session's negotiation (session.ts), declared here for the method table.
import type { MethodDef } from './types.js';
import { p } from './types.js';
import { PROTOCOL_MAX, PROTOCOL_MIN, versionString } from '../version.js';
import type { ServerInfo } from '../context.js';

export function serverFeatures(info: ServerInfo): Record<string, unknown> {
  const hosts: Record<string, Record<string, number>> = {};
  for (const s of info.reportServices) {
    if (s.protocol === 'rpc') continue;
    (hosts[s.host] ??= {})[`${s.protocol}_port`] = s.port;
  }
  return {
    hosts,
    pruning: null,
    server_version: info.software,
    protocol_min: versionString(PROTOCOL_MIN),
    protocol_max: versionString(PROTOCOL_MAX),
    genesis_hash: info.coin.genesisHash,
    hash_function: 'sha256',
    services: info.reportServices.filter((s) => s.protocol !== 'rpc').map((s) => `${s.protocol}://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`),
  };
}

export const serverMethods: MethodDef[] = [
  {
    name: 'server.banner',
    sig: { params: [] },
    run: ({ server }) => server.info.banner,
  },
  {
    name: 'server.donation_address',
    sig: { params: [] },
    run: ({ server }) => server.info.donationAddress,
  },
  {
    name: 'server.features',
    sig: { params: [] },
    run: ({ server }) => serverFeatures(server.info),
  },
  {
    // Without peer discovery, this server knows no peers: an empty list (ElectrumX's when isolated).
    name: 'server.peers.subscribe',
    sig: { params: [] },
    run: () => [],
  },
  {
    // No peer discovery yet: every peer is declined, as ElectrumX does with PEER_DISCOVERY off.
    name: 'server.add_peer',
    sig: { params: [p('features')] },
    run: () => false,
  },
  {
    name: 'server.ping',
    sig: { params: [] },
    run: () => null,
  },
];
