'use client';

import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '../common/api-client';
import { useSession } from '../queries/use-session';

/** Signed-in user, Settings and Sign out in the navigation. */
export function UserMenu() {
  const { data } = useSession();
  const pathname = usePathname();
  const router = useRouter();
  const queryClient = useQueryClient();

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
