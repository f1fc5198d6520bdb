import { idParams, readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { kmsProviderUpdateSchema } from '@/lib/targets/schemas';
import { deleteKmsProvider, getKmsProvider, updateKmsProvider } from '@/lib/targets/store';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, context, { prisma }) => {
  const { id } = await readParams(context, idParams);
  return jsonResponse({ kmsProvider: await getKmsProvider(prisma, id) });
});

export const PATCH = withPolicy(async (request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const input = await readJsonBody(request, kmsProviderUpdateSchema, 256 * 1024);
  const provider = await updateKmsProvider(prisma, getSecretBox(), id, input);
  const changed = Object.keys(input).map((k) => (k === 'clientKeyPem' ? 'clientKey (replaced)' : k));
  await audit('target.kms.update', { type: 'kms-provider', id }, { name: provider.name, changed });
  return jsonResponse({ kmsProvider: provider });
});

export const DELETE = withPolicy(async (_request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const { name } = await deleteKmsProvider(prisma, id);
  await audit('target.kms.delete', { type: 'kms-provider', id }, { name });
  return jsonResponse({ deleted: true });
});
