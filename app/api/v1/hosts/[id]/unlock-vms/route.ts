import { z } from 'zod';
import { readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { unlockHostVms } from '@/lib/recovery/unlock';
import { getSecretBox } from '@/lib/secrets/keyring';
import { webLogger } from '@/lib/logging/web-logger';

export const dynamic = 'force-dynamic';

const params = z.object({ id: z.string().min(1).max(300) });

/** 200 when every locked VM was unlocked; 409 with the same report and `error` (where and why it stopped) otherwise. */
export const POST = withPolicy(async (_request, context, { prisma, audit }) => {
  const { id } = await readParams(context, params);
  const report = await unlockHostVms({ prisma, box: getSecretBox() }, id, async (step) => {
    const failed = step.outcome === 'refused' || step.outcome === 'failed';
    // One line per VM: unlocking a host's VMs is long work, and the log shows how far it got.
    webLogger()[failed ? 'warn' : 'info']({ host: id, vm: step.vmName, outcome: step.outcome, ...(step.message && { reason: step.message }) }, 'VM unlock');
    await audit('vm.unlock', { type: 'vm', id: step.vmId }, { vm: step.vmName, host: id, outcome: step.outcome, ...(step.message && { reason: step.message }) }, failed ? { outcome: step.outcome === 'refused' ? 'denied' : 'failure' } : undefined);
  });
  await audit('host.unlock-vms', { type: 'host', id }, { host: report.hostName, unlocked: report.steps.filter((s) => s.outcome === 'unlocked').length, complete: report.complete }, report.complete ? undefined : { outcome: 'failure' });
  if (report.complete) return jsonResponse(report);
  const stopped = report.steps[report.steps.length - 1]!;
  const error = `Stopped at ${stopped.vmName} after ${report.steps.length - 1} unlocked; ${report.notAttempted.length} not attempted. ${stopped.message ?? ''}`.trim();
  return jsonResponse({ ...report, error }, { status: 409 });
});
