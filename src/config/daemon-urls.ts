// DAEMON_URL: one or more bitcoind RPC URLs, comma-separated, for round-robin failover.
// Accepts ElectrumX's forms: http://user:pass@host:port/, host:port, host (the coin's RPC port).
import type { DaemonEndpoint } from '../daemon/types.js';

export function parseDaemonUrls(text: string, defaultPort: number, cookieFile: string): DaemonEndpoint[] {
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('no daemon URL given');
  return entries.map((entry) => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `http://${entry}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new Error(`"${redact(entry)}" is not a URL`);
    }
    if (url.protocol !== 'http:') throw new Error(`"${redact(entry)}": only http:// is supported (bitcoind's RPC has no TLS)`);
    if (url.pathname !== '/' && url.pathname !== '') throw new Error(`"${redact(entry)}": a path is not expected`);
    const port = url.port ? Number(url.port) : defaultPort;
    const base = `http://${url.hostname}:${port}`;
    if (url.username) {
      return { url: base, user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    }
    return { url: base, cookieFile };
  });
}

/** The URL with any password replaced, for messages and logs. */
export function redact(text: string): string {
  return text.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
