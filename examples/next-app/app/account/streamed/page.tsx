import { Suspense } from 'react';
import { forbidden, unauthorized } from 'next/navigation';
import { bff } from '@/lib/bff';
import { deniedAccount } from '@/lib/account-access';

/**
 * The check of app/account inside `<Suspense>`: the page's first part (heading, fallback) has been
 * sent with status 200 before it runs, with or without Cache Components, so `unauthorized()` /
 * `forbidden()` no longer change the status; the browser draws their page in place of this one.
 */
export default function StreamedAccountPage() {
  return (
    <section className="card stack">
      <h1>Account (streamed)</h1>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <AccountDetails />
      </Suspense>
    </section>
  );
}

async function AccountDetails() {
  const session = await bff.getSession();
  if (session.status !== 'authenticated') unauthorized();
  if (deniedAccount(session.user.email)) forbidden();
  return <p data-testid="account-email">{session.user.email}</p>;
}
