/**
 * One read of one KMS provider: every node probed at once (TLS, DiscoverVersions, one batched
 * GetAttributes for every key the stored estate depends on). A node that does not answer is an
 * observation, not an error; only a provider that cannot be probed at all throws.
 */
import { probeKmsNode } from '../kmip/probe';
import type { KmsClientCredentials } from '../targets/store';
import type { KmsReading } from '../observations/readings';
import type { Db } from '../observations/table-writer';
import { PollConfigError } from './failure';

/** Every key id the stored estate (all vCenters) uses with this vCenter provider id. */
export async function keyIdsForProvider(db: Db, keyProviderId: string): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ keyId: string }[]>(`SELECT DISTINCT "keyId" FROM "VcKey" WHERE "providerId" = $1 ORDER BY "keyId"`, keyProviderId);
  return rows.map((r) => r.keyId);
}

export interface KmsReadOptions {
  /** Upper bound for each node's whole probe. */
  timeoutMs: number;
  now: Date;
}

export async function readKms(creds: KmsClientCredentials, keyIds: string[], opts: KmsReadOptions): Promise<KmsReading> {
  if (!creds.certPem || !creds.keyPem) {
    throw new PollConfigError(`KMS provider ${creds.name} has no client certificate yet, so Keywatch cannot authenticate to its nodes: upload one in Settings → Targets.`);
  }
  if (creds.nodes.length === 0) throw new PollConfigError(`KMS provider ${creds.name} has no nodes.`);
  const t = opts.timeoutMs;
  const timeouts = { connectMs: Math.min(3000, t), handshakeMs: Math.min(5000, t), responseMs: Math.max(1000, t - 3000) };
  const nodes = await Promise.all(
    creds.nodes.map((n) => probeKmsNode({ host: n.host, port: n.port, caPem: creds.caPem, certPem: creds.certPem!, keyPem: creds.keyPem!, timeouts }, { keyIds, now: opts.now })),
  );
  return { nodes, keyIds, requests: nodes.reduce((sum, n) => sum + n.roundTrips, 0) };
}
