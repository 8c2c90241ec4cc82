import type { Metadata } from 'next';
import { forbidden, unauthorized } from 'next/navigation';
import { bff } from '@/lib/bff';
import { deniedAccount } from '@/lib/account-access';

export const metadata: Metadata = { title: 'Account · bffkit example' };

/**
 * A page that checks the session itself, with no proxy.ts redirect in front (it is not one of the
 * protectedPaths): `unauthorized()` shows app/unauthorized.tsx, `forbidden()` app/forbidden.tsx.
 * Without Cache Components the status is 401 / 403; with them it is 200 on every page (the shell,
 * even an empty one, is sent first): see docs/cache-components.md. Compare
 * app/account/streamed/page.tsx, where the same check runs inside `<Suspense>`.
 */
export default async function AccountPage() {
  const session = await bff.getSession();
  if (session.status !== 'authenticated') unauthorized();
  if (deniedAccount(session.user.email)) forbidden();
  return (
    <section className="card stack">
      <h1>Account</h1>
      <p data-testid="account-email">{session.user.email}</p>
    </section>
  );
}
