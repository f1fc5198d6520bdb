import { idParams, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { testKmsConnection } from '@/lib/targets/test-connection';

export const dynamic = 'force-dynamic';

export const POST = withPolicy(async (_request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const result = await testKmsConnection(prisma, getSecretBox(), id);
  await audit('target.kms.test', { type: 'kms-provider', id }, { message: result.message }, { outcome: result.ok ? 'success' : 'failure' });
  return jsonResponse(result);
});
