import { recordAudit } from '@/lib/audit/record';
import { clientIp, idParams, jsonResponse, readParams } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { testKmsConnection } from '@/lib/targets/test-connection';

export const dynamic = 'force-dynamic';

export const POST = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const result = await testKmsConnection(prisma, getSecretBox(), id);
  await recordAudit(prisma, { actor, action: 'target.kms.test', outcome: result.ok ? 'success' : 'failure', target: { type: 'kms-provider', id }, ip: clientIp(request), details: { message: result.message } });
  return jsonResponse(result);
});
