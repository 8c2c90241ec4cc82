import Link from 'next/link';

/**
 * What `unauthorized()` renders (experimental.authInterrupts). proxy.ts sends anonymous visitors of
 * protected pages to /login before this can happen; this is the page's own check behind it.
 */
export default function Unauthorized() {
  return (
    <section className="card narrow stack" data-testid="unauthorized">
      <h1>Sign in required</h1>
      <p className="muted">This page needs a signed-in user.</p>
      <p>
        <Link href="/login" className="button">
          Sign in
        </Link>
      </p>
    </section>
  );
}
