/**
 * What the readiness routes call: settings from the environment, the secret box, and the in-process
 * registry of running host actions (their follow-up runs in the web process; the row is the record).
 */
import type { PrismaClient } from '../db/client';
import { getEnv } from '../config/server-env';
import { staleAfterFromEnv } from '../poller/settings';
import { reasonOf } from '../logging/logger';
import { webLogger } from '../logging/web-logger';
import { getSecretBox } from '../secrets/keyring';
import { requestHostAction, type ActionCaller, type ActionOutcome, type ActionRecorder, type HostActionRequest } from './actions';
import { checkHostReadiness, type CheckResult } from './check';
import type { HostAction } from './input';
import { createReadinessSources, resolveHost } from './sources';

function freshnessLimitMs(): number {
  return staleAfterFromEnv(getEnv())('vcenter');
}

export async function readinessCheck(prisma: PrismaClient, hostIdOrName: string, action: HostAction): Promise<CheckResult & { host: { id: string; name: string; clusterId: string | null } }> {
  const host = await resolveHost(prisma, hostIdOrName);
  const sources = createReadinessSources({ prisma, box: getSecretBox(), vcenterId: host.vcenterId, freshnessLimitMs: freshnessLimitMs() });
  const startedAt = Date.now();
  try {
    const result = await checkHostReadiness(sources, host.moid, action);
    // Automation calls this before every patch step; the log is how an operator sees why it said no.
    webLogger().info({ host: host.name, action, verdict: result.verdict, blocking: result.blocking, ms: Date.now() - startedAt }, 'readiness check');
    return { ...result, host: { id: host.rowId, name: host.name, clusterId: host.clusterRowId } };
  } catch (error) {
    webLogger().warn({ host: host.name, action, reason: reasonOf(error), ms: Date.now() - startedAt }, 'readiness check could not run');
    throw error;
  } finally {
    await sources.close();
  }
}

const running = new Set<Promise<void>>();

export async function startHostActionFromApi(prisma: PrismaClient, hostIdOrName: string, request: HostActionRequest, caller: ActionCaller, recorder: ActionRecorder): Promise<Pick<ActionOutcome, 'status' | 'body'>> {
  const host = await resolveHost(prisma, hostIdOrName);
  const outcome = await requestHostAction({ prisma, box: getSecretBox(), logger: webLogger(), sources: { freshnessLimitMs: freshnessLimitMs() } }, host, request, caller, recorder);
  if (outcome.status === 202) {
    // Kept referenced until it settles so the follow-up is not an orphaned promise.
    running.add(outcome.settled);
    void outcome.settled.finally(() => running.delete(outcome.settled));
  }
  return { status: outcome.status, body: outcome.body };
}
