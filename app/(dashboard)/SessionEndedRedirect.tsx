'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { signInUrl } from '@/lib/auth/return-to';
import { useSession } from '@/components/queries/use-session';

/**
 * The layout's gate runs when a page is loaded, not on client-side navigation between pages that
 * share it: when the session ends while the app is open (expiry, sign-out elsewhere, account
 * disabled), the next session refresh brings the visitor to the sign-in page.
 */
export function SessionEndedRedirect() {
  const { data } = useSession();
  const pathname = usePathname();
  const router = useRouter();
  const signedOut = data !== undefined && !data.user;
  useEffect(() => {
    if (signedOut) router.replace(signInUrl(pathname));
  }, [signedOut, pathname, router]);
  return null;
}
