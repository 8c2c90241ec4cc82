import type { Metadata } from 'next';
import { connection } from 'next/server';
import { Suspense } from 'react';
import { HandoffForm } from '@/components/handoff-form';

export const metadata: Metadata = { title: 'Token handoff · bffkit example' };

/**
 * Demonstrates the token handoff: the browser signs in at the backend itself, then hands the tokens to
 * this app, which verifies them and keeps them in the httpOnly session cookie.
 */
export default function HandoffPage() {
  return (
    <section className="card narrow stack">
      <h1>Token handoff</h1>
      <p className="muted">
        For backends that insist on logging the user in from the browser (a passkey ceremony, a vendor SDK, an ID
        token from a hosted login). Prefer the <a href="/login">regular sign-in</a> whenever you can.
      </p>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <HandoffDetails />
      </Suspense>
    </section>
  );
}

/** Reads the environment per request, never at build time (so it streams in after the static shell). */
async function HandoffDetails() {
  await connection();
  const enabled = Boolean(process.env.BFF_HANDOFF) && process.env.BFF_HANDOFF !== '0' && process.env.BFF_HANDOFF !== 'false';
  // The browser calls the backend directly here, so it needs the backend's public address.
  const backendUrl = (process.env.BACKEND_PUBLIC_URL ?? process.env.BACKEND_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, '');

  return (
    <>
      {enabled ? (
        <HandoffForm backendUrl={backendUrl} />
      ) : (
        <p data-testid="handoff-disabled" role="alert" className="alert">
          Token handoff is off. Start the app with <code>BFF_HANDOFF=1</code> and the backend with{' '}
          <code>CORS_ORIGIN</code> set to this app&apos;s origin.
        </p>
      )}
      <div className="stack">
        <h2>What happens</h2>
        <ol className="steps">
          <li>
            This page posts your email and password straight to the backend (<code>{backendUrl}/auth/login</code>),
            which allows exactly this app&apos;s origin via CORS.
          </li>
          <li>
            The backend answers an access token and a refresh token <strong>to JavaScript on this page</strong>.
          </li>
          <li>
            The page immediately posts them to <code>/api/auth/handoff</code> and drops its copies. The app verifies the
            access token&apos;s signature, issuer, audience and expiry against the backend&apos;s published keys, asks
            the backend who the user is, and only then starts a fresh session in an httpOnly cookie.
          </li>
          <li>From then on everything is as after a regular sign-in: JavaScript cannot read the tokens any more.</li>
        </ol>
        <h2>The trade-off</h2>
        <p>
          For a moment the tokens live in browser JavaScript. Any script running on this page at that moment (an
          injected script, a compromised dependency, a malicious extension) could copy them, including the long-lived
          refresh token. The regular sign-in never exposes them to the browser at all. Use the handoff only when the
          login cannot go through the server, keep this page free of third-party scripts, and keep the backend&apos;s
          CORS allow-list to this one origin.
        </p>
      </div>
    </>
  );
}
