import type { ReactNode } from 'react';

/** Signing in and first-run setup: no navigation, no sign-in gate. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return <main className="signed-out">{children}</main>;
}
