import { NextResponse } from 'next/server';
import { getEnv } from '@/lib/config/server-env';
import { getPrisma } from '@/lib/db/client';
import { readHealth } from '@/lib/health/status';

export const dynamic = 'force-dynamic';

export async function GET() {
  const report = await readHealth(getPrisma(), { staleMs: getEnv().KEYWATCH_WORKER_STALE_MS });
  return NextResponse.json(report, {
    status: report.database.status === 'ok' ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
  });
}
