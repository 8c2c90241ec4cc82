import { createContext, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { announce, onRemoteSessionEvent, onSessionEvent } from './events';
import { DEFAULT_BASE_PATH, DEFAULT_CSRF_HEADER } from '../core/defaults';
import { configureClient, configureCsrfHeader } from './fetch';
import { noteSession, sessionNow, useRefreshAhead } from './refresh-ahead';
import { requestSignIn, requestSignOut } from './session-api';
import type {
  AuthLevel,
  ClientSession,
  CsrfHeader,
  SessionStatus,
  SessionUser,
  SignInCredentials,
  SignInResult,
  SignOutResult,
  UseSessionResult,
} from './types';

/** Props of {@link SessionProvider}. */
export type SessionProviderProps = {
  /** The session read on the server for this request. Omit it and the provider starts `loading`. */
  session?: ClientSession;
  /** Where bffkit's auth routes are mounted. @default '/api/auth' */
  basePath?: string;
  /** The anti-forgery header (also used by `bffFetch`). @default { name: 'x-csrf', value: '1' } */
  csrfHeader?: CsrfHeader;
  children?: ReactNode;
};

const DEFAULTS = { basePath: DEFAULT_BASE_PATH, csrfHeader: DEFAULT_CSRF_HEADER } as const;

/** Focus / visibility refetches are at least this far apart. */
const FOCUS_REFETCH_INTERVAL_SECONDS = 5;
const MS_PER_SECOND = 1000;

type State = { status: SessionStatus; user?: SessionUser; expiresAt?: number; auth?: AuthLevel };

/** One value per provider render: every `useSession()` caller sees the same object. */
export const SessionContext = createContext<UseSessionResult | null>(null);

function toState(session: ClientSession): State {
  noteSession(session); // when to renew it (refresh-ahead.ts)
  if (session.status !== 'authenticated') return { status: 'unauthenticated' };
  return { status: 'authenticated', user: session.user, expiresAt: session.expiresAt, ...(session.auth ? { auth: session.auth } : {}) };
}

/**
 * Holds the browser's view of the session. Seed it with the session a Server Component read
 * (no loading flash); it then follows sign-in/out, 401s from `bffFetch`, other tabs, and focus.
 *
 * @example
 * // app/layout.tsx (Server Component)
 * const session = await bff.getSession();
 * return <SessionProvider session={session}>{children}</SessionProvider>;
 */
export function SessionProvider({
  session,
  basePath = DEFAULTS.basePath,
  csrfHeader = DEFAULTS.csrfHeader,
  children,
}: SessionProviderProps) {
  const { name: csrfName, value: csrfValue } = csrfHeader;
  // Why during render: children's effects run before this provider's, and may call bffFetch.
  configureCsrfHeader({ name: csrfName, value: csrfValue });

  const [state, setState] = useState<State>(() => (session ? toState(session) : { status: 'loading' }));
  // The step-up retry (useStepUp) happens for the signed-in user only: bffFetch needs to know who that is.
  configureClient({ basePath, userId: state.status === 'authenticated' ? state.user?.id : undefined });
  const statusRef = useRef(state.status);
  statusRef.current = state.status;
  /** Bumped by every authoritative change; a refetch started before one is stale and dropped. */
  const generation = useRef(0);
  /** Date.now() of the last time this provider learned the server's view (0: never). */
  const lastSync = useRef(0);

  const refetch = useCallback(async () => {
    const started = generation.current;
    lastSync.current = Date.now();
    const next = await sessionNow(basePath);
    if (generation.current !== started) return;
    // The server ended a session this tab believed in (refresh rejected, signed out elsewhere):
    // tell every tab, so they all agree within a second.
    if (next?.status === 'unauthenticated' && statusRef.current === 'authenticated') announce({ type: 'session-ended' });
    else if (next) setState(toState(next));
    // Unknown answer (offline, 5xx): keep what we have rather than signing the user out.
    else setState((current) => (current.status === 'loading' ? { status: 'unauthenticated' } : current));
  }, [basePath]);

  // Renewal ahead of expiry, one request at a time across tabs, when the server asks for it.
  useRefreshAhead(refetch, state.status, basePath, csrfHeader);

  const signIn = useCallback(
    async (credentials: SignInCredentials): Promise<SignInResult> => {
      const outcome = await requestSignIn(basePath, { name: csrfName, value: csrfValue }, credentials);
      if (!outcome.ok) return outcome;
      announce({ type: 'signed-in', session: outcome.session });
      return { ok: true, redirectTo: outcome.redirectTo };
    },
    [basePath, csrfName, csrfValue],
  );

  const signOut = useCallback(async (): Promise<SignOutResult> => {
    const { confirmed, redirectTo } = await requestSignOut(basePath, { name: csrfName, value: csrfValue });
    // Why: only claim "signed out" when the server agrees; otherwise show what the server says.
    if (confirmed) announce({ type: 'signed-out' });
    else await refetch();
    return redirectTo ? { ok: confirmed, redirectTo } : { ok: confirmed };
  }, [basePath, csrfName, csrfValue, refetch]);

  // Events from this tab (sign-in/out in any provider, a 401 seen by bffFetch).
  useEffect(
    () =>
      onSessionEvent((event) => {
        generation.current += 1;
        lastSync.current = Date.now();
        setState(event.type === 'signed-in' ? toState(event.session) : { status: 'unauthenticated' });
      }),
    [],
  );

  // Other tabs changed something: ask the server (no throttle, so tabs agree within a second).
  useEffect(() => onRemoteSessionEvent(() => void refetch()), [refetch]);

  // First load without a server-provided session; otherwise the seed counts as a fresh sync.
  const seeded = session !== undefined;
  useEffect(() => {
    if (seeded) lastSync.current = Date.now();
    else void refetch();
    // Mount only: later prop changes are handled by the effect below.
  }, []);

  // A new server render (router.refresh(), navigation) brings a new session: adopt it.
  const sessionKey = session ? JSON.stringify(session) : null;
  const adoptedKey = useRef(sessionKey);
  useEffect(() => {
    if (!session || sessionKey === adoptedKey.current) return;
    adoptedKey.current = sessionKey;
    generation.current += 1;
    lastSync.current = Date.now();
    setState(toState(session));
    // Keyed on content: a server render sends a new but equal object every time.
  }, [sessionKey]);

  // Coming back to the tab: check the session, at most once per FOCUS_REFETCH_INTERVAL_SECONDS.
  useEffect(() => {
    const onFocus = () => {
      if (document.visibilityState === 'hidden') return;
      if (Date.now() - lastSync.current < FOCUS_REFETCH_INTERVAL_SECONDS * MS_PER_SECOND) return;
      void refetch();
    };
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onFocus);
    return () => {
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onFocus);
    };
  }, [refetch]);

  const value = useMemo<UseSessionResult>(
    () => ({ ...state, signIn, signOut, refetch }),
    [state, signIn, signOut, refetch],
  );
  return <SessionContext value={value}>{children}</SessionContext>;
}
