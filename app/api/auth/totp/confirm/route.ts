import { z } from 'zod';
import { HttpError } from '@/lib/http/errors';
import { readJsonBody } from '@/lib/http/request';
import { jsonResponse } from '@/lib/http/response';
import { confirmTotpEnrolment } from '@/lib/auth/second-factor';
import { withPolicy } from '@/lib/auth/with-policy';
import { getSecretBox } from '@/lib/secrets/keyring';

export const dynamic = 'force-dynamic';

const confirmSchema = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'must be the 6 digits your authenticator shows') });

/** Finishes enrolment with the first code; the answer carries the recovery codes, the only time they are shown. */
export const POST = withPolicy(async (request, _context, { auth, transaction }) => {
  if (auth.kind !== 'session') throw new HttpError(403, 'Only a signed-in person has a second factor.');
  const { code } = await readJsonBody(request, confirmSchema, 1024);
  const user = auth.session.user;
  const result = await transaction(async (tx, audit) => {
    const confirmed = await confirmTotpEnrolment(tx, getSecretBox(), user.id, code);
    await audit('auth.totp.enrol', { type: 'user', id: user.id }, { step: 'confirmed', recoveryCodes: confirmed.recoveryCodes.length });
    return confirmed;
  });
  return jsonResponse(result);
});
