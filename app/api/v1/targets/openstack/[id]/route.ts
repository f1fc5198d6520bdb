import { idParams, readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { openstackCloudUpdateSchema } from '@/lib/targets/schemas';
import { deleteOpenstackCloud, getOpenstackCloud, updateOpenstackCloud } from '@/lib/targets/openstack-store';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  return jsonResponse({ cloud: await getOpenstackCloud(prisma, id) });
});

export const PATCH = withPolicy(async (request, context, { transaction }) => {
  const { id } = await readParams(context, idParams);
  const input = await readJsonBody(request, openstackCloudUpdateSchema, 128 * 1024);
  const cloud = await transaction(async (tx, audit) => {
    const { cloud: updated, changes } = await updateOpenstackCloud(tx, getSecretBox(), id, input);
    await audit('target.openstack.update', { type: 'openstack', id }, { name: updated.name, changes });
    return updated;
  });
  return jsonResponse({ cloud });
});

export const DELETE = withPolicy(async (_request, context, { transaction }) => {
  const { id } = await readParams(context, idParams);
  await transaction(async (tx, audit) => {
    const { name } = await deleteOpenstackCloud(tx, id);
    await audit('target.openstack.delete', { type: 'openstack', id }, { name });
  });
  return jsonResponse({ deleted: true });
});
