import { idParams, readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { vcenterUpdateSchema } from '@/lib/targets/schemas';
import { deleteVcenter, getVcenter, updateVcenter } from '@/lib/targets/store';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  return jsonResponse({ vcenter: await getVcenter(prisma, id) });
});

export const PATCH = withPolicy(async (request, context, { transaction }) => {
  const { id } = await readParams(context, idParams);
  const input = await readJsonBody(request, vcenterUpdateSchema, 128 * 1024);
  const vcenter = await transaction(async (tx, audit) => {
    const { vcenter: updated, changes } = await updateVcenter(tx, getSecretBox(), id, input);
    await audit('target.vcenter.update', { type: 'vcenter', id }, { name: updated.name, changes });
    return updated;
  });
  return jsonResponse({ vcenter });
});

export const DELETE = withPolicy(async (_request, context, { transaction }) => {
  const { id } = await readParams(context, idParams);
  await transaction(async (tx, audit) => {
    const { name } = await deleteVcenter(tx, id);
    await audit('target.vcenter.delete', { type: 'vcenter', id }, { name });
  });
  return jsonResponse({ deleted: true });
});
