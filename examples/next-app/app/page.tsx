import Link from 'next/link';

export default function HomePage() {
  return (
    <section className="stack">
      <div>
        <h1>bffkit example</h1>
        <p className="lead">
          A Next.js app in front of a separate REST backend, using the Backend-for-Frontend pattern: the browser talks
          only to this app, and the backend&apos;s tokens stay on the server.
        </p>
      </div>

      <div className="card stack">
        <h2>How it works</h2>
        <ol className="steps">
          <li>You sign in here; the app calls the backend&apos;s login API and receives an access and a refresh token.</li>
          <li>
            The tokens are sealed into an encrypted, <code>HttpOnly</code> cookie (or a server-side store). JavaScript on
            this page cannot read them.
          </li>
          <li>
            Pages and <code>/api/backend/*</code> calls go through this app, which attaches the access token and refreshes
            it when it expires.
          </li>
          <li>Signing out clears the cookie and revokes the refresh token at the backend, in every open tab.</li>
        </ol>
      </div>

      <div className="card stack">
        <h2>Try it</h2>
        <p>
          Demo account: <code>demo@example.com</code> / <code>demo-password</code> (another one:{' '}
          <code>second@example.com</code> / <code>second-password</code>).
        </p>
        <ul className="links">
          <li>
            <Link href="/login">Sign in</Link> — works with JavaScript turned off, too.
          </li>
          <li>
            <Link href="/profile">Profile</Link> — a Server Component that reads your data from the backend.
          </li>
          <li>
            <Link href="/notes">Notes</Link> — create, edit and delete notes from the browser through the app.
          </li>
        </ul>
      </div>
    </section>
  );
}
