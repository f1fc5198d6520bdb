import type { Metadata } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { AppNav } from '@/components/AppNav';
import { QueryProvider } from '@/components/QueryProvider';
import './globals.css';
import '@/components/auth/auth.css';

export const metadata: Metadata = {
  title: 'Keywatch',
  description: 'Key-provider health for encrypted vSphere / vSAN estates',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Render per request: proxy.ts issues a fresh CSP nonce each time and Next stamps it on its scripts.
  await connection();
  return (
    <html lang="en">
      <body>
        <QueryProvider>
          <div className="shell">
            <AppNav />
            <main>{children}</main>
          </div>
        </QueryProvider>
      </body>
    </html>
  );
}
