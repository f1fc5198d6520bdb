import { idParams, readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { csrRequestSchema } from '@/lib/targets/schemas';
import { generateKmsCsr } from '@/lib/targets/store';

export const dynamic = 'force-dynamic';

/** Generates a client key (kept sealed) and returns the CSR for the KMS administrator to sign. */
export const POST = withPolicy(async (request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const subject = await readJsonBody(request, csrRequestSchema, 4 * 1024);
  const provider = await generateKmsCsr(prisma, getSecretBox(), id, subject);
  await audit('target.kms.csr', { type: 'kms-provider', id }, { name: provider.name, commonName: subject.commonName });
  return jsonResponse({ kmsProvider: provider, csrPem: provider.csrPem });
});
