/**
 * GET /api/v1/blast-radius: who depends on each key provider and KMS node and, given a scenario
 * (nodes or a provider assumed down, a host assumed rebooting), which hosts would turn BLOCKED and
 * which disk groups and VMs would not come back — from stored data, nothing touched.
 */
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import { DomainError } from '../http/errors';
import { loadStoredEstate } from '../readiness/stored-estate';
import { providerDependents, type ProviderDependents } from './dependencies';
import { scenarioOutcome, type LostAfterReboot, type ScenarioOutcome } from './what-if';

/** A scenario naming something Keywatch does not know (code 'invalid' → HTTP 400). */
export class BlastRadiusError extends DomainError<'invalid'> {
  override name = 'BlastRadiusError';
  constructor(field: 'nodes' | 'provider' | 'host', message: string) {
    super('invalid', 400, message, { field });
  }
}

const ENDPOINT = /^[A-Za-z0-9.\-[\]:]{1,250}:\d{1,5}$/;

export const blastRadiusQuerySchema = z.object({
  /** KMS node endpoints ("host:port"), comma-separated. */
  nodes: z
    .string()
    .max(4000)
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : []))
    .pipe(z.array(z.string().regex(ENDPOINT, 'is not a host:port endpoint')).max(64, 'names more than 64 nodes')),
  /** A key provider id as vCenter names it. */
  provider: z.string().trim().min(1).max(200).optional(),
  /** A host row id or host name. */
  host: z.string().trim().min(1).max(300).optional(),
});
export type BlastRadiusQuery = z.infer<typeof blastRadiusQuerySchema>;

/** Lists in the answer are cut here (with the full count alongside), so 2,500 hosts stay a small answer. */
const LIST_LIMIT = 500;

export interface BlastRadiusView {
  generatedAt: string;
  providers: ProviderDependents[];
  scenario: {
    nodes: string[];
    provider: string | null;
    host: { id: string; name: string } | null;
    turnsBlocked: ScenarioOutcome['turnsBlocked'];
    turnsBlockedTotal: number;
    blockedTotal: number;
    wouldNotComeBack: LostAfterReboot[];
    wouldNotComeBackTotal: number;
    diskGroupsLost: number;
    vmsLost: number;
  } | null;
}

export async function readBlastRadius(prisma: PrismaClient, query: BlastRadiusQuery, options: { now: Date; freshnessLimitMs: number }): Promise<BlastRadiusView> {
  const estate = await loadStoredEstate(prisma, options);
  const providers = providerDependents(estate);
  const knownNodes = new Set(providers.flatMap((p) => p.nodes.map((n) => n.endpoint)));
  const unknownNode = query.nodes.find((n) => !knownNodes.has(n));
  if (unknownNode) throw new BlastRadiusError('nodes', `No KMS node ${unknownNode} is known to Keywatch; nodes are named host:port as in the key providers page.`);
  if (query.provider && !providers.some((p) => p.id === query.provider)) {
    throw new BlastRadiusError('provider', `No key provider ${query.provider} is known to Keywatch (${providers.map((p) => p.id).join(', ') || 'none yet'}).`);
  }
  let host: { id: string; name: string } | null = null;
  if (query.host) {
    const wanted = query.host.toLowerCase();
    const matches = estate.hosts.filter((h) => h.rowId === query.host || h.facts.name.toLowerCase() === wanted);
    if (matches.length === 0) throw new BlastRadiusError('host', `No host ${query.host} is known to Keywatch (by id or name).`);
    if (matches.length > 1) throw new BlastRadiusError('host', `"${query.host}" names hosts in more than one vCenter; use the host id.`);
    host = { id: matches[0]!.rowId, name: matches[0]!.facts.name };
  }
  const asked = query.nodes.length > 0 || query.provider !== undefined || host !== null;
  if (!asked) return { generatedAt: options.now.toISOString(), providers, scenario: null };
  const outcome = scenarioOutcome(estate, { nodes: query.nodes, provider: query.provider ?? null, host: host?.id ?? null });
  return {
    generatedAt: options.now.toISOString(),
    providers,
    scenario: {
      nodes: query.nodes,
      provider: query.provider ?? null,
      host,
      turnsBlocked: outcome.turnsBlocked.slice(0, LIST_LIMIT),
      turnsBlockedTotal: outcome.turnsBlocked.length,
      blockedTotal: outcome.blockedTotal,
      wouldNotComeBack: outcome.wouldNotComeBack.slice(0, LIST_LIMIT),
      wouldNotComeBackTotal: outcome.wouldNotComeBack.length,
      diskGroupsLost: outcome.wouldNotComeBack.reduce((n, l) => n + l.diskGroups.length, 0),
      vmsLost: outcome.wouldNotComeBack.reduce((n, l) => n + l.vms.length, 0),
    },
  };
}
