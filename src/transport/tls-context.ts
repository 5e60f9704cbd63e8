// SSL_CERTFILE / SSL_KEYFILE for ssl:// and wss://. Certificates get renewed while the server runs
// (certbot, an operator's copy): the pair is reloaded when either file changes and on SIGHUP, and
// handed to every registered server with setSecureContext, so new handshakes use the new pair and
// open sessions are left alone. A bad new pair is logged and the old one stays in use.
import { EventEmitter } from 'node:events';
import crypto from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import type { Logger } from '../log.js';

export interface CertificateStoreOptions {
  /** PEM certificate, optionally followed by its chain (SSL_CERTFILE). */
  readonly certFile: string;
  /** PEM private key without passphrase (SSL_KEYFILE). */
  readonly keyFile: string;
  readonly logger: Logger;
  /** How often the files are polled for changes, ms (default 2000; 0 = no watching). */
  readonly watchIntervalMs?: number;
  /** Reload on SIGHUP (default true). */
  readonly reloadOnSighup?: boolean;
}

export interface CertificateInfo {
  readonly subject: string;
  readonly validTo: string;
  /** SHA-256 fingerprint, colon-separated hex as in tls.PeerCertificate.fingerprint256. */
  readonly fingerprint256: string;
}

/** The PEM pair, as tls.createServer and Server.setSecureContext take it. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

interface Loaded {
  readonly pem: PemPair;
  readonly context: tls.SecureContext;
  readonly info: CertificateInfo;
}

/** Reads and checks a pair; throws an Error naming the file at fault. */
function loadPair(certFile: string, keyFile: string): Loaded {
  const read = (what: string, file: string): string => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`${what} ${file}: cannot read: ${(err as Error).message}`);
    }
  };
  const cert = read('SSL_CERTFILE', certFile);
  const key = read('SSL_KEYFILE', keyFile);
  let x509: crypto.X509Certificate;
  try {
    x509 = new crypto.X509Certificate(cert);
  } catch (err) {
    throw new Error(`SSL_CERTFILE ${certFile}: not a PEM certificate: ${(err as Error).message}`);
  }
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(key);
  } catch (err) {
    throw new Error(`SSL_KEYFILE ${keyFile}: not a PEM private key (or it has a passphrase): ${(err as Error).message}`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new Error(`SSL_KEYFILE ${keyFile} is not the key of the certificate in SSL_CERTFILE ${certFile}`);
  }
  let context: tls.SecureContext;
  try {
    context = tls.createSecureContext({ cert, key });
  } catch (err) {
    throw new Error(`SSL_CERTFILE ${certFile} / SSL_KEYFILE ${keyFile}: ${(err as Error).message}`);
  }
  const info = { subject: x509.subject.replace(/\n/g, ', '), validTo: x509.validTo, fingerprint256: x509.fingerprint256 };
  return { pem: { cert, key }, context, info };
}

/**
 * Events: 'reload' (info: CertificateInfo) after a new pair took effect; 'reloadFailed' (err) when
 * a new pair was refused (the old one stays).
 */
export class CertificateStore extends EventEmitter {
  private current: Loaded;
  private readonly servers = new Set<tls.Server>();
  private readonly log: Logger;
  private debounce: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly onSighup = (): void => {
    this.log.info('SIGHUP: reloading TLS certificate');
    this.reload();
  };
  private readonly onFileChange = (curr: fs.Stats): void => {
    // A file mid-replace (renamed away) reads as all zeros: wait for it to come back.
    if (curr.nlink === 0 && curr.mtimeMs === 0) return;
    // Cert and key usually change together: one reload for both.
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.reload();
    }, Math.min(100, this.watchIntervalMs));
  };
  private readonly watchIntervalMs: number;

  /** Loads the pair at once; throws (naming the file) when it cannot. */
  constructor(private readonly opts: CertificateStoreOptions) {
    super();
    this.log = opts.logger;
    this.current = loadPair(opts.certFile, opts.keyFile);
    this.log.info({ ...this.current.info, certFile: opts.certFile }, 'TLS certificate loaded');
    this.watchIntervalMs = opts.watchIntervalMs ?? 2000;
    if (this.watchIntervalMs > 0) {
      // watchFile polls stat(): it survives files replaced by rename, unlike fs.watch.
      for (const f of new Set([opts.certFile, opts.keyFile])) {
        fs.watchFile(f, { interval: this.watchIntervalMs, persistent: false }, this.onFileChange);
      }
    }
    if (opts.reloadOnSighup ?? true) process.on('SIGHUP', this.onSighup);
  }

  /** The current pair as a SecureContext (for TLSSocket / tls.connect style use). */
  get context(): tls.SecureContext {
    return this.current.context;
  }

  /** The current pair as PEM text (for tls.createServer / https.createServer). */
  get pem(): PemPair {
    return this.current.pem;
  }

  get info(): CertificateInfo {
    return this.current.info;
  }

  /** Makes a server follow reloads; returns the function that stops it. */
  register(server: tls.Server): () => void {
    this.servers.add(server);
    return () => void this.servers.delete(server);
  }

  /** Reads the files again. True when a new pair took effect; false (logged) keeps the old one. */
  reload(): boolean {
    if (this.closed) return false;
    let next: Loaded;
    try {
      next = loadPair(this.opts.certFile, this.opts.keyFile);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'TLS certificate reload failed; keeping the current one');
      this.emit('reloadFailed', err);
      return false;
    }
    for (const server of this.servers) {
      try {
        server.setSecureContext(next.pem);
      } catch (err) {
        // Cannot happen for a pair createSecureContext took; if it does, that server keeps the old pair.
        this.log.error({ err }, 'setSecureContext failed');
      }
    }
    this.current = next;
    this.log.info({ ...next.info, certFile: this.opts.certFile }, 'TLS certificate reloaded');
    this.emit('reload', next.info);
    return true;
  }

  /** Stops watching and the SIGHUP handler; registered servers keep their last pair. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.debounce) clearTimeout(this.debounce);
    for (const f of new Set([this.opts.certFile, this.opts.keyFile])) fs.unwatchFile(f, this.onFileChange);
    process.off('SIGHUP', this.onSighup);
    this.servers.clear();
  }
}

/** Factory form of `new CertificateStore(opts)`. */
export function loadCertificates(opts: CertificateStoreOptions): CertificateStore {
  return new CertificateStore(opts);
}
