import { z } from 'zod';
import { recordAudit } from '@/lib/audit/record';
import { clientIp, jsonResponse, readParams } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { testVcenterConnection } from '@/lib/targets/test-connection';

export const dynamic = 'force-dynamic';

export const POST = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, z.object({ id: z.string().min(1).max(100) }));
  const result = await testVcenterConnection(prisma, getSecretBox(), id);
  await recordAudit(prisma, { actor, action: 'target.vcenter.test', outcome: result.ok ? 'success' : 'failure', target: { type: 'vcenter', id }, ip: clientIp(request), details: { message: result.message } });
  return jsonResponse(result);
});
