import Link from 'next/link';

/** What `forbidden()` renders (experimental.authInterrupts): signed in, but not allowed here. */
export default function Forbidden() {
  return (
    <section className="card narrow stack" data-testid="forbidden">
      <h1>Not allowed</h1>
      <p className="muted">You are signed in, but this account may not open this page.</p>
      <p>
        <Link href="/">Back to the home page</Link>
      </p>
    </section>
  );
}
