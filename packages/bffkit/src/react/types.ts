/**
 * Public types of `bffkit/react`. The browser never sees a token: everything here is what the
 * session endpoint is allowed to reveal.
 */

/** The signed-in user as the server chose to expose it. */
export type SessionUser = { id: string; email?: string; name?: string } & Record<string, unknown>;

/** The session as seen by the browser (and as handed from a Server Component to the provider). */
export type ClientSession =
  | { status: 'authenticated'; user: SessionUser; /** epoch milliseconds */ expiresAt: number }
  | { status: 'unauthenticated' };

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

/** What `useSession()` returns. One object per provider render, shared by every component. */
export type UseSessionResult = {
  status: SessionStatus;
  user?: SessionUser;
  /** Session expiry, epoch milliseconds (present when authenticated). */
  expiresAt?: number;
  signIn(credentials: SignInCredentials): Promise<SignInResult>;
  signOut(): Promise<SignOutResult>;
  refetch(): Promise<void>;
};
