/**
 * Public types of `bffkit/react`. The browser never sees a token: everything here is what the
 * session endpoint is allowed to reveal.
 */

import type { AuthLevel, ClientSession, SessionUser } from '../core/types';

// One definition of what the browser may know of a session: the server's (types only, no code).
export type { AuthLevel, ClientSession, SessionUser } from '../core/types';

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
  /** How and when the user signed in (`acr`, `amr`, `authTime`), when the server knows. */
  auth?: AuthLevel;
};

/**
 * The server's answer when an API needs a stronger or more recent sign-in (RFC 9470 step-up):
 * 401 with this JSON. `signIn` says how: through the identity provider (`redirect`) or the app's
 * own login form (`form`, credentials backends).
 */
export type StepUpRequired = {
  code: 'step_up_required';
  message: string;
  acrValues: string[];
  maxAge?: number;
  signIn: 'redirect' | 'form';
};

/** Options of `bffFetch`. */
export type BffFetchOptions = {
  /**
   * What to do when the call needs a step-up: `'redirect'` starts the stronger sign-in right away
   * (identity provider) and retries the call once on return; `'report'` (the default) only reports it
   * to `useStepUp()` and returns the 401.
   */
  stepUp?: 'redirect' | 'report';
};

/** What `useStepUp()` returns. */
export type UseStepUpResult = {
  /** The last step-up a `bffFetch` call in this tab was answered with, until it is handled or dismissed. */
  required: StepUpRequired | null;
  /** The answer of the call retried once after the step-up (its body unread), or null. */
  retried: Response | null;
  /**
   * Sends the user through the stronger sign-in at the identity provider and back to `returnTo`
   * (default: this page); the refused call is retried once when they are back.
   */
  stepUp(options?: { returnTo?: string }): void;
  /**
   * Credentials backends (`signIn: 'form'`): signs in again with the password (a fresh session),
   * then retries the refused call once, in place.
   */
  reauthenticate(credentials: SignInCredentials): Promise<SignInResult & { retried?: Response }>;
  /** Forgets the step-up (the user cancelled). */
  dismiss(): void;
};
