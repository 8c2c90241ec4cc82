import { Suspense } from 'react';
import { SessionProvider } from 'bffkit/react';
import { SessionStatus } from '../(app)/session-status.js';

/**
 * The fully static option: SessionProvider without a session. Its pages are static (○); the provider
 * starts `loading` and asks GET /api/auth/session once the page has hydrated.
 */
export default function ClientLayout({ children }) {
  return (
    <html lang="en" className="h-full antialiased">
      <body className="min-h-full flex flex-col">
        <SessionProvider>
          <Suspense fallback={null}>
            <SessionStatus />
          </Suspense>
          {children}
        </SessionProvider>
      </body>
    </html>
  );
}
