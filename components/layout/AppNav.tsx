'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useState } from 'react';
import { UserMenu } from './UserMenu';

const NAV_ITEMS = [
  { href: '/', label: 'Overview' },
  { href: '/hosts', label: 'Hosts' },
  { href: '/clusters', label: 'Clusters' },
  { href: '/key-providers', label: 'Key providers' },
  { href: '/openstack', label: 'OpenStack' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/blast-radius', label: 'Blast radius' },
  { href: '/campaigns', label: 'Campaigns' },
  { href: '/audit', label: 'Audit' },
] as const;

/** Only in lab mode, for administrators (the dashboard layout decides). */
const LAB_ITEM = { href: '/lab', label: 'Lab' } as const;

export function AppNav({ showLab = false }: { showLab?: boolean }) {
  const pathname = usePathname();
  // On a phone the entries fold behind a Menu button; on a wide screen they are always shown (CSS).
  const [open, setOpen] = useState(false);
  const [openedAt, setOpenedAt] = useState(pathname);
  // Following a link closes the menu. Adjusted during render, as React advises.
  if (openedAt !== pathname) {
    setOpenedAt(pathname);
    setOpen(false);
  }
  const items = showLab ? [...NAV_ITEMS, LAB_ITEM] : NAV_ITEMS;
  return (
    <nav className={`app-nav${open ? ' open' : ''}`} aria-label="Main">
      <div className="nav-top">
        <div className="brand">
          <svg className="brand-mark" aria-hidden width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
            <circle cx="8" cy="15" r="4" />
            <path d="M11 12l9-9M17 6l3 3M14 9l2 2" />
          </svg>
          Keywatch
        </div>
        <button type="button" className="nav-toggle" aria-expanded={open} aria-controls="app-nav-body" onClick={() => setOpen(!open)}>
          Menu
        </button>
      </div>
      <div className="nav-body" id="app-nav-body">
        <ul>
          {items.map((item) => {
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
      </div>
    </nav>
  );
}
