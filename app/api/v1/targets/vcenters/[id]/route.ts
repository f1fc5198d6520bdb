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

export const PATCH = withPolicy(async (request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const input = await readJsonBody(request, vcenterUpdateSchema, 128 * 1024);
  const vcenter = await updateVcenter(prisma, getSecretBox(), id, input);
  const changed = Object.keys(input);
  await audit('target.vcenter.update', { type: 'vcenter', id }, { name: vcenter.name, changed });
  return jsonResponse({ vcenter });
});

export const DELETE = withPolicy(async (_request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const { name } = await deleteVcenter(prisma, id);
  await audit('target.vcenter.delete', { type: 'vcenter', id }, { name });
  return jsonResponse({ deleted: true });
});
