import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { SessionProvider } from 'bffkit/react';
import { Header } from '@/components/header';
import { SessionWatcher } from '@/components/session-watcher';
import { bff, billingConfigured } from '@/lib/bff';
import './globals.css';

export const metadata: Metadata = {
  title: 'bffkit example',
  description: 'A Next.js app in front of an external API, with tokens kept on the server.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Display data only (user, expiry): the tokens stay on the server.
  const session = await bff.getSession();
  return (
    <html lang="en">
      <body>
        <SessionProvider session={session}>
          <Header billing={billingConfigured()} />
          <SessionWatcher />
          <main>{children}</main>
        </SessionProvider>
      </body>
    </html>
  );
}
