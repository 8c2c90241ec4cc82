/**
 * Public types of `bffkit/react`. The browser never sees a token: everything here is what the
 * session endpoint is allowed to reveal.
 */

import type { ClientSession, SessionUser } from '../core/types';

// One definition of what the browser may know of a session: the server's (types only, no code).
export type { ClientSession, SessionUser } from '../core/types';

/** An authenticated {@link ClientSession}. */
export type AuthenticatedSession = Extract<ClientSession, { status: 'authenticated' }>;

/** `loading` only while a provider without an initial session asks the server for the first time. */
export type SessionStatus = 'loading' | 'authenticated' | 'unauthenticated';

/** What `signIn` posts to `${basePath}/login`. */
export type SignInCredentials = { email: string; password: string; returnTo?: string };

/** Outcome of `signIn`: a value, never an exception. */
export type SignInResult =
  | { ok: true; redirectTo: string }
  | { ok: false; code: string; message: string };

/**
 * Outcome of `signOut`. `ok` when the server confirmed the session is gone. `redirectTo` is set when
 * the sign-out continues at the identity provider (OpenID Connect RP-initiated logout): navigate there.
 */
export type SignOutResult = { ok: boolean; redirectTo?: string };

/** The static anti-forgery header sent on every state-changing request. */
export type CsrfHeader = { name: string; value: string };

/** What `useSessionActions()` returns: changing the session never waits for (or suspends on) reading it. */
export type UseSessionActionsResult = {
  signIn(credentials: SignInCredentials): Promise<SignInResult>;
  signOut(): Promise<SignOutResult>;
  refetch(): Promise<void>;
};

/** What `useSession()` returns. One object per provider render, shared by every component. */
export type UseSessionResult = UseSessionActionsResult & {
  status: SessionStatus;
  user?: SessionUser;
  /** Session expiry, epoch milliseconds (present when authenticated). */
  expiresAt?: number;
};
