import { recordAudit } from '@/lib/audit/record';
import { clientIp, HttpError, idParams, jsonResponse, readJsonBody, readParams } from '@/lib/auth/http';
import { deleteUser, updateUser, updateUserSchema } from '@/lib/auth/users';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const PATCH = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  const input = await readJsonBody(request, updateUserSchema, 16 * 1024);
  const user = await updateUser(prisma, id, input);
  const changed = Object.keys(input).map((k) => (k === 'password' ? 'password (changed)' : k));
  await recordAudit(prisma, { actor, action: 'user.update', outcome: 'success', target: { type: 'user', id }, ip: clientIp(request), details: { username: user.username, changed, role: input.role } });
  return jsonResponse({ user });
});

export const DELETE = withPolicy(async (request, context, { prisma, actor }) => {
  const { id } = await readParams(context, idParams);
  if (actor.type === 'user' && actor.id === id) throw new HttpError(409, 'You cannot delete your own account.');
  const { username } = await deleteUser(prisma, id);
  await recordAudit(prisma, { actor, action: 'user.delete', outcome: 'success', target: { type: 'user', id }, ip: clientIp(request), details: { username } });
  return jsonResponse({ deleted: true });
});
