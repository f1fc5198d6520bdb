import { recordAudit } from '@/lib/audit/record';
import { clientIp, idParams, jsonResponse, readJsonBody, readParams } from '@/lib/auth/http';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { csrRequestSchema } from '@/lib/targets/schemas';
import { generateKmsCsr } from '@/lib/targets/store';

export const dynamic = 'force-dynamic';

/** Generates a client key (kept sealed) and returns the CSR for the KMS administrator to sign. */
export const POST = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const subject = await readJsonBody(request, csrRequestSchema, 4 * 1024);
  const provider = await generateKmsCsr(prisma, getSecretBox(), id, subject);
  await recordAudit(prisma, { actor, action: 'target.kms.csr', outcome: 'success', target: { type: 'kms-provider', id }, ip: clientIp(request), details: { name: provider.name, commonName: subject.commonName } });
  return jsonResponse({ kmsProvider: provider, csrPem: provider.csrPem });
});
