import { redirect } from 'next/navigation';
import { bff } from '@/lib/bff';

type Me = { id: string | number; email: string; name: string; created_at?: string };

/** A Server Component: reads the session and fetches the profile from the backend on the server. */
export default async function ProfilePage() {
  const session = await bff.getSession();
  if (session.status !== 'authenticated') redirect('/login?returnTo=%2Fprofile');

  const res = await bff.fetchBackend('/auth/me');
  if (res.status === 401) redirect('/login?returnTo=%2Fprofile');
  if (!res.ok) {
    return (
      <section className="card">
        <h1>Profile</h1>
        <p role="alert">The backend is unavailable right now ({res.status}). Try again shortly.</p>
      </section>
    );
  }
  const me = (await res.json()) as Me;
  return (
    <section className="card">
      <h1>Profile</h1>
      <p className="muted">Fetched from the backend by the Next.js server with the session&apos;s access token.</p>
      <dl className="profile">
        <dt>Name</dt>
        <dd data-testid="profile-name">{me.name}</dd>
        <dt>Email</dt>
        <dd data-testid="profile-email">{me.email}</dd>
        <dt>User id</dt>
        <dd data-testid="profile-id">{String(me.id)}</dd>
        {me.created_at && (
          <>
            <dt>Member since</dt>
            <dd>{new Date(me.created_at).toLocaleDateString('en')}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
