import { HttpError } from '@/lib/http/errors';
import { idParams, readJsonBody, readParams } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { deleteUser, prepareUserUpdate, updateUser, updateUserSchema } from '@/lib/auth/users';
import { withPolicy } from '@/lib/auth/with-policy';

export const dynamic = 'force-dynamic';

export const PATCH = withPolicy(async (request, context, { transaction }) => {
  const { id } = await readParams(context, idParams);
  const input = await readJsonBody(request, updateUserSchema, 16 * 1024);
  const update = await prepareUserUpdate(input);
  const user = await transaction(async (tx, audit) => {
    const updated = await updateUser(tx, id, update);
    const changed = Object.keys(input).map((k) => (k === 'password' ? 'password (changed)' : k));
    await audit('user.update', { type: 'user', id }, { username: updated.username, changed, role: input.role });
    return updated;
  });
  return jsonResponse({ user });
});

export const DELETE = withPolicy(async (_request, context, { actor, transaction }) => {
  const { id } = await readParams(context, idParams);
  if (actor.type === 'user' && actor.id === id) throw new HttpError(409, 'You cannot delete your own account.');
  await transaction(async (tx, audit) => {
    const { username } = await deleteUser(tx, id);
    await audit('user.delete', { type: 'user', id }, { username });
  });
  return jsonResponse({ deleted: true });
});
