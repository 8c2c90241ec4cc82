import { redirect } from 'next/navigation';
import { bff } from '@/lib/bff';
import { endSessionAction, signOutEverywhereAction } from './actions';

/** Epoch ms → "2025-11-27 14:03 UTC" (rendered on the server: no locale or hydration surprises). */
function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The signed-in user's active sessions, each with an "End" button, plus "Sign out everywhere".
 * A Server Component with Server Actions: it works without JavaScript too.
 */
export default async function SessionsPage() {
  const session = await bff.getSession();
  if (session.status !== 'authenticated') redirect('/login?returnTo=%2Fsessions');
  const sessions = await bff.listSessions();
  const shared = ['redis', 'memory'].includes((process.env.BFF_SESSION_STORE ?? '').toLowerCase());

  return (
    <section className="card stack">
      <h1>Active sessions</h1>
      <p className="muted">
        Every browser where you are signed in. Ending a session signs that browser out at once; its refresh token is revoked
        at the backend.
      </p>
      {!shared && (
        <p className="hint" data-testid="sessions-cookie-mode">
          This app keeps sessions in the cookie, so only this browser is listed. Start it with{' '}
          <code>BFF_SESSION_STORE=redis</code> and <code>REDIS_URL</code> to see and end the others.
        </p>
      )}
      <ul className="notes" data-testid="session-list">
        {sessions.map((s) => (
          <li key={s.id} className="note card" data-testid="session-item" data-current={s.current ? 'true' : 'false'}>
            <strong>{s.current ? 'This browser' : 'Another browser'}</strong>
            <span className="hint">
              Signed in {when(s.createdAt)} · last active {when(s.lastActiveAt)} · ends {when(s.expiresAt)}
            </span>
            <form action={endSessionAction} className="actions">
              <input type="hidden" name="id" value={s.id} />
              <button type="submit" className="button button--ghost" data-testid="end-session">
                {s.current ? 'Sign out here' : 'End session'}
              </button>
            </form>
          </li>
        ))}
      </ul>
      <form action={signOutEverywhereAction} className="actions">
        <button type="submit" className="button button--danger" data-testid="sign-out-everywhere">
          Sign out everywhere
        </button>
      </form>
    </section>
  );
}
