import { idParams, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { testVcenterConnection } from '@/lib/targets/test-connection';

export const dynamic = 'force-dynamic';

export const POST = withPolicy(async (_request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const result = await testVcenterConnection(prisma, getSecretBox(), id);
  await audit('target.vcenter.test', { type: 'vcenter', id }, { message: result.message }, { outcome: result.ok ? 'success' : 'failure' });
  return jsonResponse(result);
});
