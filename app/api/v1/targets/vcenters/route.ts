import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { vcenterInputSchema } from '@/lib/targets/schemas';
import { createVcenter, listVcenters } from '@/lib/targets/store';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ vcenters: await listVcenters(prisma) }));

export const POST = withPolicy(async (request, _context, { prisma, audit }) => {
  const input = await readJsonBody(request, vcenterInputSchema, 128 * 1024);
  const vcenter = await createVcenter(prisma, getSecretBox(), input);
  await audit('target.vcenter.create', { type: 'vcenter', id: vcenter.id }, { name: vcenter.name, url: vcenter.url, username: vcenter.username });
  return jsonResponse({ vcenter }, { status: 201 });
});
