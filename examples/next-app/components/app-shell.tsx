import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Suspense } from 'react';
import { SessionProvider, type ClientSession } from 'bffkit/react';
import { Header } from '@/components/header';
import { SessionWatcher } from '@/components/session-watcher';
import '@/app/globals.css';

export const metadata: Metadata = {
  title: 'bffkit example',
  description: 'A Next.js app in front of an external API, with tokens kept on the server.',
};

/**
 * The page frame of both root layouts (app/layout.cc.tsx, app/layout.classic.tsx). The session is
 * display data only (user, expiry): the tokens stay on the server. Everything that reads it
 * (`useSession()`) sits inside a `<Suspense>`: with Cache Components the session is a promise that
 * streams in after the static shell; seeded with a value, nothing waits.
 */
export function AppShell({ session, children }: { session: ClientSession | Promise<ClientSession>; children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <SessionProvider session={session}>
          <Header />
          <Suspense fallback={null}>
            <SessionWatcher />
          </Suspense>
          <main>{children}</main>
        </SessionProvider>
      </body>
    </html>
  );
}
