import type { Metadata } from 'next';
import Link from 'next/link';
import { Suspense } from 'react';
import { unauthorized } from 'next/navigation';
import { DashboardClient } from '@/components/dashboard-client';
import { bff } from '@/lib/bff';

export const metadata: Metadata = { title: 'Dashboard · bffkit example' };

/**
 * Widgets that each fetch their own data from the browser (three `bffFetch` calls at once, again on
 * every reload; `?every=N` reloads every N seconds), and links the router prefetches. A page shaped
 * like the ones that hit several app instances at the same moment with the same cookie (the
 * multi-instance browser test). The heading and links are the static shell; the session check and
 * the widgets stream in (the same shape as the notes page).
 */
export default function DashboardPage({ searchParams }: { searchParams: Promise<{ every?: string }> }) {
  return (
    <section className="stack">
      <div>
        <h1>Dashboard</h1>
        <p className="muted">
          Each widget calls <code>/api/backend</code> on its own. Go to your{' '}
          <Link href="/profile" prefetch data-testid="dashboard-profile-link">
            profile
          </Link>{' '}
          or your{' '}
          <Link href="/notes" prefetch data-testid="dashboard-notes-link">
            notes
          </Link>
          .
        </p>
      </div>
      <Suspense fallback={<p className="muted">Loading the dashboard…</p>}>
        <SignedInDashboard searchParams={searchParams} />
      </Suspense>
    </section>
  );
}

async function SignedInDashboard({ searchParams }: { searchParams: Promise<{ every?: string }> }) {
  const session = await bff.getSession();
  if (session.status !== 'authenticated') unauthorized();
  const every = Number((await searchParams).every);
  return <DashboardClient every={Number.isFinite(every) && every >= 1 && every <= 3600 ? every : 0} />;
}
