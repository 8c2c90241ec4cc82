import { Suspense } from 'react';
import { SessionProvider } from 'bffkit/react';
import { bff } from '../../lib/bff.js';
import { SessionStatus } from './session-status.js';

/** The README's app/layout.tsx: the session streams in after the static shell. */
export default function AppLayout({ children }) {
  return (
    <html lang="en" className="h-full antialiased">
      <body className="min-h-full flex flex-col">
        <SessionProvider session={bff.getSession()}>
          <Suspense fallback={null}>
            <SessionStatus />
          </Suspense>
          {children}
        </SessionProvider>
      </body>
    </html>
  );
}
