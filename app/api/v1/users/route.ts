import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { createLocalUser, createUserSchema, listUsers } from '@/lib/auth/users';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ users: await listUsers(prisma) }));

export const POST = withPolicy(async (request, _context, { prisma, audit }) => {
  const input = await readJsonBody(request, createUserSchema, 16 * 1024);
  const user = await createLocalUser(prisma, input);
  await audit('user.create', { type: 'user', id: user.id }, { username: user.username, role: user.role });
  return jsonResponse({ user }, { status: 201 });
});
