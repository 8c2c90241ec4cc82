'use client';

import Link from 'next/link';
import { Suspense, useState } from 'react';
import type { FormEvent } from 'react';
import { useSession } from 'bffkit/react';
import { markSignOutIntent } from '@/components/sign-out-intent';

const NAV = [
  { href: '/', label: 'Home' },
  { href: '/profile', label: 'Profile' },
  { href: '/notes', label: 'Notes' },
  { href: '/dashboard', label: 'Dashboard' },
  { href: '/payments', label: 'Payments' },
  { href: '/sessions', label: 'Sessions' },
] as const;

/**
 * Site header: navigation (in the static shell) and the session state (streamed in). Sign-out works
 * without JavaScript too, on pages rendered per request (with Cache Components, a streamed part
 * needs JavaScript to replace its fallback).
 */
export function Header() {
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link href="/" className="brand">
          bffkit <span className="brand__tag">example</span>
        </Link>
        <nav aria-label="Main">
          <ul className="nav">
            {NAV.map((item) => (
              <li key={item.href}>
                <Link href={item.href}>{item.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="session">
          <Suspense fallback={<SessionFallback />}>
            <SessionControls />
          </Suspense>
        </div>
      </div>
    </header>
  );
}

/** What the static shell shows until the session is known: a link that suits either state. */
function SessionFallback() {
  return (
    <Link href="/profile" data-testid="session-fallback" className="button button--ghost">
      Your account
    </Link>
  );
}

/** Who is signed in, and the sign-in or sign-out control. Waits for the session (useSession). */
function SessionControls() {
  const { status, user, signOut } = useSession();
  const [signingOut, setSigningOut] = useState(false);

  async function onSignOut(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (signingOut) return;
    setSigningOut(true);
    markSignOutIntent();
    try {
      const { redirectTo } = await signOut();
      // A full page load drops everything the client router cached for the signed-in user. With
      // OpenID Connect, the sign-out continues at the provider (RP-initiated logout).
      window.location.assign(redirectTo ?? '/login');
    } finally {
      setSigningOut(false);
    }
  }

  const name = user?.name ?? user?.email ?? user?.id;

  return (
    <>
      <span data-testid="session-status" className="session__status">
        {status === 'authenticated' ? `Signed in as ${name}` : status === 'loading' ? 'Checking session…' : 'Not signed in'}
      </span>
      {status === 'authenticated' ? (
        <form method="post" action="/api/auth/logout" onSubmit={onSignOut}>
          <button data-testid="sign-out" type="submit" className="button button--ghost" disabled={signingOut}>
            Sign out
          </button>
        </form>
      ) : status === 'unauthenticated' ? (
        <Link href="/login" data-testid="sign-in-link" className="button button--ghost">
          Sign in
        </Link>
      ) : null}
    </>
  );
}
