import { z } from 'zod';
import { readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { RecoveryError, unlockVm } from '@/lib/recovery/unlock';
import { getSecretBox } from '@/lib/secrets/keyring';
import { reasonOf } from '@/lib/logging/logger';
import { webLogger } from '@/lib/logging/web-logger';

export const dynamic = 'force-dynamic';

const params = z.object({ id: z.string().min(1).max(300) });
const body = z.object({ action: z.literal('unlock') }).strict();

export const POST = withPolicy(async (request, context, { prisma, audit }) => {
  const { id } = await readParams(context, params);
  await readJsonBody(request, body);
  const target = { type: 'vm', id };
  try {
    const result = await unlockVm({ prisma, box: getSecretBox() }, id);
    await audit('vm.unlock', target, { vm: result.vmName, outcome: result.outcome, taskId: result.taskId });
    webLogger().info({ vm: result.vmName, outcome: result.outcome, task: result.taskId }, 'VM unlock');
    return jsonResponse(result);
  } catch (err) {
    webLogger().warn({ vm: id, reason: reasonOf(err) }, 'VM unlock refused or failed');
    if (err instanceof RecoveryError && err.code !== 'not-found') await audit('vm.unlock', target, { reason: err.message, code: err.code }, { outcome: err.code === 'keys-unavailable' ? 'denied' : 'failure' });
    throw err;
  }
});
