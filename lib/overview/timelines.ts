/**
 * The history page's two timelines that are not time series: when every KMS server and client
 * certificate expires (from the last probes and the stored client certificates), and each host's
 * alerts as intervals from first seen to resolved (or still open).
 */
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import { daysLeft } from '../alerts/catalog';
import { parseCertificateChain } from '../pki/certificates';
import { effectiveKeyProviderId } from '../targets/store';

export interface CertificateExpiry {
  kind: 'server' | 'client';
  /** The key provider (vCenter's id) it belongs to. */
  providerId: string;
  /** The node endpoint for a server certificate; the KMS target's name for Keywatch's client certificate. */
  entity: string;
  subject: string | null;
  notAfter: string;
  daysLeft: number;
}

export async function certificateTimeline(prisma: PrismaClient, now: Date): Promise<CertificateExpiry[]> {
  const targets = await prisma.kmsProvider.findMany({
    select: { id: true, name: true, keyProviderId: true, clientCertPem: true, nodeStates: { select: { endpoint: true, serverCertSubject: true, serverCertNotAfter: true } } },
  });
  const out: CertificateExpiry[] = [];
  for (const t of targets) {
    const providerId = effectiveKeyProviderId(t);
    for (const n of t.nodeStates) {
      if (!n.serverCertNotAfter) continue;
      out.push({ kind: 'server', providerId, entity: n.endpoint, subject: n.serverCertSubject, notAfter: n.serverCertNotAfter.toISOString(), daysLeft: daysLeft(n.serverCertNotAfter, now) });
    }
    // A client certificate that does not parse is the targets page's problem; the timeline skips it.
    const leaf = t.clientCertPem ? (() => { try { return parseCertificateChain(t.clientCertPem, now)[0]; } catch { return undefined; } })() : undefined;
    if (leaf) out.push({ kind: 'client', providerId, entity: t.name, subject: leaf.subject, notAfter: leaf.notAfter.toISOString(), daysLeft: daysLeft(leaf.notAfter, now) });
  }
  return out.sort((a, b) => a.notAfter.localeCompare(b.notAfter) || a.entity.localeCompare(b.entity));
}

export const hostAlertsQuerySchema = z.object({
  /** Host row id or name. */
  host: z.string().trim().min(1).max(300),
  range: z.enum(['1h', '24h', '7d', '30d']).default('7d'),
});
export type HostAlertsQuery = z.infer<typeof hostAlertsQuerySchema>;

const RANGE_MS = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;

export interface HostAlertTimeline {
  host: { id: string; name: string } | null;
  from: string;
  to: string;
  alerts: { id: string; kind: string; severity: string; title: string; from: string; to: string | null; open: boolean }[];
}

/** Alerts about the host (by entity id, or about one of its disk groups / VMs) that overlap the window. */
export async function hostAlertTimeline(prisma: PrismaClient, query: HostAlertsQuery, now: Date): Promise<HostAlertTimeline> {
  const from = new Date(now.getTime() - RANGE_MS[query.range]);
  const host =
    (await prisma.vcHost.findUnique({ where: { id: query.host }, select: { id: true, name: true } })) ??
    (await prisma.vcHost.findFirst({ where: { name: { equals: query.host, mode: 'insensitive' } }, select: { id: true, name: true }, orderBy: { id: 'asc' } }));
  if (!host) return { host: null, from: from.toISOString(), to: now.toISOString(), alerts: [] };
  // Entities inside a host carry its row id as a prefix ("<host row id>:<disk group uuid>"); a VM is
  // its own entity and names the host it was on in its details (as the rules serialize them).
  const rows = await prisma.alert.findMany({
    where: {
      OR: [
        { entityId: host.id },
        { entityId: { startsWith: `${host.id}:` } },
        { entityId: { startsWith: `${host.id}|` } },
        { entityType: 'vm', details: { contains: `"hostId":${JSON.stringify(host.id)}` } },
      ],
      firstSeenAt: { lte: now },
      AND: [{ OR: [{ resolvedAt: null }, { resolvedAt: { gte: from } }] }],
    },
    orderBy: { firstSeenAt: 'asc' },
    take: 500,
  });
  return {
    host,
    from: from.toISOString(),
    to: now.toISOString(),
    alerts: rows.map((a) => ({
      id: a.id,
      kind: a.kind,
      severity: a.severity,
      title: a.title,
      from: (a.firstSeenAt < from ? from : a.firstSeenAt).toISOString(),
      to: a.resolvedAt?.toISOString() ?? null,
      open: a.state === 'open',
    })),
  };
}
