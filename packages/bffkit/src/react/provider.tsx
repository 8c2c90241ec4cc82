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
  UseSessionActionsResult,
  SignInResult,
  SignOutResult,
  UseSessionResult,
} from './types';

/** Props of {@link SessionProvider}. */
export type SessionProviderProps = {
  /**
   * The session read on the server for this request: the value (`await bff.getSession()`), or the
   * promise itself (`bff.getSession()`, not awaited) so the layout stays static under Cache
   * Components; `useSession()` then suspends until it resolves: put its callers inside
   * `<Suspense fallback>`. Omit it and the provider starts `loading` and asks the server.
   */
  session?: ClientSession | Promise<ClientSession>;
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

/** What a provider gives its hooks. */
export type SessionContextValue = {
  /** One value per provider render: every `useSession()` caller sees the same object. */
  value: UseSessionResult;
  /** The seed promise while nothing is known yet: `useSession()` suspends on it. */
  pending: Promise<ClientSession> | null;
  /** `value` for a resolved seed (one object per seed). */
  fromSeed(session: ClientSession): UseSessionResult;
  actions: UseSessionActionsResult;
};

export const SessionContext = createContext<SessionContextValue | null>(null);

function isPromise(value: unknown): value is Promise<ClientSession> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

function toState(session: ClientSession): State {
  noteSession(session); // when to renew it (refresh-ahead.ts)
  if (session.status !== 'authenticated') return { status: 'unauthenticated' };
  return { status: 'authenticated', user: session.user, expiresAt: session.expiresAt, ...(session.auth ? { auth: session.auth } : {}) };
}

/**
 * Holds the browser's view of the session. Seed it with the session a Server Component read
 * (no loading flash); it then follows sign-in/out, 401s from `bffFetch`, other tabs, and focus.
 * Seeded with a promise, it renders its children at once and only the `useSession()` callers wait
 * (inside their `<Suspense>`): the static shell shows their fallbacks, the session streams in.
 *
 * @example
 * // app/layout.tsx (Server Component). With Cache Components: not async, the promise not awaited.
 * return <SessionProvider session={bff.getSession()}>{children}</SessionProvider>;
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

  const seed = isPromise(session) ? session : undefined;
  // null: nothing authoritative happened since the seed promise: useSession() reads the seed itself.
  const [state, setState] = useState<State | null>(() =>
    seed ? null : session ? toState(session as ClientSession) : { status: 'loading' },
  );
  // The seed useSession() reads. A later one (router.refresh()) takes its place once it has resolved,
  // so nothing suspends again. Why the first one is never "adopted" into state: a context change
  // while a streamed <Suspense> is still hydrating makes React throw its server HTML away and render
  // it again on the client (for a moment both copies are in the page).
  const [shown, setShown] = useState(seed);
  const shownRef = useRef(shown);
  shownRef.current = shown;
  const stateRef = useRef(state);
  stateRef.current = state;
  const statusRef = useRef<SessionStatus | undefined>(state?.status);
  if (state) statusRef.current = state.status;
  /** The signed-in user's id as last known (state, or a resolved seed): bffFetch's step-up retry is for that user only. */
  const userIdRef = useRef<string | undefined>(state?.status === 'authenticated' ? state.user?.id : undefined);
  if (state) userIdRef.current = state.status === 'authenticated' ? state.user?.id : undefined;
  configureClient({ basePath, userId: userIdRef.current });
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
    else setState((current) => (current?.status === 'loading' ? { status: 'unauthenticated' } : current));
  }, [basePath]);

  // Renewal ahead of expiry, one request at a time across tabs, when the server asks for it.
  useRefreshAhead(refetch, state?.status ?? 'loading', basePath, csrfHeader);

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
  const sessionKey = session && !seed ? JSON.stringify(session) : null;
  const adoptedKey = useRef(sessionKey);
  useEffect(() => {
    if (!session || seed || sessionKey === adoptedKey.current) return;
    adoptedKey.current = sessionKey;
    generation.current += 1;
    lastSync.current = Date.now();
    setState(toState(session as ClientSession));
    // Keyed on content: a server render sends a new but equal object every time.
  }, [sessionKey]);

  // A seed promise resolved. The first one: note what it said (useSession() renders it already). A
  // later one (a new server render): show it, unless something authoritative happened meanwhile.
  useEffect(() => {
    if (!seed) return;
    let live = true;
    const started = generation.current;
    seed.then(
      (resolved) => {
        if (!live || generation.current !== started) return;
        lastSync.current = Date.now();
        noteSession(resolved); // when to renew it (refresh-ahead.ts): a seed promise is never put in state
        if (seed === shownRef.current) {
          if (stateRef.current === null) {
            statusRef.current = resolved.status;
            userIdRef.current = resolved.status === 'authenticated' ? resolved.user.id : undefined;
            configureClient({ basePath, userId: userIdRef.current });
          }
          return;
        }
        generation.current += 1;
        statusRef.current = resolved.status;
        userIdRef.current = resolved.status === 'authenticated' ? resolved.user.id : undefined;
        setShown(seed);
        setState(null);
      },
      // A rejected seed (store down) reaches the useSession() callers' error boundary through use().
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [seed]);

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

  const actions = useMemo<UseSessionActionsResult>(() => ({ signIn, signOut, refetch }), [signIn, signOut, refetch]);
  const fromSeed = useMemo(() => {
    const views = new WeakMap<ClientSession, UseSessionResult>();
    return (resolved: ClientSession): UseSessionResult => {
      let view = views.get(resolved);
      if (!view) views.set(resolved, (view = { ...toState(resolved), ...actions }));
      return view;
    };
  }, [actions]);
  const context = useMemo<SessionContextValue>(
    () => ({
      value: { ...(state ?? { status: 'loading' }), ...actions },
      pending: state === null && shown ? shown : null,
      fromSeed,
      actions,
    }),
    [state, shown, actions, fromSeed],
  );
  return <SessionContext value={context}>{children}</SessionContext>;
}
