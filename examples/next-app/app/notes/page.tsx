import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { NotesClient } from '@/components/notes-client';
import { bff } from '@/lib/bff';

export const metadata: Metadata = { title: 'Notes · bffkit example' };

/**
 * Server wrapper: checks the session itself (the proxy redirect is only a convenience, see
 * docs/security.md #23), then hands over to the client CRUD UI.
 */
export default async function NotesPage() {
  const session = await bff.getSession();
  if (session.status !== 'authenticated') redirect('/login?returnTo=%2Fnotes');

  return (
    <section className="stack">
      <div>
        <h1>Notes</h1>
        <p className="muted">
          Your notes live in the example backend. The browser calls <code>/api/backend/notes</code> on this app, which
          forwards the request with your access token. The token itself never reaches this page.
        </p>
      </div>
      <NotesClient />
    </section>
  );
}
