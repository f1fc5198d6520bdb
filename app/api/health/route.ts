import { NextResponse } from 'next/server';
import { getEnv } from '@/lib/config/server-env';
import { getPrisma } from '@/lib/db/client';
import { readHealth } from '@/lib/health/status';
import { readProcessState } from '@/lib/runtime/process-state';

export const dynamic = 'force-dynamic';

export async function GET() {
  const env = getEnv();
  const report = await readHealth(getPrisma(), { staleMs: env.KEYWATCH_WORKER_STALE_MS, processes: readProcessState(env.dataDir) });
  return NextResponse.json(report, {
    status: report.database.status === 'ok' ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
  });
}
