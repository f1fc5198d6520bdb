/**
 * Mutual-TLS transport for KMIP: one request in flight per connection, messages framed by their
 * own TTLV header (8 bytes, then the declared length), and a small per-node pool.
 *
 * TCP connect and TLS handshake are done as two steps (net.connect, then tls.connect over the
 * socket) so that each has its own timeout and its own measured duration.
 */
import net from 'node:net';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { classifySocketError, KmipTransportError, transportSentence, type KmipTransportFailure } from './errors';
import { TtlvFrameReader } from './frame-reader';
import { DEFAULT_DECODE_MAX_BYTES, TtlvDecodeError } from './ttlv';

export interface KmipTimeouts {
  connectMs: number;
  handshakeMs: number;
  responseMs: number;
}

export const DEFAULT_TIMEOUTS: KmipTimeouts = { connectMs: 3000, handshakeMs: 5000, responseMs: 10000 };

export interface KmipEndpointOptions {
  host: string;
  port: number;
  /** PEM bundle of CAs trusted to sign the KMS certificate (replaces the system store). */
  caPem: string;
  /** Client certificate (PEM, may include intermediates) and its private key. */
  certPem?: string;
  keyPem?: string;
  /** Name sent as SNI and checked against the server certificate; defaults to host. */
  servername?: string;
  timeouts?: Partial<KmipTimeouts>;
  maxMessageBytes?: number;
}

export interface ConnectionTimings {
  connectMs: number;
  handshakeMs: number;
}

export function endpointLabel(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** SNI name and the name the server certificate must carry: `servername`, else the host unless it is an IP. */
export function tlsServername(options: Pick<KmipEndpointOptions, 'host' | 'servername'>): string | undefined {
  return options.servername ?? (net.isIP(options.host) ? undefined : options.host);
}

/** The certificate chain `socket`'s peer presented, leaf first, as DER. */
export function peerCertificateChainDer(socket: tls.TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  let cert = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  // A self-signed root is its own issuer: stop at the first certificate already seen.
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain;
}

function fail(failure: KmipTransportFailure, endpoint: string, cause?: unknown): KmipTransportError {
  return new KmipTransportError(failure, endpoint, transportSentence(failure, endpoint), { cause });
}

function invalidMaterialFailure(options: KmipEndpointOptions): KmipTransportFailure {
  return caBundleIsReadable(options.caPem) ? 'client-cert-invalid' : 'ca-invalid';
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** OpenSSL skips unreadable CA entries silently, which would surface later as "untrusted". */
function caBundleIsReadable(caPem: string): boolean {
  const blocks = caPem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}

interface Pending {
  resolve: (frame: Buffer) => void;
  reject: (err: KmipTransportError) => void;
  timer: NodeJS.Timeout;
}

/** One established mutual-TLS connection to a KMS node. */
export class KmipConnection {
  readonly endpoint: string;
  readonly timings: ConnectionTimings;
  private readonly socket: tls.TLSSocket;
  private readonly frames: TtlvFrameReader;
  private readonly responseMs: number;
  private pending: Pending | undefined;
  private dead: KmipTransportError | undefined;
  /** Negotiated TLS version, read once: a destroyed socket no longer knows it. */
  private readonly protocol: string | null;
  /** Set on the first response byte (see mayStillRejectUs). */
  private answeredOnce = false;

  private constructor(socket: tls.TLSSocket, endpoint: string, timings: ConnectionTimings, opts: { maxMessageBytes: number; responseMs: number }) {
    this.socket = socket;
    this.endpoint = endpoint;
    this.timings = timings;
    this.frames = new TtlvFrameReader(opts.maxMessageBytes);
    this.responseMs = opts.responseMs;
    this.protocol = socket.getProtocol();
    // Idle pooled connections must not keep a process alive (a CLI that forgot close() would hang).
    socket.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.die(fail(classifySocketError(err, this.mayStillRejectUs() ? 'handshake' : 'response'), endpoint, err)));
    socket.on('close', () => this.die(fail(this.mayStillRejectUs() && this.pending ? 'client-cert-rejected' : 'closed', endpoint)));
  }

  /**
   * Under TLS 1.3 the server checks our certificate after our side of the handshake is done, so
   * until its first answer a reset or close most likely means it rejected the certificate.
   * Under TLS 1.2 that check is part of the handshake, and a later close is just a close.
   */
  private mayStillRejectUs(): boolean {
    return !this.answeredOnce && this.protocol === 'TLSv1.3';
  }

  static async open(options: KmipEndpointOptions): Promise<KmipConnection> {
    const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const endpoint = endpointLabel(options.host, options.port);
    if (!caBundleIsReadable(options.caPem)) throw fail('ca-invalid', endpoint);
    const started = performance.now();

    const raw = await new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(fail('connect-timeout', endpoint));
      }, timeouts.connectMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        reject(fail(classifySocketError(err, 'connect'), endpoint, err));
      });
    });
    const connected = performance.now();

    const servername = tlsServername(options);
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      let socket: tls.TLSSocket;
      try {
        socket = tls.connect({
          socket: raw,
          host: options.host,
          servername,
          ca: options.caPem,
          cert: options.certPem,
          key: options.keyPem,
          minVersion: 'TLSv1.2',
          rejectUnauthorized: true,
        });
      } catch (err) {
        // Unusable PEM material is reported synchronously; say which part is at fault.
        raw.destroy();
        reject(fail(invalidMaterialFailure(options), endpoint, err));
        return;
      }
      const timer = setTimeout(() => {
        socket.destroy();
        reject(fail('handshake-timeout', endpoint));
      }, timeouts.handshakeMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.removeAllListeners('close');
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        reject(fail(classifySocketError(err, 'handshake'), endpoint, err));
      });
      socket.once('close', () => {
        clearTimeout(timer);
        reject(fail('client-cert-rejected', endpoint));
      });
    });
    const handshaken = performance.now();

    return new KmipConnection(
      secure,
      endpoint,
      { connectMs: connected - started, handshakeMs: handshaken - connected },
      { maxMessageBytes: options.maxMessageBytes ?? DEFAULT_DECODE_MAX_BYTES, responseMs: timeouts.responseMs },
    );
  }

  get usable(): boolean {
    return !this.dead && !this.pending;
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** The server's certificate chain, leaf first, as DER. */
  peerCertificateChainDer(): Buffer[] {
    return peerCertificateChainDer(this.socket);
  }

  get tlsProtocol(): string | null {
    return this.protocol;
  }

  /** Sends one encoded request message and resolves with the raw response frame. */
  request(message: Uint8Array): Promise<Buffer> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.pending) return Promise.reject(new Error('KmipConnection.request called while a request is in flight'));
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.die(fail('response-timeout', this.endpoint));
      }, this.responseMs);
      this.pending = { resolve, reject, timer };
      this.socket.ref();
      this.socket.write(message);
    });
  }

  private onData(chunk: Buffer): void {
    this.answeredOnce = true;
    if (!this.pending) {
      this.die(fail('not-kmip', this.endpoint));
      return;
    }
    const responses: Buffer[] = [];
    try {
      this.frames.push(chunk, (frame) => responses.push(frame));
    } catch (err) {
      const failure = responses.length === 0 && err instanceof TtlvDecodeError && err.code === 'too-large' ? 'too-large' : 'not-kmip';
      this.die(fail(failure, this.endpoint, err));
      return;
    }
    const [response] = responses;
    if (!response) return;
    if (responses.length > 1 || this.frames.pendingBytes > 0) {
      // One request in flight means one response; anything beyond it is not KMIP as we speak it.
      this.die(fail('not-kmip', this.endpoint));
      return;
    }
    const { resolve, timer } = this.pending;
    clearTimeout(timer);
    this.pending = undefined;
    this.socket.unref();
    resolve(response);
  }

  private die(err: KmipTransportError): void {
    if (!this.dead) this.dead = err;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(err);
    }
    this.socket.destroy();
  }

  close(): void {
    this.die(fail('pool-closed', this.endpoint));
  }
}

