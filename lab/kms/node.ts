/**
 * One lab KMS node on the network: KMIP over mutual TLS (client certificate required and
 * verified), with the fault knobs the lab needs.
 *
 * A plain TCP listener sits in front of the TLS server so that a "black hole" can accept TCP
 * connections and then never speak, exactly like a KMS whose process is wedged behind a
 * listening socket; every other connection is handed to the TLS server.
 */
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import type { PemPair } from '@/lib/pki/certificates';
import { ResultReason } from '@/lib/kmip/enums';
import { encodeResponseMessage, errorResponseMessage } from '@/lib/kmip/messages';
import { TtlvFrameReader } from '@/lib/kmip/frame-reader';
import type { KeyStore, StoredKey } from './key-store';
import { handleRequestBytes, unreadableRequestResponse } from './kmip-handler';

export type LabKmsNodeStatus = 'up' | 'down' | 'black-hole' | 'expired-certificate' | 'expiring-certificate' | 'slow';

/** Which server certificate a node presents: its normal one, an expired one, or one that expires soon. */
export type ServerCertificateKind = 'valid' | 'expired' | { expiresInDays: number };

/**
 * Where a black hole swallows traffic: 'tcp' accepts connections and never starts TLS (clients
 * see a handshake timeout); 'kmip' completes TLS and never answers a request (response timeout).
 */
export type BlackHoleMode = 'tcp' | 'kmip';

export interface LabKmsNodeFaults {
  down: boolean;
  blackHole: boolean;
  blackHoleMode: BlackHoleMode;
  slowMs: number;
  expiredCertificate: boolean;
  /** Set while the node presents a certificate that expires in this many days (see ServerCertificateKind). */
  certificateExpiresInDays: number | null;
}

export interface LabKmsNodeOptions {
  id: string;
  /** Address the node listens on (and its certificate names); each lab node has its own by default. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  serverCertificate: PemPair;
  /** CA bundle that client certificates must chain to. */
  caPem: string;
  store: KeyStore;
  onKeyChanged?: (key: StoredKey) => void;
  /** Largest request accepted, in bytes. Default LAB_MAX_REQUEST_BYTES. */
  maxMessageBytes?: number;
}

/**
 * Largest request a lab node accepts unless told otherwise: smaller than what Keywatch's client
 * accepts as a response (DEFAULT_DECODE_MAX_BYTES), as a real KMS bounds what it buffers per client.
 */
