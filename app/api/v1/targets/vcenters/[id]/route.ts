import { recordAudit } from '@/lib/audit/record';
import { clientIp, idParams, jsonResponse, readJsonBody, readParams } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { vcenterUpdateSchema } from '@/lib/targets/schemas';
import { deleteVcenter, getVcenter, updateVcenter } from '@/lib/targets/store';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  return jsonResponse({ vcenter: await getVcenter(prisma, id) });
});

export const PATCH = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const input = await readJsonBody(request, vcenterUpdateSchema, 128 * 1024);
  const vcenter = await updateVcenter(prisma, getSecretBox(), id, input);
  const changed = Object.keys(input);
  await recordAudit(prisma, { actor, action: 'target.vcenter.update', outcome: 'success', target: { type: 'vcenter', id }, ip: clientIp(request), details: { name: vcenter.name, changed } });
  return jsonResponse({ vcenter });
});

export const DELETE = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const { name } = await deleteVcenter(prisma, id);
  await recordAudit(prisma, { actor, action: 'target.vcenter.delete', outcome: 'success', target: { type: 'vcenter', id }, ip: clientIp(request), details: { name } });
  return jsonResponse({ deleted: true });
});
