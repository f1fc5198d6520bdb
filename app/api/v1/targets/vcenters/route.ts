import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { vcenterInputSchema } from '@/lib/targets/schemas';
import { createVcenter, listVcenters, pemFingerprint } from '@/lib/targets/store';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ vcenters: await listVcenters(prisma) }));

export const POST = withPolicy(async (request, _context, { transaction }) => {
  const input = await readJsonBody(request, vcenterInputSchema, 128 * 1024);
  const vcenter = await transaction(async (tx, audit) => {
    const created = await createVcenter(tx, getSecretBox(), input);
    await audit('target.vcenter.create', { type: 'vcenter', id: created.id }, { name: created.name, url: created.url, username: created.username, ca: pemFingerprint(created.caPem) });
    return created;
  });
  return jsonResponse({ vcenter }, { status: 201 });
});
