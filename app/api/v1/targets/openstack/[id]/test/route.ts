import { idParams, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { recordOpenstackTest } from '@/lib/targets/openstack-store';
import { testOpenstackConnection } from '@/lib/targets/test-connection';

export const dynamic = 'force-dynamic';

export const POST = withPolicy(async (_request, context, { prisma, transaction }) => {
  const { id } = await readParams(context, idParams);
  const result = await testOpenstackConnection(prisma, getSecretBox(), id);
  await transaction(async (tx, audit) => {
    await recordOpenstackTest(tx, id, result);
    await audit('target.openstack.test', { type: 'openstack', id }, { message: result.message }, { outcome: result.ok ? 'success' : 'failure' });
  });
  return jsonResponse(result);
});
