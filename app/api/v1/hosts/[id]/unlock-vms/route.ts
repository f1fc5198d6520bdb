import { z } from 'zod';
import { readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { unlockHostVms } from '@/lib/recovery/unlock';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

const params = z.object({ id: z.string().min(1).max(300) });

/** 200 when every locked VM was unlocked; 409 with the same report when a VM stopped the run. */
export const POST = withPolicy(async (_request, context, { prisma, audit }) => {
  const { id } = await readParams(context, params);
  const report = await unlockHostVms({ prisma, box: getSecretBox() }, id, async (step) => {
    const failed = step.outcome === 'refused' || step.outcome === 'failed';
    await audit('vm.unlock', { type: 'vm', id: step.vmId }, { vm: step.vmName, host: id, outcome: step.outcome, ...(step.message && { reason: step.message }) }, failed ? { outcome: step.outcome === 'refused' ? 'denied' : 'failure' } : undefined);
  });
  await audit('host.unlock-vms', { type: 'host', id }, { host: report.hostName, unlocked: report.steps.filter((s) => s.outcome === 'unlocked').length, complete: report.complete }, report.complete ? undefined : { outcome: 'failure' });
  return jsonResponse(report, { status: report.complete ? 200 : 409 });
});
