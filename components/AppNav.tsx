'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { UserMenu } from './auth/UserMenu';

export const NAV_ITEMS = [
  { href: '/', label: 'Overview' },
  { href: '/hosts', label: 'Hosts' },
  { href: '/key-providers', label: 'Key providers' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/migrations', label: 'Migrations' },
  { href: '/audit', label: 'Audit' },
] as const;

export function AppNav() {
  const pathname = usePathname();
  return (
    <nav className="app-nav" aria-label="Main">
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          ⚿
        </span>
        Keywatch
      </div>
      <ul>
        {NAV_ITEMS.map((item) => {
          const active = item.href === '/' ? pathname === '/' : pathname.startsWith(item.href);
          return (
            <li key={item.href}>
              <Link href={item.href} aria-current={active ? 'page' : undefined} className={active ? 'active' : undefined}>
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
      <UserMenu />
    </nav>
  );
}
