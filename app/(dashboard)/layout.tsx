import type { ReactNode } from 'react';
import { AppNav } from '@/components/layout/AppNav';
import { queryKeys } from '@/components/queries/keys';
import { ServerQueryData } from '@/components/queries/ServerQueryData';
import { requireSignedIn } from './page-session';
import { SessionEndedRedirect } from './SessionEndedRedirect';

/**
 * The signed-in app: the sign-in gate, then the shell. The gate is for people; every API answer is
 * authorized on the server by withPolicy regardless.
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const session = await requireSignedIn();
  if (!session) {
    return (
      <main>
        <h1>Keywatch</h1>
        <p className="card bad" role="alert">
          Keywatch cannot check who you are right now: its database does not answer. <a href="/api/health">/api/health</a> shows what is wrong; reload this page once it is back.
        </p>
      </main>
    );
  }
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
