'use client';

import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';

type HandoffFormProps = {
  /** The backend's public origin (and base path), e.g. `http://127.0.0.1:4000`. */
  backendUrl: string;
};

type TokenAnswer = { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown };

/**
 * Signs in at the backend from the browser, then hands the tokens to the app. Needs JavaScript: the
 * submit button stays disabled until the page is hydrated, so the form never submits credentials
 * anywhere without it.
 */
export function HandoffForm({ backendUrl }: HandoffFormProps) {
  const [ready, setReady] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => setReady(true), []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const form = event.currentTarget;
    const data = new FormData(form);
    setBusy(true);
    setError(null);
    try {
      const outcome = await signInAndHandOff(backendUrl, String(data.get('email') ?? ''), String(data.get('password') ?? ''));
      form.reset();
      if (!outcome.ok) {
        setError(outcome.message);
        setBusy(false);
        return;
      }
      // A full page load, not router.replace: it discards this page's JavaScript heap (where the token
      // strings may linger until garbage collection) and any route prefetched before sign-in (which
      // would still redirect to /login).
      window.location.replace('/profile');
    } catch {
      setError('The backend or the app could not be reached.');
      setBusy(false);
    }
  }

  return (
    <form data-testid="handoff-form" method="post" onSubmit={onSubmit} className="stack">
      {error ? (
        <p data-testid="handoff-error" role="alert" className="alert">
          {error}
        </p>
      ) : null}
      <div className="field">
        <label htmlFor="handoff-email">Email</label>
        <input id="handoff-email" name="email" type="email" autoComplete="username" required />
      </div>
      <div className="field">
        <label htmlFor="handoff-password">Password</label>
        <input id="handoff-password" name="password" type="password" autoComplete="current-password" required />
      </div>
      <button data-testid="handoff-submit" type="submit" className="button" disabled={!ready || busy} aria-busy={busy}>
        Sign in at the backend, then hand off
      </button>
      <noscript>
        <p className="hint">This flow needs JavaScript. The regular sign-in works without it.</p>
      </noscript>
    </form>
  );
}

/**
 * The whole handoff in one function, so the tokens only ever live in its local variables: they are
 * never put in React state, storage, the URL or a global, and are dropped as soon as the app has them.
 */
async function signInAndHandOff(
  backendUrl: string,
  email: string,
  password: string,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const login = await fetch(`${backendUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!login.ok) return { ok: false, message: login.status === 401 ? 'Invalid email or password.' : 'The backend refused the sign-in.' };
  let tokens: TokenAnswer | null = (await login.json()) as TokenAnswer;
  let body: string | null = JSON.stringify({
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_in: tokens.expires_in,
  });
  tokens = null;
  // Not bffFetch: a rejected handoff (401) must not read as "the current session ended".
  const handoff = await fetch('/api/auth/handoff', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf': '1' },
    body,
    credentials: 'same-origin',
    cache: 'no-store',
  });
  body = null;
  if (handoff.ok) return { ok: true };
  return { ok: false, message: handoff.status === 401 ? 'The app did not accept the tokens.' : 'The app could not take over the session.' };
}
