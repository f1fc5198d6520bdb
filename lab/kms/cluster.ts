/**
 * A lab KMS cluster: N equivalent KMIP nodes, each on its own loopback address as in a real
 * estate, that replicate every key change to each other after a configurable lag, plus the fault
 * knobs behind the seeds' outages (node down, black hole, slow node, expired or soon-expiring
 * server certificate, key missing on one node, node moved to another port, replication lag).
 * The lab vCenter and `npm run lab` build on this API; see README.md.
 */
import path from 'node:path';
import { z } from 'zod';
import { CryptographicAlgorithm, CryptographicUsageMask, enumName, ObjectType, State } from '@/lib/kmip/enums';
import { createCertificateAuthority, type PemPair } from '@/lib/pki/certificates';
import { KeyStore, type StoredKey } from './key-store';
import { LabKmsCertificates, type LabClientCertificateOptions } from './lab-certificates';
import { LabKmsNode, type BlackHoleMode, type LabKmsNodeFaults, type LabKmsNodeStatus } from './node';

const MAX_NODES = 16;

/**
 * Where node `index` (0-based) listens unless told otherwise: 127.0.0.11, 127.0.0.12, … (all of
 * 127/8 is loopback on Linux), so each node has an address of its own for its appliance VM to
 * report, as KMS nodes have in a real estate.
 */
export function defaultNodeAddress(index: number): string {
  return `127.0.0.${11 + index}`;
}

const replicationLagSchema = z.number().min(0).max(3_600_000);

const optionsSchema = z.object({
  nodeCount: z.number().int().min(1).max(MAX_NODES).default(3),
  host: z.string().min(1).optional(),
  hosts: z.array(z.string().min(1)).optional(),
  ports: z.array(z.number().int().min(0).max(65535)).optional(),
  dataDir: z.string().min(1).optional(),
  replicationLagMs: replicationLagSchema.default(0),
});

export interface StartKmsClusterOptions {
  nodeCount?: number;
  /** Every node listens on this one address (instead of an address of its own). */
  host?: string;
  /** One listening address per node; default defaultNodeAddress(i): 127.0.0.11, 127.0.0.12, … */
  hosts?: string[];
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
  /** The IP address the node listens on and its certificate names: what its appliance VM reports as guest IP. */
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
  /**
   * The node presents a certificate that expires `days` from now (days-left reads `days` for the
   * next 12 hours), or its normal one again with null. Open sessions are cut either way.
   */
  setCertificateExpiring(id: string, days: number | null): Promise<void>;
  /** Key changes from now on reach the other nodes only after `ms` (0 = at once). Cluster-wide. */
  setReplicationLag(ms: number): Promise<void>;
  /** Removes a key from one node only: a replication gap. Returns whether it was there. */
  deleteKeyOnNode(id: string, keyId: string): Promise<boolean>;
  /** Moves the node to another port (0 = any free port); returns the new port. */
  setPort(id: string, newPort: number): Promise<number>;
  /** Clears down / black hole / slow / expired or expiring certificate on one node (the port and the replication lag stay). */
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
  /** A client certificate the nodes accept; `expiresInDays` makes one near its expiry. */
  issueClientCertificate(commonName: string, options?: LabClientCertificateOptions): PemPair;
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
  const { nodeCount, host, hosts, dataDir } = parsed.data;
  let replicationLagMs = parsed.data.replicationLagMs;
  const ports = parsed.data.ports ?? Array.from({ length: nodeCount }, () => 0);
  if (ports.length !== nodeCount) throw new LabKmsConfigError(`Got ${ports.length} ports for ${nodeCount} lab KMS nodes; give one per node.`);
  if (host !== undefined && hosts !== undefined) throw new LabKmsConfigError('Give either host (one address for every node) or hosts (one per node), not both.');
  if (hosts !== undefined && hosts.length !== nodeCount) throw new LabKmsConfigError(`Got ${hosts.length} addresses for ${nodeCount} lab KMS nodes; give one per node.`);
  const addressOf = (i: number): string => hosts?.[i] ?? host ?? defaultNodeAddress(i);

  const ca = options.tls?.ca ?? createCertificateAuthority({ commonName: 'Keywatch Lab KMS CA' });
  const ids = Array.from({ length: nodeCount }, (_, i) => `kms-${i + 1}`);
  const certificates = new LabKmsCertificates(
    ca,
    ids.map((id, i) => ({ id, address: addressOf(i) })),
  );

  const nodes = new Map<string, LabKmsNode>();
  // Copies in flight under a replication lag. A copy travels with the lag in force: changing the
  // lag re-times the copies already sent (lag 0 = the nodes catch up now), as a KMS whose
  // replication link recovers delivers its backlog.
  interface PendingCopy {
    sentAt: number;
    apply: () => void;
    timer?: NodeJS.Timeout;
  }
  const pending = new Set<PendingCopy>();
  const deliver = (copy: PendingCopy) => {
    const wait = copy.sentAt + replicationLagMs - Date.now();
    if (wait <= 0) {
      pending.delete(copy);
      copy.apply();
      return;
    }
    pending.add(copy);
    copy.timer = setTimeout(() => {
      pending.delete(copy);
      copy.apply();
    }, wait);
  };

