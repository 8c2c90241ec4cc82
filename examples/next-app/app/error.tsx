'use client';

/**
 * Shown when a page cannot render, e.g. while the session store is unreachable (bffkit answers
 * `store_unavailable` rather than pretending nobody is signed in). Nothing about the error is shown.
 */
export default function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section className="card" role="alert">
      <h1>Something is temporarily unavailable</h1>
      <p className="muted">Your session is safe. Please try again in a moment.</p>
      <button type="button" onClick={() => reset()}>
        Try again
      </button>
    </section>
  );
}
