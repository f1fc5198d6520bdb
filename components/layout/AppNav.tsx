'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { UserMenu } from './UserMenu';

const NAV_ITEMS = [
  { href: '/', label: 'Overview' },
  { href: '/hosts', label: 'Hosts' },
  { href: '/key-providers', label: 'Key providers' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/campaigns', label: 'Campaigns' },
  { href: '/audit', label: 'Audit' },
] as const;

export function AppNav() {
  const pathname = usePathname();
  return (
    <nav className="app-nav" aria-label="Main">
      <div className="brand">
        <svg className="brand-mark" aria-hidden width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
          <circle cx="8" cy="15" r="4" />
          <path d="M11 12l9-9M17 6l3 3M14 9l2 2" />
        </svg>
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
