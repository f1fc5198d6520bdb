import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { kmsProviderInputSchema } from '@/lib/targets/schemas';
import { createKmsProvider, listKmsProviders } from '@/lib/targets/store';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ kmsProviders: await listKmsProviders(prisma) }));

export const POST = withPolicy(async (request, _context, { prisma, audit }) => {
  const input = await readJsonBody(request, kmsProviderInputSchema, 256 * 1024);
  const provider = await createKmsProvider(prisma, getSecretBox(), input);
  await audit('target.kms.create', { type: 'kms-provider', id: provider.id }, {
    name: provider.name,
    nodes: provider.nodes.map((n) => `${n.host}:${n.port}`),
    clientCertificate: provider.clientCertificate?.subject ?? null,
  });
  return jsonResponse({ kmsProvider: provider }, { status: 201 });
});
