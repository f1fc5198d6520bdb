import { HttpError } from '@/lib/http/errors';
import { idParams, readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { deleteUser, updateUser, updateUserSchema } from '@/lib/auth/users';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const PATCH = withPolicy(async (request, context, { prisma, audit }) => {
  const { id } = await readParams(context, idParams);
  const input = await readJsonBody(request, updateUserSchema, 16 * 1024);
  const user = await updateUser(prisma, id, input);
  const changed = Object.keys(input).map((k) => (k === 'password' ? 'password (changed)' : k));
  await audit('user.update', { type: 'user', id }, { username: user.username, changed, role: input.role });
  return jsonResponse({ user });
});

export const DELETE = withPolicy(async (_request, context, { prisma, actor, audit }) => {
  const { id } = await readParams(context, idParams);
  if (actor.type === 'user' && actor.id === id) throw new HttpError(409, 'You cannot delete your own account.');
  const { username } = await deleteUser(prisma, id);
  await audit('user.delete', { type: 'user', id }, { username });
  return jsonResponse({ deleted: true });
});
