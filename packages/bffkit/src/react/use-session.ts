import { useContext } from 'react';
import { SessionContext } from './provider';
import type { UseSessionResult } from './types';

/**
 * The browser's view of the session and the actions that change it. Must be called under
 * `<SessionProvider>`.
 *
 * @throws TypeError outside a `SessionProvider`.
 * @example
 * const { status, user, signOut } = useSession();
 * if (status === 'authenticated') return <button onClick={() => signOut()}>Sign out {user?.name}</button>;
 */
export function useSession(): UseSessionResult {
  const value = useContext(SessionContext);
  if (!value) throw new TypeError('useSession() must be called inside <SessionProvider>.');
  return value;
}