/**
 * Up to `size` connections to one node, reused across requests. A request waits for a free
 * connection when all are busy; dead connections are dropped and replaced on demand.
 */
export class KmipConnectionPool {
  private readonly idle: KmipConnection[] = [];
  private readonly all = new Set<KmipConnection>();
  private opening = 0;
  private readonly waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly options: KmipEndpointOptions,
    readonly size = 2,
  ) {}

  get endpoint(): string {
    return endpointLabel(this.options.host, this.options.port);
  }

  private async acquire(): Promise<KmipConnection> {
    for (;;) {
      if (this.closed) throw fail('pool-closed', this.endpoint);
      let conn: KmipConnection | undefined;
      while ((conn = this.idle.pop())) {
        if (conn.usable) return conn;
        this.all.delete(conn);
      }
      if (this.all.size + this.opening < this.size) {
        this.opening++;
        try {
          const fresh = await KmipConnection.open(this.options);
          if (this.closed) {
            fresh.close();
            throw fail('pool-closed', this.endpoint);
          }
          this.all.add(fresh);
          return fresh;
        } finally {
          this.opening--;
          this.waiters.shift()?.();
        }
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private release(conn: KmipConnection): void {
    if (conn.alive && !this.closed) this.idle.push(conn);
    else this.all.delete(conn);
    this.waiters.shift()?.();
  }

  /**
   * Opens (or reuses) a connection and runs `fn` with exclusive use of it; resolves with what
   * `fn` returns (e.g. the connection's timings and peer certificate, for the probe).
   */
  async withConnection<T>(fn: (conn: KmipConnection) => Promise<T>): Promise<T> {
    const conn = await this.acquire();
    try {
      return await fn(conn);
    } finally {
      this.release(conn);
    }
  }

  /** Sends one request message over a free connection and resolves with the response frame. */
  roundTrip(message: Uint8Array): Promise<Buffer> {
    return this.withConnection((conn) => conn.request(message));
  }

  close(): void {
    this.closed = true;
    for (const conn of this.all) conn.close();
    this.all.clear();
    this.idle.length = 0;
    for (const wake of this.waiters.splice(0)) wake();
  }
}
