/**
 * The executor's step for a vSAN KEK or host key item, after the campaign's VMs: both providers
 * healthy from every host involved → the change through vCenter (vSAN cluster reconfiguration to
 * the target provider / a host key generated on the target and set with ChangeKey_Task) → the task
 * followed → a live read verifies (the KEK / host key on the target provider, vSAN no longer
 * changing, the host crypto `safe`). An unhealthy provider puts the item back and pauses the
 * campaign; a failure is classified like a VM's.
 */
import { isVsphereError } from '../vsphere/errors';
import { classifyFailure } from './failure-classes';
import { runHealthCheck, type ProviderHealthCheck } from './health-check';
import type { KeyRef } from './inventory';
import type { FailureClass } from './model';
import type { CampaignVcenter } from './vcenter';

export interface InfraItem {
  id: string;
  kind: string;
  entityMoid: string;
  entityName: string;
  clusterMoid: string | null;
}

export type InfraOutcome =
  | { outcome: 'verified'; key: KeyRef; taskId: string }
  | { outcome: 'failed'; failureClass: FailureClass; errorText: string; key: KeyRef | null }
  | { outcome: 'unhealthy'; reason: string };

export interface InfraDeps {
  vcenter: CampaignVcenter;
  healthCheck: ProviderHealthCheck;
  taskTimeoutMs?: number;
  taskPollIntervalMs?: number;
  /** Hosts of a cluster (the vSAN KEK is fetched by each of them). */
  hostsOfCluster: (clusterMoid: string) => Promise<string[]>;
  audit: (step: string, outcome: 'success' | 'failure', details: Record<string, unknown>) => Promise<void>;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function readKey(vcenter: CampaignVcenter, item: InfraItem): Promise<{ key: KeyRef | null; problem: string | null }> {
  if (item.kind === 'vsan-kek') {
    const kek = await vcenter.readVsanKek(item.entityMoid);
    if (!kek) return { key: null, problem: `cluster ${item.entityName} is not in vCenter's inventory any more` };
    return { key: kek.key, problem: kek.changing ? 'vSAN still reports the encryption change in progress (changing)' : kek.key ? null : 'vSAN encryption is off' };
  }
  const host = await vcenter.readHostKey(item.entityMoid);
  if (!host) return { key: null, problem: `host ${item.entityName} is not in vCenter's inventory any more` };
  return { key: host.key, problem: host.cryptoState === 'safe' ? null : `the host is crypto ${host.cryptoState ?? 'unknown'}, not safe` };
}

export async function rekeyInfraItem(deps: InfraDeps, item: InfraItem, providers: { source: string; target: string }): Promise<InfraOutcome> {
  const hosts = item.kind === 'vsan-kek' ? await deps.hostsOfCluster(item.clusterMoid ?? item.entityMoid) : [item.entityMoid];
  const health = await runHealthCheck(deps.healthCheck, { providerIds: [providers.source, providers.target], hostMoids: hosts });
  const unhealthy = health.filter((h) => !h.healthy);
  await deps.audit('health-check', unhealthy.length ? 'failure' : 'success', { item: item.id, hosts, results: health });
  if (unhealthy.length) return { outcome: 'unhealthy', reason: `Paused before ${item.entityName}: ${unhealthy.flatMap((h) => h.problems).join(' ')}` };

  let taskId = '';
  try {
    if (item.kind === 'vsan-kek') {
      taskId = await deps.vcenter.startVsanKekRekey(item.entityMoid, providers.target);
    } else {
      const key = await deps.vcenter.generateKey(providers.target);
      taskId = await deps.vcenter.startHostKeyChange(item.entityMoid, key);
    }
    await deps.vcenter.waitForTask(taskId, { timeoutMs: deps.taskTimeoutMs ?? 30 * 60_000, pollIntervalMs: deps.taskPollIntervalMs });
  } catch (error) {
    const text = errorText(error);
    await deps.audit('rekey', 'failure', { item: item.id, error: text, taskId: taskId || undefined });
    const after = await readKey(deps.vcenter, item).catch(() => ({ key: null }));
    const failureClass = classifyFailure({ message: text, faultType: isVsphereError(error) ? (error.faultType ?? null) : null, errorKind: isVsphereError(error) ? error.kind : null });
    return { outcome: 'failed', failureClass, errorText: text, key: after.key };
  }
  await deps.audit('rekey', 'success', { item: item.id, taskId, target: providers.target });

  const after = await readKey(deps.vcenter, item);
  const problems = [after.problem, after.key?.providerId === providers.target ? null : `the key is on provider ${after.key?.providerId ?? '(none)'}, not ${providers.target}`].filter(
    (p): p is string => p !== null,
  );
  await deps.audit('verify', problems.length ? 'failure' : 'success', { item: item.id, key: after.key, problems });
  if (problems.length || !after.key) return { outcome: 'failed', failureClass: 'OTHER', errorText: `Verification after the rekey failed: ${problems.join('; ')}.`, key: after.key };
  return { outcome: 'verified', key: after.key, taskId };
}
