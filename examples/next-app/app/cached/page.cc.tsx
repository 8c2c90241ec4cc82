import type { Metadata } from 'next';
import { Suspense } from 'react';
import { unauthorized } from 'next/navigation';
import { getDisplayName, getNotesSummary } from '@/lib/cached-data';
import { CountNotes } from '@/components/count-notes';
import { countMyNotes, refreshMyCache } from './actions';

export const metadata: Metadata = { title: 'Cached per user · bffkit example' };

/**
 * Per-user caching with Cache Components: a shared server entry per user (bff.perUser) and a
 * browser-only private entry. The heading is the static shell; the cached parts stream in.
 */
export default function CachedPage() {
  return (
    <section className="card stack">
      <h1>Cached per user</h1>
      <p className="muted">
        Your notes summary is cached on the server for a few minutes, one entry per user, tagged with an opaque id
        (never a token). Signing out, signing out everywhere or signing in as someone else expires it.
      </p>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <Summary />
      </Suspense>
      <form action={refreshMyCache}>
        <button type="submit" className="button button--ghost" data-testid="refresh-cache">
          Refresh now
        </button>
      </form>
      <CountNotes count={countMyNotes} />
    </section>
  );
}

async function Summary() {
  const [summary, name] = await Promise.all([getNotesSummary(), getDisplayName()]);
  if (!summary) unauthorized();
  return (
    <dl className="profile">
      <dt>Name (private cache)</dt>
      <dd data-testid="cached-name">{name}</dd>
      <dt>Notes</dt>
      <dd data-testid="cached-count">{summary.count}</dd>
      <dt>Latest titles</dt>
      <dd data-testid="cached-titles">{summary.titles.join(', ') || '—'}</dd>
      <dt>Cached at</dt>
      <dd data-testid="cached-at">{summary.cachedAt}</dd>
    </dl>
  );
}
