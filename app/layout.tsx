import type { Metadata } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { QueryProvider } from '@/components/queries/QueryProvider';
import './globals.css';

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
        <QueryProvider>{children}</QueryProvider>
      </body>
    </html>
  );
}
