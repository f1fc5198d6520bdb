import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { kmsProviderInputSchema } from '@/lib/targets/schemas';
import { createKmsProvider, listKmsProviders, pemFingerprint } from '@/lib/targets/store';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ kmsProviders: await listKmsProviders(prisma) }));

export const POST = withPolicy(async (request, _context, { transaction }) => {
  const input = await readJsonBody(request, kmsProviderInputSchema, 256 * 1024);
  const provider = await transaction(async (tx, audit) => {
    const created = await createKmsProvider(tx, getSecretBox(), input);
    await audit('target.kms.create', { type: 'kms-provider', id: created.id }, {
      name: created.name,
      nodes: created.nodes.map((n) => `${n.host}:${n.port}`),
      ca: pemFingerprint(created.caPem),
      clientCertificate: created.clientCertificate?.subject ?? null,
    });
    return created;
  });
  return jsonResponse({ kmsProvider: provider }, { status: 201 });
});
