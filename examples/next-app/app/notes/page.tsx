import type { Metadata } from 'next';
import { Suspense } from 'react';
import { unauthorized } from 'next/navigation';
import { NotesClient } from '@/components/notes-client';
import { bff } from '@/lib/bff';

export const metadata: Metadata = { title: 'Notes · bffkit example' };

/**
 * The heading and explanation are the static shell; the session check and the CRUD UI stream in.
 * The check is the page's own (proxy.ts's redirect is only a convenience, see docs/security.md 23):
 * `unauthorized()` renders app/unauthorized.tsx when no session reached the page.
 */
export default function NotesPage() {
  return (
    <section className="stack">
      <div>
        <h1>Notes</h1>
        <p className="muted">
          Your notes live in the example backend. The browser calls <code>/api/backend/notes</code> on this app, which
          forwards the request with your access token. The token itself never reaches this page.
        </p>
      </div>
      <Suspense fallback={<p className="muted">Loading notes…</p>}>
        <SignedInNotes />
      </Suspense>
    </section>
  );
}

async function SignedInNotes() {
  const session = await bff.getSession();
  if (session.status !== 'authenticated') unauthorized();
  return <NotesClient />;
}
