import { headers } from 'next/headers';
import { cache } from 'react';
import { authenticate, pageRequest, type Authentication } from '@/lib/auth/authenticate';
import { describeSession, type SessionInfo } from '@/lib/auth/session-info';
import { getPrisma } from '@/lib/db/client';

export type PageSession =
  | { state: 'signed-in'; auth: Extract<Authentication, { kind: 'session' }>; info: SessionInfo }
  | { state: 'signed-out' }
  /** The database does not answer, so nobody can be let in. */
  | { state: 'unavailable' };

/**
 * Who is looking at this page, from the session cookie. Read once per request however many layouts
 * ask (the dashboard's sign-in gate, the settings' admin gate).
 */
export const readPageSession = cache(async (): Promise<PageSession> => {
  // Outside the try: Next signals dynamic rendering by throwing from headers().
  const request = pageRequest(await headers());
  try {
    const prisma = getPrisma();
    const auth = await authenticate(prisma, request);
    if (auth.kind !== 'session') return { state: 'signed-out' };
    return { state: 'signed-in', auth, info: await describeSession(prisma, auth) };
  } catch (error) {
    console.error(`Cannot read the session for a page: ${error instanceof Error ? error.message : String(error)}`);
    return { state: 'unavailable' };
  }
});
