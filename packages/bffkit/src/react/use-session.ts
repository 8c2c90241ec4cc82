import { use, useContext } from 'react';
import { SessionContext, type SessionContextValue } from './provider';
import type { UseSessionActionsResult, UseSessionResult } from './types';

function provider(hook: string): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new TypeError(`${hook} must be called inside <SessionProvider>.`);
  return value;
}

/**
 * The browser's view of the session and the actions that change it. Must be called under
 * `<SessionProvider>`. When the provider was seeded with a promise (`session={bff.getSession()}`),
 * this suspends until the session is known: call it inside `<Suspense fallback>` (the fallback is
 * what the prerendered shell shows).
 *
 * @throws TypeError outside a `SessionProvider`.
 * @example
 * const { status, user, signOut } = useSession();
 * if (status === 'authenticated') return <button onClick={() => signOut()}>Sign out {user?.name}</button>;
 */
export function useSession(): UseSessionResult {
  const { pending, value, fromSeed } = provider('useSession()');
  // use() may be called conditionally (unlike other hooks): only a pending seed suspends.
  return pending ? fromSeed(use(pending)) : value;
}

/**
 * `signIn`, `signOut` and `refetch` without the session itself: never suspends, so a login form or a
 * sign-out button can sit in the static shell, outside any `<Suspense>`.
 *
 * @throws TypeError outside a `SessionProvider`.
 * @example
 * const { signIn } = useSessionActions();
 * const result = await signIn({ email, password, returnTo: '/notes' });
 */
export function useSessionActions(): UseSessionActionsResult {
  return provider('useSessionActions()').actions;
}
