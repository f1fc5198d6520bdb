import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { authenticate, pageRequest, type Authentication } from '@/lib/auth/authenticate';
import { PAGE_PATH_HEADER, signInUrl } from '@/lib/auth/return-to';
import { describeSession, type SessionInfo } from '@/lib/auth/session-info';
import { getPrisma } from '@/lib/db/client';
import { reasonOf } from '@/lib/logging/logger';
import { webLogger } from '@/lib/logging/web-logger';

export interface SignedIn {
  state: 'signed-in';
  auth: Extract<Authentication, { kind: 'session' }>;
  info: SessionInfo;
}

export type PageSession =
  | SignedIn
  | { state: 'signed-out' }
  /** The database does not answer, so nobody can be let in. */
  | { state: 'unavailable' };

/** Who is looking at this page, from the session cookie; read once per request however many components ask. */
export const readPageSession = cache(async (): Promise<PageSession> => {
  // Outside the try: Next signals dynamic rendering by throwing from headers().
  const request = pageRequest(await headers());
  try {
    const prisma = getPrisma();
    const auth = await authenticate(prisma, request);
    if (auth.kind !== 'session') return { state: 'signed-out' };
    return { state: 'signed-in', auth, info: await describeSession(prisma, auth) };
  } catch (error) {
    webLogger().error({ reason: reasonOf(error) }, 'cannot read the session for a page');
    return { state: 'unavailable' };
  }
});

/**
 * The sign-in gate, for every server layout or page that reads data or shows who is signed in.
 * Next renders a layout and the layouts and pages below it in parallel, so the dashboard layout's
 * redirect does not keep them from running: each checks for itself. A signed-out visitor is sent to
 * sign in; null means the database does not answer (the dashboard layout says so) — render nothing.
 */
export async function requireSignedIn(): Promise<SignedIn | null> {
  const session = await readPageSession();
  if (session.state === 'signed-out') redirect(signInUrl((await headers()).get(PAGE_PATH_HEADER) ?? '/'));
  return session.state === 'signed-in' ? session : null;
}
