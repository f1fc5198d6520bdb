import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { hashPassword } from '@/lib/auth/passwords';
import { createLocalUser, createUserSchema, listUsers } from '@/lib/auth/users';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const GET = withPolicy(async (_request, _context, { prisma }) => jsonResponse({ users: await listUsers(prisma) }));

export const POST = withPolicy(async (request, _context, { transaction }) => {
  const { password, ...input } = await readJsonBody(request, createUserSchema, 16 * 1024);
  const passwordHash = await hashPassword(password);
  const user = await transaction(async (tx, audit) => {
    const created = await createLocalUser(tx, { ...input, passwordHash });
    await audit('user.create', { type: 'user', id: created.id }, { username: created.username, role: created.role });
    return created;
  });
  return jsonResponse({ user }, { status: 201 });
});
