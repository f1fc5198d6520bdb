import { recordAudit } from '@/lib/audit/record';
import { clientIp, idParams, jsonResponse, readParams } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { testVcenterConnection } from '@/lib/targets/test-connection';

export const dynamic = 'force-dynamic';

export const POST = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const result = await testVcenterConnection(prisma, getSecretBox(), id);
  await recordAudit(prisma, { actor, action: 'target.vcenter.test', outcome: result.ok ? 'success' : 'failure', target: { type: 'vcenter', id }, ip: clientIp(request), details: { message: result.message } });
  return jsonResponse(result);
});
