import type { Metadata } from 'next';
import { LoginForm } from '@/components/login-form';
import { oidcConfigured } from '@/lib/bff';

export const metadata: Metadata = { title: 'Sign in · bffkit example' };

/** Only known codes map to text: the query string is never echoed into the page. */
const ERROR_MESSAGES: Record<string, string> = {
  login_failed: 'Invalid email or password.',
  rate_limited: 'Too many attempts. Try again later.',
  access_denied: 'Sign-in was cancelled at the identity provider.',
  provider_error: 'The identity provider could not sign you in. Try again.',
};

type SearchParams = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const returnTo = first(sp.returnTo) ?? '';
  const code = first(sp.error);
  const error = code && Object.hasOwn(ERROR_MESSAGES, code) ? ERROR_MESSAGES[code] : undefined;

  return (
    <section className="card narrow stack">
      <h1>Sign in</h1>
      {oidcConfigured() ? (
        // A plain form post (no JavaScript needed): bffkit answers 303 to the identity provider.
        <form method="post" action="/api/auth/oidc/login" data-testid="oidc-login-form" className="stack">
          <input type="hidden" name="returnTo" value={returnTo} />
          {error ? (
            <p role="alert" data-testid="login-error" className="alert">
              {error}
            </p>
          ) : null}
          <button type="submit" data-testid="oidc-sign-in" className="button">
            Sign in with the identity provider
          </button>
        </form>
      ) : (
        <LoginForm
          returnTo={returnTo}
          initialError={error}
          // Django (simplejwt) signs in with a username; the field is still sent as `email` and mapped.
          identity={process.env.BFF_BACKEND_PRESET === 'simplejwt' ? { label: 'Username', type: 'text' } : undefined}
        />
      )}
      <p className="hint">
        Demo accounts: <code>demo@example.com</code> / <code>demo-password</code>, or{' '}
        <code>second@example.com</code> / <code>second-password</code>.
      </p>
    </section>
  );
}
