'use client';

import { useState } from 'react';
import type { FormEvent } from 'react';
import { useSessionActions } from 'bffkit/react';

type LoginFormProps = {
  /** Raw `returnTo` from the URL; the server validates it. */
  returnTo: string;
  /** Message to show on first render (from `?error=`). */
  initialError?: string;
  /** How to label the account field (it is always sent as `email`; a backend preset maps it). @default e-mail */
  identity?: { label: string; type: 'email' | 'text' };
};

/**
 * A real form POST to /api/auth/login (works without JavaScript: the server answers 303).
 * With JavaScript, the submit becomes a JSON sign-in and a client-side navigation.
 * useSessionActions, not useSession: the form never waits for the session to be read.
 */
export function LoginForm({ returnTo, initialError, identity = { label: 'Email', type: 'email' } }: LoginFormProps) {
  const { signIn } = useSessionActions();
  const [error, setError] = useState<string | null>(initialError ?? null);
  const [submitting, setSubmitting] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const data = new FormData(event.currentTarget);
    setSubmitting(true);
    setError(null);
    const result = await signIn({
      email: String(data.get('email') ?? ''),
      password: String(data.get('password') ?? ''),
      returnTo: returnTo || undefined,
    });
    if (result.ok) {
      // A full page load, not router.replace: the client router cache holds what was prefetched
      // while signed out (e.g. the proxy's redirect of /profile to /login) and would replay it.
      // The button stays disabled while the next page loads.
      window.location.assign(result.redirectTo);
      return;
    }
    setError(result.message);
    setSubmitting(false);
  }

  return (
    <form data-testid="login-form" method="post" action="/api/auth/login" onSubmit={onSubmit} className="stack">
      {error ? (
        <p data-testid="login-error" role="alert" className="alert">
          {error}
        </p>
      ) : null}
      <input type="hidden" name="returnTo" value={returnTo} />
      <div className="field">
        <label htmlFor="login-email">{identity.label}</label>
        <input id="login-email" name="email" type={identity.type} autoComplete="username" required />
      </div>
      <div className="field">
        <label htmlFor="login-password">Password</label>
        <input id="login-password" name="password" type="password" autoComplete="current-password" required />
      </div>
      <button type="submit" className="button" disabled={submitting} aria-busy={submitting}>
        Sign in
      </button>
    </form>
  );
}