  // Changes are numbered so that a copy delayed under an earlier, longer lag never overwrites a
  // later change that reached the node first (the lag can change while copies are in flight).
  let changeSeq = 0;
  const newestApplied = new Map<string, number>(); // `${nodeId} ${keyId}` → change number
  const applyIfNewer = (node: LabKmsNode, key: StoredKey, seq: number) => {
    const slot = `${node.id} ${key.id}`;
    if ((newestApplied.get(slot) ?? 0) > seq) return;
    newestApplied.set(slot, seq);
    node.store.put(key);
    void node.store.flush().catch(() => undefined);
  };

  const replicate = (fromId: string, key: StoredKey) => {
    const seq = ++changeSeq;
    newestApplied.set(`${fromId} ${key.id}`, seq);
    for (const [id, node] of nodes) {
      if (id === fromId) continue;
      if (replicationLagMs === 0) applyIfNewer(node, key, seq);
      else deliver({ sentAt: Date.now(), apply: () => applyIfNewer(node, key, seq) });
    }
  };

  try {
    for (const [i, id] of ids.entries()) {
      const store = dataDir ? await KeyStore.open(path.join(dataDir, `${id}.json`)) : KeyStore.inMemory();
      const node = await LabKmsNode.start({
        id,
        host: addressOf(i),
        port: ports[i] ?? 0,
        serverCertificate: certificates.server(id, 'valid'),
        caPem: ca.certPem,
        store,
        onKeyChanged: (key) => replicate(id, key),
      });
      nodes.set(id, node);
    }
  } catch (error) {
    await Promise.all([...nodes.values()].map((n) => n.stop()));
    const port = error && typeof error === 'object' && 'port' in error ? ` (port ${String(error.port)})` : '';
    // Linux routes all of 127/8 to loopback; other systems only 127.0.0.1 unless aliases are added.
    const hint =
      (error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL' && hosts === undefined && host === undefined
        ? ` This system does not treat ${defaultNodeAddress(0)} and up as loopback addresses; give the nodes one address (host: '127.0.0.1', or npm run lab -- --kms-hosts).`
        : '';
    throw new LabKmsConfigError(`The lab KMS cluster could not start${port}: ${error instanceof Error ? error.message : String(error)}.${hint}`);
  }

  const nodeById = (id: string): LabKmsNode => {
    const node = nodes.get(id);
    if (!node) throw new LabKmsConfigError(`There is no lab KMS node "${id}"; the nodes are ${ids.join(', ')}.`);
    return node;
  };

  const faults: LabKmsFaults = {
    setNodeDown: async (id, down) => nodeById(id).setDown(down),
    setBlackHole: async (id, on, mode) => nodeById(id).setBlackHole(on, mode),
    setSlow: async (id, ms) => nodeById(id).setSlow(ms),
    setExpiredCertificate: async (id, on) => {
      const node = nodeById(id);
      if (node.faults.expiredCertificate === on) return;
      const kind = on ? 'expired' : 'valid';
      node.useCertificate(certificates.server(id, kind), kind);
    },
    setCertificateExpiring: async (id, days) => {
      const node = nodeById(id);
      if (days === null) {
        if (node.faults.certificateExpiresInDays !== null) node.useCertificate(certificates.server(id, 'valid'), 'valid');
        return;
      }
      if (!Number.isFinite(days) || days < 0) throw new LabKmsConfigError(`A certificate cannot expire in ${days} days; give a number of days of 0 or more.`);
      const kind = { expiresInDays: days };
      node.useCertificate(certificates.server(id, kind), kind);
    },
    setReplicationLag: async (ms) => {
      const parsedLag = replicationLagSchema.safeParse(ms);
      if (!parsedLag.success) throw new LabKmsConfigError(`Replication lag must be 0–3,600,000 ms, got ${ms}.`);
      replicationLagMs = parsedLag.data;
      for (const copy of [...pending]) {
        clearTimeout(copy.timer);
        pending.delete(copy);
        deliver(copy);
      }
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
      if (node.faults.expiredCertificate || node.faults.certificateExpiresInDays !== null) node.useCertificate(certificates.server(id, 'valid'), 'valid');
      await node.setDown(false);
    },
  };

  const info = (node: LabKmsNode): LabKmsNodeInfo => ({ id: node.id, host: node.host, port: node.port, status: node.status });

  return {
    get nodes() {
      return [...nodes.values()].map(info);
    },
    caPem: ca.certPem,
    issueClientCertificate: (commonName, clientOptions) => certificates.client(commonName, clientOptions),
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
      for (const copy of pending) clearTimeout(copy.timer);
      pending.clear();
      await Promise.all([...nodes.values()].map((n) => n.stop()));
    },
  };
}
