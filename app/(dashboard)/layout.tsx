import type { ReactNode } from 'react';
import { Banner } from '@/components/common/Banner';
import { AppNav } from '@/components/layout/AppNav';
import { HealthBanner } from '@/components/layout/HealthBanner';
import { ReauthDialog } from '@/components/layout/ReauthDialog';
import { queryKeys } from '@/components/queries/keys';
import { ServerQueryData } from '@/components/queries/ServerQueryData';
import { isAllowed } from '@/lib/auth/policy';
import { labModeOn } from '@/lib/lab-control/control';
import { requireSignedIn } from './page-session';
import { SessionEndedRedirect } from './SessionEndedRedirect';

/**
 * The signed-in app: the sign-in gate, then the shell (navigation, the health banner, the page).
 * The gate is for people; every API answer is authorized on the server by withPolicy regardless.
 */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const session = await requireSignedIn();
  if (!session) {
    return (
      <main>
        <h1>Keywatch</h1>
        <Banner tone="bad" title="Keywatch cannot check who you are right now" urgent>
          Its database does not answer. <a href="/api/health">/api/health</a> shows what is wrong; reload this page once it is back.
        </Banner>
      </main>
    );
  }
  const showLab = labModeOn() && isAllowed(session.auth.principal, 'admin');
  return (
    <ServerQueryData entries={[[queryKeys.session(), session.info]]}>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <div className="shell">
        <AppNav showLab={showLab} />
        <main id="content" tabIndex={-1}>
          <div className="shell-banners">
            <HealthBanner />
          </div>
          {children}
        </main>
      </div>
      <SessionEndedRedirect />
      {/* The step-up prompt, for every dangerous write: admin settings, host actions, overrides. */}
      <ReauthDialog />
    </ServerQueryData>
  );
}