export const LAB_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export class LabKmsNode {
  readonly id: string;
  readonly host: string;
  readonly store: KeyStore;
  private currentPort: number;
  private readonly front: net.Server;
  private readonly tlsServer: tls.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly faultState: LabKmsNodeFaults = {
    down: false,
    blackHole: false,
    blackHoleMode: 'tcp',
    slowMs: 0,
    expiredCertificate: false,
    certificateExpiresInDays: null,
  };
  private certificate: PemPair;
  private readonly caPem: string;
  private readonly maxMessageBytes: number;
  private readonly onKeyChanged: ((key: StoredKey) => void) | undefined;

  private constructor(options: LabKmsNodeOptions) {
    this.id = options.id;
    this.host = options.host;
    this.store = options.store;
    this.currentPort = options.port;
    this.certificate = options.serverCertificate;
    this.caPem = options.caPem;
    this.maxMessageBytes = options.maxMessageBytes ?? LAB_MAX_REQUEST_BYTES;
    this.onKeyChanged = options.onKeyChanged;

    this.tlsServer = tls.createServer({
      ...this.secureContextOptions(),
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: 10_000,
    });
    this.tlsServer.on('secureConnection', (socket) => this.serve(socket));
    // Failed handshakes (no / untrusted client certificate) are the client's problem to report.
    this.tlsServer.on('tlsClientError', () => undefined);

    this.front = net.createServer((socket) => this.accept(socket));
  }

  static async start(options: LabKmsNodeOptions): Promise<LabKmsNode> {
    const node = new LabKmsNode(options);
    await node.listen(options.port);
    return node;
  }

  get port(): number {
    return this.currentPort;
  }

  /** The listening socket's own address as the OS reports it; null while the node is down. */
  get boundAddress(): { address: string; port: number } | null {
    const bound = this.front.address();
    return bound && typeof bound === 'object' ? { address: bound.address, port: bound.port } : null;
  }

  get faults(): LabKmsNodeFaults {
    return { ...this.faultState };
  }

  get status(): LabKmsNodeStatus {
    const f = this.faultState;
    if (f.down) return 'down';
    if (f.blackHole) return 'black-hole';
    if (f.expiredCertificate) return 'expired-certificate';
    if (f.certificateExpiresInDays !== null) return 'expiring-certificate';
    if (f.slowMs > 0) return 'slow';
    return 'up';
  }

  get serverCertificatePem(): string {
    return this.certificate.certPem;
  }

  private secureContextOptions(): tls.SecureContextOptions {
    return { cert: this.certificate.certPem, key: this.certificate.keyPem, ca: this.caPem, minVersion: 'TLSv1.2' };
  }

  private async listen(port: number): Promise<void> {
    // events.once rejects on 'error' while waiting and removes its listeners either way.
    const listening = once(this.front, 'listening');
    this.front.listen(port, this.host);
    await listening;
    this.currentPort = (this.front.address() as net.AddressInfo).port;
  }

  private async closeListener(): Promise<void> {
    this.dropConnections();
    if (!this.front.listening) return;
    await new Promise<void>((resolve) => this.front.close(() => resolve()));
  }

  private dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }

  private accept(socket: net.Socket): void {
    this.track(socket);
    // A black hole completes the TCP handshake and then stays silent forever.
    if (this.faultState.blackHole && this.faultState.blackHoleMode === 'tcp') return;
    this.tlsServer.emit('connection', socket);
  }

  private serve(socket: tls.TLSSocket): void {
    this.track(socket);
    const peer = socket.getPeerCertificate();
    const clientIdentity = typeof peer?.subject?.CN === 'string' ? peer.subject.CN : undefined;
    const frames = new TtlvFrameReader(this.maxMessageBytes);
    let queue: Promise<void> = Promise.resolve();
    let hangingUp = false;

    socket.on('data', (chunk: Buffer) => {
      if (hangingUp) return;
      try {
        frames.push(chunk, (frame) => {
          queue = queue.then(() => this.answer(socket, frame, clientIdentity));
        });
      } catch (error) {
        // The stream cannot be re-synchronised after a bad frame header: answer once and hang up.
        const answer = unreadableRequestResponse(error);
        hangingUp = true;
        queue = queue.then(() => {
          socket.end(answer);
        });
      }
    });
  }

  private async answer(socket: tls.TLSSocket, frame: Buffer, clientIdentity: string | undefined): Promise<void> {
    // A black hole that starts while a session is open swallows its requests too.
    if (this.faultState.blackHole) return;
    const response = handleRequestBytes(
      frame,
      {
        store: this.store,
        serverName: this.id,
        ...(clientIdentity !== undefined && { clientIdentity }),
        ...(this.onKeyChanged && { onKeyChanged: this.onKeyChanged }),
      },
      { maxMessageBytes: this.maxMessageBytes },
    );
    try {
      await this.store.flush();
    } catch {
      // Durability failed: say so instead of acknowledging a change that may be lost.
      const answer = encodeResponseMessage(errorResponseMessage({ major: 1, minor: 0 }, ResultReason.GeneralFailure, 'The server could not persist its key store.'));
      if (!socket.destroyed) socket.write(answer);
      return;
    }
    if (this.faultState.slowMs > 0) await new Promise((resolve) => setTimeout(resolve, this.faultState.slowMs));
    if (this.faultState.blackHole || socket.destroyed) return;
    socket.write(response);
  }

  /** Down = the port is closed (connections refused) and open sessions are cut. */
  async setDown(down: boolean): Promise<void> {
    if (down === this.faultState.down) return;
    this.faultState.down = down;
    if (down) await this.closeListener();
    else await this.listen(this.currentPort);
  }

  setBlackHole(on: boolean, mode: BlackHoleMode = 'tcp'): void {
    this.faultState.blackHole = on;
    this.faultState.blackHoleMode = mode;
  }

  setSlow(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`Slow-down must be a non-negative number of milliseconds, got ${ms}.`);
    this.faultState.slowMs = ms;
  }

  /**
   * Serves another certificate from now on. Open sessions are cut, as a KMS restarts its
   * listener when its certificate changes, so clients see the new one at their next handshake.
   */
  useCertificate(pair: PemPair, kind: ServerCertificateKind): void {
    this.certificate = pair;
    this.faultState.expiredCertificate = kind === 'expired';
    this.faultState.certificateExpiresInDays = typeof kind === 'object' ? kind.expiresInDays : null;
    this.tlsServer.setSecureContext(this.secureContextOptions());
    this.dropConnections();
  }

  /** Moves the node to another port (0 = any free one); returns the port now in use. */
  async setPort(port: number): Promise<number> {
    await this.closeListener();
    if (this.faultState.down) {
      this.currentPort = port;
      return port;
    }
    await this.listen(port);
    return this.currentPort;
  }

  async stop(): Promise<void> {
    await this.closeListener();
    this.tlsServer.close();
    await this.store.flush();
  }
}
