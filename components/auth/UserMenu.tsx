'use client';

import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { apiFetch } from './api-client';
import { useSession } from './use-session';

/**
 * Signed-in user, Settings and Sign out in the navigation. Sends signed-out visitors to the
 * sign-in page: a convenience only, every API answer is authorized on the server.
 */
export function UserMenu() {
  const { data, isLoading } = useSession();
  const pathname = usePathname();
  const router = useRouter();
  const queryClient = useQueryClient();
  const onLogin = pathname.startsWith('/login');

  useEffect(() => {
    if (!isLoading && data && !data.user && !onLogin) router.replace(`/login?returnTo=${encodeURIComponent(pathname)}`);
  }, [isLoading, data, onLogin, pathname, router]);

  if (!data?.user) return null;
  const { user } = data;

  async function signOut() {
    await apiFetch('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
    queryClient.clear();
    router.replace('/login');
  }

  return (
    <div className="user-menu" data-testid="user-menu">
      <div className="user-name">
        <span data-testid="signed-in-user" title={user.displayName ?? undefined}>
          {user.username}
        </span>
        <span className="role-badge" data-testid="signed-in-role">
          {user.role}
          {user.isDemo ? ' · demo' : ''}
        </span>
      </div>
      <Link href="/settings" className={pathname.startsWith('/settings') ? 'active' : undefined}>
        Settings
      </Link>
      <button type="button" className="link-button" onClick={signOut}>
        Sign out
      </button>
    </div>
  );
}
