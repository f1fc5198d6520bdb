import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';
import { openstackCloudInputSchema } from '@/lib/targets/schemas';
import { createOpenstackCloud, listOpenstackClouds } from '@/lib/targets/openstack-store';
import { pemFingerprint } from '@/lib/targets/store';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ clouds: await listOpenstackClouds(prisma) }));

export const POST = withPolicy(async (request, _context, { transaction }) => {
  const input = await readJsonBody(request, openstackCloudInputSchema, 128 * 1024);
  const cloud = await transaction(async (tx, audit) => {
    const created = await createOpenstackCloud(tx, getSecretBox(), input);
    await audit('target.openstack.create', { type: 'openstack', id: created.id }, {
      name: created.name,
      authUrl: created.authUrl,
      username: created.username,
      userDomain: created.userDomain,
      projectName: created.projectName,
      projectDomain: created.projectDomain,
      region: created.region,
      interface: created.interface,
      ca: pemFingerprint(created.caPem),
    });
    return created;
  });
  return jsonResponse({ cloud }, { status: 201 });
});
