import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { PAGE_PATH_HEADER, signInUrl } from '@/lib/auth/return-to';
import { AppNav } from '@/components/layout/AppNav';
import { queryKeys } from '@/components/queries/keys';
import { ServerQueryData } from '@/components/queries/ServerQueryData';
import { readPageSession } from './page-session';
import { SessionEndedRedirect } from './SessionEndedRedirect';

/**
 * The signed-in app: the sign-in gate for every page below, then the shell. The gate is a
 * convenience for people; every API answer is authorized on the server by withPolicy regardless.
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const session = await readPageSession();
  if (session.state === 'unavailable') {
    return (
      <main>
        <h1>Keywatch</h1>
        <p className="card bad" role="alert">
          Keywatch cannot check who you are right now: its database does not answer. <a href="/api/health">/api/health</a> shows what is wrong; reload this page once it is back.
        </p>
      </main>
    );
  }
  if (session.state === 'signed-out') redirect(signInUrl((await headers()).get(PAGE_PATH_HEADER) ?? '/'));
  return (
    <ServerQueryData entries={[[queryKeys.session(), session.info]]}>
      <div className="shell">
        <AppNav />
        <main>{children}</main>
      </div>
      <SessionEndedRedirect />
    </ServerQueryData>
  );
}
