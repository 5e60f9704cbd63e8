// SERVICES / REPORT_SERVICES: comma-separated `protocol://host:port` entries, as ElectrumX writes them.
export type ServiceProtocol = 'tcp' | 'ssl' | 'ws' | 'wss' | 'rpc';

export interface Service {
  readonly protocol: ServiceProtocol;
  /** Empty string = all interfaces. */
  readonly host: string;
  readonly port: number;
}

const PROTOCOLS: readonly ServiceProtocol[] = ['tcp', 'ssl', 'ws', 'wss', 'rpc'];

/** Parses one list; `defaultPort` supplies a port when an entry leaves it out. */
export function parseServices(text: string, defaultPort: (p: ServiceProtocol) => number): Service[] {
  const out: Service[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z]+):\/\/(\[[0-9a-fA-F:.]+\]|[^:/\[\]]*)(?::(\d+))?\/?$/.exec(raw);
    if (!m) throw new Error(`"${raw}" is not protocol://host:port`);
    const protocol = m[1] as ServiceProtocol;
    if (!PROTOCOLS.includes(protocol)) throw new Error(`"${raw}": unknown protocol ${m[1]} (use ${PROTOCOLS.join(', ')})`);
    const host = m[2]!.replace(/^\[|\]$/g, '');
    const port = m[3] === undefined ? defaultPort(protocol) : Number(m[3]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`"${raw}": port must be 1 to 65535`);
    if (out.some((s) => s.protocol === protocol && s.host === host && s.port === port)) throw new Error(`"${raw}" is listed twice`);
    out.push({ protocol, host, port });
  }
  return out;
}

export function formatService(s: Service): string {
  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  return `${s.protocol}://${host}:${s.port}`;
}
