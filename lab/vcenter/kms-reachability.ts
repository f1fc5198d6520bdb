/**
 * Reachability of the standard provider's KMS nodes, measured for real: a mutual-TLS handshake
 * with the lab vCenter's client certificate against each node's REGISTERED address (what vCenter
 * and the hosts were configured with; a KMS that moved to another port is unreachable, as in
 * seed 000). Results are cached briefly and shared, so 2,500 hosts asking cost one handshake
 * per node.
 */
import tls from 'node:tls';
import { isIP } from 'node:net';
import type { KmsNodeHealth, ProviderHealthSource } from './key-source';

export interface KmsNodeAddress {
  id: string;
  host: string;
  port: number;
}

export interface KmsConnection {
  nodes: KmsNodeAddress[];
  caPem: string;
  client: { certPem: string; keyPem: string };
}

export interface ReachabilityOptions {
  timeoutMs?: number;
  cacheMs?: number;
}

function describeTlsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'CERT_HAS_EXPIRED':
      return 'the server certificate has expired';
    case 'ECONNRESET':
      return 'connection reset during the TLS handshake';
    default:
      return code ? `${code}: ${error.message}` : error.message;
  }
}

export function checkTlsNode(node: KmsNodeAddress, connection: KmsConnection, timeoutMs: number): Promise<KmsNodeHealth> {
  return new Promise((resolve) => {
    const base = { nodeId: node.id, host: node.host, port: node.port };
    let settled = false;
    const finish = (reachable: boolean, detail: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...base, reachable, detail });
    };
    const socket = tls.connect({
      host: node.host,
      port: node.port,
      ca: connection.caPem,
      cert: connection.client.certPem,
      key: connection.client.keyPem,
      ...(isIP(node.host) ? {} : { servername: node.host }),
    });
    const timer = setTimeout(() => finish(false, `no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('secureConnect', () => finish(true, null));
    socket.once('error', (error) => finish(false, describeTlsError(error)));
    socket.once('close', () => finish(false, 'connection closed during the TLS handshake'));
  });
}

export class KmsReachability implements ProviderHealthSource {
  private readonly cache = new Map<string, { at: number; value: Promise<KmsNodeHealth> }>();
  private readonly timeoutMs: number;
  private readonly cacheMs: number;

  constructor(
    private readonly providers: Map<string, KmsConnection>,
    options: ReachabilityOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 1500;
    this.cacheMs = options.cacheMs ?? 2000;
  }

  /** Drop cached results (after a fault changed the KMS) so the next read measures again. */
  invalidate(): void {
    this.cache.clear();
  }

  async nodeHealth(providerId: string): Promise<KmsNodeHealth[]> {
    const connection = this.providers.get(providerId);
    if (!connection) return [];
    const now = Date.now();
    return Promise.all(
      connection.nodes.map((node) => {
        const key = `${providerId}/${node.id}`;
        const hit = this.cache.get(key);
        if (hit && now - hit.at < this.cacheMs) return hit.value;
        const value = checkTlsNode(node, connection, this.timeoutMs);
        this.cache.set(key, { at: now, value });
        return value;
      }),
    );
  }
}
