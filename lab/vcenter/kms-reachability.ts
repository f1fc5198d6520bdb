/**
 * Reachability of the standard provider's KMS nodes, measured for real: a KMIP request over
 * mutual TLS with the lab vCenter's client certificate against each node's REGISTERED address (what vCenter
 * and the hosts were configured with; a KMS that moved to another port is unreachable, as in
 * seed 000). Results are cached briefly and shared, so 2,500 hosts asking cost one check per
 * node.
 */
import { KmipClient } from '@/lib/kmip/client';
import type { MemoryKeySource } from './key-sources/memory-key-source';

/** Reachability of one KMS node as seen from vCenter / the hosts (same network in the lab). */
export interface KmsNodeHealth {
  nodeId: string;
  host: string;
  port: number;
  reachable: boolean;
  detail: string | null;
}

export interface ProviderHealthSource {
  /** Checks every node of a standard provider; cached briefly so 2,500 hosts do not mean 2,500 handshakes. */
  nodeHealth(providerId: string): Promise<KmsNodeHealth[]>;
}

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

/**
 * One real KMIP round trip (DiscoverVersions) over a fresh mutual-TLS connection: a node that
 * accepts TCP but never answers (black hole), answers too slowly, presents an expired
 * certificate or moved to another port is unreachable, with the transport's own sentence.
 */
export async function checkKmipNode(node: KmsNodeAddress, connection: KmsConnection, timeoutMs: number): Promise<KmsNodeHealth> {
  const base = { nodeId: node.id, host: node.host, port: node.port };
  const client = new KmipClient({
    host: node.host,
    port: node.port,
    caPem: connection.caPem,
    certPem: connection.client.certPem,
    keyPem: connection.client.keyPem,
    timeouts: { connectMs: timeoutMs, handshakeMs: timeoutMs, responseMs: timeoutMs },
    poolSize: 1,
  });
  try {
    await client.discoverVersions();
    return { ...base, reachable: true, detail: null };
  } catch (error) {
    return { ...base, reachable: false, detail: error instanceof Error ? error.message.replace(/\.$/, '') : String(error) };
  } finally {
    client.close();
  }
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
        const value = checkKmipNode(node, connection, this.timeoutMs);
        this.cache.set(key, { at: now, value });
        return value;
      }),
    );
  }
}

/** Reachability of a provider whose keys live in memory (no lab KMS attached): every registered node counts as up. */
export class MemoryReachability implements ProviderHealthSource {
  constructor(
    private readonly memory: MemoryKeySource,
    private readonly connections: Map<string, KmsConnection>,
  ) {}

  async nodeHealth(providerId: string): Promise<KmsNodeHealth[]> {
    const reachable = this.memory.isReachable(providerId);
    return (this.connections.get(providerId)?.nodes ?? []).map((n) => ({
      nodeId: n.id,
      host: n.host,
      port: n.port,
      reachable,
      detail: reachable ? null : 'unreachable',
    }));
  }
}
