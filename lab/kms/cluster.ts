/**
 * A lab KMS cluster: N equivalent KMIP nodes that replicate every key change to each other
 * after a configurable lag, plus the fault knobs behind the seeds' outages (node down, black
 * hole, slow node, expired server certificate, key missing on one node, node moved to another
 * port). The lab vCenter and `npm run lab` build on this API; see README.md.
 */
import path from 'node:path';
import { z } from 'zod';
import { createCertificateAuthority, issueCertificate, type PemPair } from '@/lib/pki/certificates';
import { CryptographicAlgorithm, CryptographicUsageMask, enumName, ObjectType, State } from '@/lib/kmip/enums';
import { KeyStore, type StoredKey } from './key-store';
import { LabKmsNode, type BlackHoleMode, type LabKmsNodeFaults, type LabKmsNodeStatus } from './node';

const optionsSchema = z.object({
  nodeCount: z.number().int().min(1).max(16).default(3),
  host: z.string().min(1).default('127.0.0.1'),
  ports: z.array(z.number().int().min(0).max(65535)).optional(),
  dataDir: z.string().min(1).optional(),
  replicationLagMs: z.number().min(0).default(0),
});

export interface StartKmsClusterOptions {
  nodeCount?: number;
  host?: string;
  /** One per node; 0 = a free port. Default: all 0. */
  ports?: number[];
  /** Keys persist in `${dataDir}/${nodeId}.json`; memory only when absent. */
  dataDir?: string;
  replicationLagMs?: number;
  /** CA that signs the node certificates and client certificates; generated when absent. */
  tls?: { ca: PemPair };
}

export interface LabKmsNodeInfo {
  id: string;
  host: string;
  port: number;
  status: LabKmsNodeStatus;
}

export interface LabKmsFaults {
  /** Closes the node's port (connections refused) or opens it again. */
  setNodeDown(id: string, down: boolean): Promise<void>;
  /**
   * The node accepts TCP connections and never answers: by default not even the TLS handshake
   * (clients time out in the handshake); with mode 'kmip' TLS completes and KMIP requests go
   * unanswered (clients time out waiting for the response). Open sessions go silent either way.
   */
  setBlackHole(id: string, on: boolean, mode?: BlackHoleMode): Promise<void>;
  /** Every KMIP answer of the node is delayed by `ms`. */
  setSlow(id: string, ms: number): Promise<void>;
  /** The node presents an expired server certificate (or its valid one again). */
  setExpiredCertificate(id: string, on: boolean): Promise<void>;
  /** Removes a key from one node only: a replication gap. Returns whether it was there. */
  deleteKeyOnNode(id: string, keyId: string): Promise<boolean>;
  /** Moves the node to another port (0 = any free port); returns the new port. */
  setPort(id: string, newPort: number): Promise<number>;
  /** Clears down / black hole / slow / expired certificate on one node (the port stays). */
  clear(id: string): Promise<void>;
}

export interface LabKmsKeyState {
  id: string;
  state: string;
  names: string[];
}

export interface LabKmsClusterState {
  replicationLagMs: number;
  pendingReplications: number;
  nodes: Array<LabKmsNodeInfo & { faults: LabKmsNodeFaults; keys: LabKmsKeyState[] }>;
}

export interface LabKmsCluster {
  /** Current view (ports change with faults.setPort). */
  readonly nodes: LabKmsNodeInfo[];
  readonly caPem: string;
  issueClientCertificate(commonName: string): PemPair;
  /** Creates and activates an AES-256 key on the first node; the others get it after the lag. */
  createKey(name?: string): Promise<string>;
  readonly faults: LabKmsFaults;
  /** Ground truth for tests and the lab UI. */
  state(): LabKmsClusterState;
  stop(): Promise<void>;
}

export class LabKmsConfigError extends Error {
  override readonly name = 'LabKmsConfigError';
}

