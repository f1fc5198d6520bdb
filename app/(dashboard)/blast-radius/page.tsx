import { Suspense } from 'react';
import { isAllowed } from '@/lib/auth/policy';
import { blastRadiusQuerySchema, readBlastRadius } from '@/lib/blast-radius/blast-radius';
import { getEnv } from '@/lib/config/server-env';
import { getPrisma } from '@/lib/db/client';
import { staleAfterFromEnv } from '@/lib/poller/settings';
import { queryKeys } from '@/components/queries/keys';
import { ServerQueryData } from '@/components/queries/ServerQueryData';
import { requireSignedIn } from '../page-session';
import { BlastRadiusBoard } from './BlastRadiusBoard';
import { scenarioFromParams } from './scenario';

export const dynamic = 'force-dynamic';

export default async function BlastRadiusPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const session = await requireSignedIn();
  const params = await searchParams;
  const scenario = scenarioFromParams((name) => (typeof params[name] === 'string' ? (params[name] as string) : null));
  const query = blastRadiusQuerySchema.safeParse({ nodes: scenario.nodes.join(',') || undefined, provider: scenario.provider || undefined, host: scenario.host || undefined });
  let seed: unknown = null;
  // What GET /api/v1/blast-radius needs; a scenario it refuses is left to the board, which shows the API's answer.
  if (session && isAllowed(session.auth.principal, 'read') && query.success) {
    seed = await readBlastRadius(getPrisma(), query.data, { now: new Date(), freshnessLimitMs: staleAfterFromEnv(getEnv())('vcenter') }).catch(() => null);
  }
  const body = (
    <>
      <h1>Blast radius</h1>
      <p className="lede">Who depends on each key provider and KMS node — and what would not come back if one went down or a host rebooted. Computed from stored data; nothing is touched.</p>
      <Suspense fallback={<p className="loading">Loading the blast radius…</p>}>
        <BlastRadiusBoard />
      </Suspense>
    </>
  );
  return seed ? <ServerQueryData entries={[[queryKeys.blastRadius(scenario), JSON.parse(JSON.stringify(seed)) as unknown]]}>{body}</ServerQueryData> : body;
}
