/**
 * What the routes and the worker need to act on a campaign's vCenter: a CampaignVcenter over a
 * VsphereClient opened from the stored target's credentials, and the live provider health check
 * (vCenter-wide, per host, and Keywatch's own KMIP probe of the registered KMS provider). Close it
 * when done.
 */
import type { PrismaClient } from '../db/client';
import { probeKmsNode } from '../kmip/probe';
import type { SecretBox } from '../secrets/keyring';
import { openKmsClientCredentials, openVcenterCredentials } from '../targets/store';
import { VsphereClient } from '../vsphere/client';
import { CampaignError } from './errors';
import { vcenterProviderHealthCheck, type KmipProviderProbe, type ProviderHealthCheck } from './health-check';
import { VsphereCampaignVcenter } from './vcenter';

export interface LiveVcenter {
  vcenter: VsphereCampaignVcenter;
  healthCheck: ProviderHealthCheck;
  close(): Promise<void>;
}

const PROBE_TIMEOUTS = { connectMs: 3000, handshakeMs: 5000, responseMs: 5000 };

/** Probes every node of the KMS provider registered for vCenter's `providerId`; null when none is (e.g. the NKP). */
export function storedKmipProbe(prisma: PrismaClient, box: SecretBox): KmipProviderProbe {
  return async (providerId) => {
    const rows = await prisma.kmsProvider.findMany({ where: { OR: [{ keyProviderId: providerId }, { keyProviderId: null, name: providerId }] }, select: { id: true } });
    if (rows.length === 0) return null;
    const creds = await openKmsClientCredentials(prisma, box, rows[0]!.id);
    if (!creds.certPem || !creds.keyPem) return { healthy: false, detail: `KMS provider ${creds.name} has no client certificate yet` };
    const probes = await Promise.all(
      creds.nodes.map((n) => probeKmsNode({ host: n.host, port: n.port, caPem: creds.caPem, certPem: creds.certPem!, keyPem: creds.keyPem!, timeouts: PROBE_TIMEOUTS })),
    );
    const down = probes.filter((p) => !p.reachable);
    return { healthy: down.length === 0, detail: down.length === 0 ? 'every node answers' : down.map((p) => `${p.endpoint}: ${p.error ?? 'unreachable'}`).join('; ') };
  };
}

export async function openLiveVcenter(prisma: PrismaClient, box: SecretBox, vcenterId: string, opts: { requestTimeoutMs?: number } = {}): Promise<LiveVcenter> {
  const target = await prisma.vcenterTarget.findUnique({ where: { id: vcenterId }, select: { id: true } });
  if (!target) throw new CampaignError('not-found', 404, `vCenter ${vcenterId} is not a registered target.`);
  const creds = await openVcenterCredentials(prisma, box, vcenterId);
  const client = new VsphereClient({ baseUrl: creds.url, username: creds.username, password: creds.password, caPem: creds.caPem ?? undefined, timeoutMs: opts.requestTimeoutMs ?? 30_000 });
  const vcenter = new VsphereCampaignVcenter(client);
  return { vcenter, healthCheck: vcenterProviderHealthCheck(vcenter, { kmipProbe: storedKmipProbe(prisma, box) }), close: () => client.close() };
}