export async function startKmsCluster(options: StartKmsClusterOptions = {}): Promise<LabKmsCluster> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new LabKmsConfigError(`Invalid lab KMS cluster options: ${z.prettifyError(parsed.error)}`);
  const { nodeCount, host, dataDir, replicationLagMs } = parsed.data;
  const ports = parsed.data.ports ?? Array.from({ length: nodeCount }, () => 0);
  if (ports.length !== nodeCount) throw new LabKmsConfigError(`Got ${ports.length} ports for ${nodeCount} lab KMS nodes; give one per node.`);

  const ca = options.tls?.ca ?? createCertificateAuthority({ commonName: 'Keywatch Lab KMS CA' });
  const ids = Array.from({ length: nodeCount }, (_, i) => `kms-${i + 1}`);
  const sans = (id: string) => [...new Set([host, 'localhost', '127.0.0.1', '::1', `${id}.lab.keywatch.local`])];
  // One RSA key for all node certificates: RSA key generation dominates start-up time, and
  // the lab has nothing to gain from separate keys (each node still has its own certificate).
  const validCertificates = new Map<string, PemPair>();
  for (const id of ids) {
    const sharedKey = validCertificates.values().next().value?.keyPem;
    validCertificates.set(id, issueCertificate(ca, { commonName: id, kind: 'server', sans: sans(id), ...(sharedKey && { keyPem: sharedKey }) }));
  }
  const expiredCertificates = new Map<string, PemPair>();

  const nodes = new Map<string, LabKmsNode>();
  const pending = new Set<NodeJS.Timeout>();

  const replicate = (fromId: string, key: StoredKey) => {
    for (const [id, node] of nodes) {
      if (id === fromId) continue;
      const apply = () => {
        node.store.put(key);
        void node.store.flush().catch(() => undefined);
      };
      if (replicationLagMs === 0) {
        apply();
      } else {
        const timer = setTimeout(() => {
          pending.delete(timer);
          apply();
        }, replicationLagMs);
        pending.add(timer);
      }
    }
  };

  try {
    for (const [i, id] of ids.entries()) {
      const store = dataDir ? await KeyStore.open(path.join(dataDir, `${id}.json`)) : KeyStore.inMemory();
      const node = await LabKmsNode.start({
        id,
        host,
        port: ports[i] ?? 0,
        serverCertificate: validCertificates.get(id)!,
        caPem: ca.certPem,
        store,
        onKeyChanged: (key) => replicate(id, key),
      });
      nodes.set(id, node);
    }
  } catch (error) {
    await Promise.all([...nodes.values()].map((n) => n.stop()));
    const port = error && typeof error === 'object' && 'port' in error ? ` (port ${String(error.port)})` : '';
    throw new LabKmsConfigError(`The lab KMS cluster could not start${port}: ${error instanceof Error ? error.message : String(error)}`);
  }

  const nodeById = (id: string): LabKmsNode => {
    const node = nodes.get(id);
    if (!node) throw new LabKmsConfigError(`There is no lab KMS node "${id}"; the nodes are ${ids.join(', ')}.`);
    return node;
  };

  const expiredCertificateFor = (id: string): PemPair => {
    let pair = expiredCertificates.get(id);
    if (!pair) {
      const day = 86_400_000;
      pair = issueCertificate(ca, {
        commonName: id,
        kind: 'server',
        sans: sans(id),
        notBefore: new Date(Date.now() - 400 * day),
        notAfter: new Date(Date.now() - 2 * day),
        keyPem: validCertificates.get(id)!.keyPem,
      });
      expiredCertificates.set(id, pair);
    }
    return pair;
  };

  const faults: LabKmsFaults = {
    setNodeDown: async (id, down) => nodeById(id).setDown(down),
    setBlackHole: async (id, on, mode) => nodeById(id).setBlackHole(on, mode),
    setSlow: async (id, ms) => nodeById(id).setSlow(ms),
    setExpiredCertificate: async (id, on) => {
      const node = nodeById(id);
      if (node.faults.expiredCertificate === on) return;
      node.useCertificate(on ? expiredCertificateFor(id) : validCertificates.get(id)!, on);
    },
    deleteKeyOnNode: async (id, keyId) => {
      const node = nodeById(id);
      const removed = node.store.delete(keyId);
      await node.store.flush();
      return removed;
    },
    setPort: async (id, newPort) => {
      if (!Number.isInteger(newPort) || newPort < 0 || newPort > 65535) {
        throw new LabKmsConfigError(`Port ${newPort} is not a TCP port number (0–65535).`);
      }
      return nodeById(id).setPort(newPort);
    },
    clear: async (id) => {
      const node = nodeById(id);
      node.setBlackHole(false);
      node.setSlow(0);
      if (node.faults.expiredCertificate) node.useCertificate(validCertificates.get(id)!, false);
      await node.setDown(false);
    },
  };

  const info = (node: LabKmsNode): LabKmsNodeInfo => ({ id: node.id, host: node.host, port: node.port, status: node.status });

  return {
    get nodes() {
      return [...nodes.values()].map(info);
    },
    caPem: ca.certPem,
    issueClientCertificate: (commonName) => issueCertificate(ca, { commonName, kind: 'client' }),
    createKey: async (name) => {
      const first = nodes.get(ids[0]!)!;
      const created = first.store.create({
        objectType: ObjectType.SymmetricKey,
        algorithm: CryptographicAlgorithm.Aes,
        lengthBits: 256,
        usageMask: CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt,
        names: name === undefined ? [] : [name],
        owner: 'lab',
        activationDate: new Date(),
      });
      await first.store.flush();
      replicate(first.id, created);
      return created.id;
    },
    faults,
    state: () => ({
      replicationLagMs,
      pendingReplications: pending.size,
      nodes: [...nodes.values()].map((node) => ({
        ...info(node),
        faults: node.faults,
        keys: node.store.list().map((k) => ({ id: k.id, state: enumName(State, k.state), names: k.names })),
      })),
    }),
    stop: async () => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      await Promise.all([...nodes.values()].map((n) => n.stop()));
    },
  };
}
