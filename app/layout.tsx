import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { AppNav } from '@/components/AppNav';
import { QueryProvider } from '@/components/QueryProvider';
import './globals.css';

export const metadata: Metadata = {
  title: 'Keywatch',
  description: 'Key-provider health for encrypted vSphere / vSAN estates',
};

export default function RootLayout({ children }: { children: ReactNode }) {
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
