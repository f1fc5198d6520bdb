import { recordAudit } from '@/lib/audit/record';
import { clientIp, jsonResponse, readJsonBody } from '@/lib/auth/http';
import { createLocalUser, createUserSchema, listUsers } from '@/lib/auth/users';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ users: await listUsers(prisma) }));

export const POST = withPolicy(async (request, _context, { prisma, actor }) => {
  const input = await readJsonBody(request, createUserSchema, 16 * 1024);
  const user = await createLocalUser(prisma, input);
  await recordAudit(prisma, { actor, action: 'user.create', outcome: 'success', target: { type: 'user', id: user.id }, ip: clientIp(request), details: { username: user.username, role: user.role } });
  return jsonResponse({ user }, { status: 201 });
});
