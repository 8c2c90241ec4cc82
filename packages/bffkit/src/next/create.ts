import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { NextRequest } from 'next/server';
import { cache } from 'react';
import type { Bff } from '../core/bff';
import type { BffOptions } from '../core/config';
import { errorResponse, failureResponse } from '../core/http/response';
import { consoleLogger } from '../core/logger';
import type { AuthRequirement } from '../core/step-up/level';
import type { ClientSession } from '../core/types';
import { withNextAfter } from './after-response';
import { expiringUserTags } from './auth-invalidation';
import { toCallResult, type CallResult } from './call-backend';
import { persistCookies } from './persist-cookies';
import { makeProxy, SESSION_ENDED_HEADER, type ProxyRules } from './proxy';
import { requestTime } from './request-time';
import { sharedCore } from './shared-core';
import { sessionActions, type SessionActions } from './sessions';
import { expireTag, userCache, type UserCache } from './user-cache';

type RouteHandler = (request: Request) => Promise<Response>;

/** Options of a server-side backend call: `fetch` options plus the upstream to call. */
export interface FetchBackendInit extends RequestInit {
  /** Name of the configured upstream. @default the first one configured */
  upstream?: string;
  /**
   * When the upstream asks for a stronger sign-in (RFC 9470): redirect the browser to that sign-in,
   * coming back to `returnTo`. Without it the 401 `step_up_required` response is returned.
   * @default undefined
   */
  stepUp?: { returnTo: string };
}

/** Options of `requireAuth`: the level a page or action needs, and where to come back after signing in. */
export interface RequireAuthOptions extends AuthRequirement {
  /** The page to come back to (validated like every returnTo). @default the configured defaultReturnTo */
  returnTo?: string;
}

/** bffkit bound to Next.js. Create it once (e.g. in `lib/bff.ts`) with {@link createBffNext}. */
export interface BffNext extends SessionActions, Omit<UserCache, 'tagOf'> {
  /** `export const { GET, POST } = bff.authRoutes;` in `app/api/auth/[...bffkit]/route.ts`. */
  readonly authRoutes: { GET: RouteHandler; POST: RouteHandler };
  /** Route handlers of the forwarding route for one upstream, e.g. in `app/api/backend/[...path]/route.ts`. */
  forwardRoutes(upstream: string): Record<'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS', RouteHandler>;
  /**
   * The signed-in user for Server Components and Server Actions: display data only, never a token.
   * **Never refreshes** (Server Components cannot write cookies; proxy.ts refreshes before rendering).
   * Request-time data: with Cache Components, read it inside `<Suspense>`, or pass the promise
   * unawaited to `<SessionProvider session={bff.getSession()}>`. Nothing runs while Next prerenders.
   */
  getSession(): Promise<ClientSession>;
  /** Calls the backend from server code with the session's access token attached (**refreshes when due**). */
  fetchBackend(path: string, init?: FetchBackendInit): Promise<Response>;
  /**
   * {@link BffNext.fetchBackend} with the answer as a plain {@link CallResult} value (JSON parsed):
   * what a Server Action returns to its caller, e.g. `{ ok: false, code: 'session_expired' }` once
   * the session has ended, never a redirect. Refreshed tokens are persisted (Server Actions can).
   */
  callBackend<T = unknown>(path: string, init?: FetchBackendInit): Promise<CallResult<T>>;
  /**
   * For pages and Server Actions: the signed-in user when the session meets `options` (an `acr`
   * level, a `maxAge` since sign-in), else a redirect (Next's `redirect()`) to the login page or to a
   * step-up sign-in that comes back to `returnTo`. **Never refreshes.**
   */
  requireAuth(options?: RequireAuthOptions): Promise<Extract<ClientSession, { status: 'authenticated' }>>;
  /** Checks the backend's configuration against what it advertises; throws a clear ConfigError. Call it in `instrumentation.ts`. */
  verify(): Promise<void>;
  /** The `proxy` function for `proxy.ts` (**refreshes when due**, before rendering). */
  proxy(rules: ProxyRules): (request: NextRequest) => Promise<Response>;
  /** The framework-free core (built on first use). */
  core(): Bff;
}

/**
 * Binds bffkit to Next.js. Pass a function to read the environment lazily: `next build` evaluates
 * route modules, and a missing secret must fail the first request with a clear message, not the build.
 *
 * @example
 * export const bff = createBffNext(() => ({
 *   secret: process.env.BFF_SECRET!,
 *   baseUrl: process.env.APP_URL!,
 *   backend: credentialsBackend({ url: process.env.BACKEND_URL! }),
 * }));
 */
export function createBffNext(options: BffOptions | (() => BffOptions)): BffNext {
  let bff: Bff | undefined;
  let resolved: BffOptions | undefined;
  // Shared by every bundle of the process (proxy.ts, route handlers, pages): see shared-core.ts.
  const core = (): Bff => (bff ??= sharedCore((resolved ??= withNextAfter(typeof options === 'function' ? options() : options))));
  const safe = (run: (b: Bff, r: Request) => Promise<Response>): RouteHandler => async (request) => {
    try {
      // A GET route handler is prerendered by `next build` unless it waits for the request.
      await requestTime();
      return await run(core(), request);
    } catch (error) {
      return failureResponse(error, resolved?.logger ?? consoleLogger);
    }
  };
  // One read per request, shared by every Server Component that asks (React's request cache).
  // requestTime() first: nothing below (clock, random ids, the configuration) runs while Next
  // prerenders, so `next build` never constructs bffkit and never needs the secret.
  const requestHeaders = cache(async () => {
    await requestTime();
    return headers();
  });
  const cookieHeader = cache(async () => (await requestHeaders()).get('cookie'));
  const getSession = cache(async (): Promise<ClientSession> => {
    const cookie = await cookieHeader();
    return core().readSession(cookie);
  });
  const users = userCache({ core, getSession, cookieHeader });
  const authHandler = expiringUserTags(core, (r) => core().handleAuth(r), (userId) => expireTag(users.tagOf(userId)));
  const auth = safe((_b, r) => authHandler(r));
  const fetchBackend = async (path: string, init: FetchBackendInit = {}): Promise<Response> => {
    const cookie = await cookieHeader();
    // proxy.ts ended the session on this very request (refresh rejected) and removed its cookie.
    if ((await requestHeaders()).get(SESSION_ENDED_HEADER) === '1' && !cookie?.includes(core().config.cookie.name)) {
      return errorResponse('session_expired', 'Your session has ended. Sign in again.');
    }
    const { upstream, stepUp: onStepUp, ...rest } = init;
    const { response, cookies, stepUp } = await core().fetchBackend(cookie, upstream, path, rest);
    await persistCookies(cookies);
    if (stepUp && onStepUp) redirect(core().stepUpLocation(stepUp, onStepUp.returnTo));
    return response;
  };
  const actions = sessionActions(core, cookieHeader);

  return {
    authRoutes: { GET: auth, POST: auth },
    forwardRoutes(upstream) {
      const handler = safe((b, r) => b.forward(r, upstream));
      return { GET: handler, HEAD: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler, OPTIONS: handler };
    },
    getSession,
    fetchBackend,
    callBackend: async (path, init) => toCallResult(await fetchBackend(path, init)),
    async requireAuth(options = {}) {
      const { returnTo, ...requirement } = options;
      // The request first: nothing of bffkit is built while Next prerenders (no secret at build time).
      const cookie = await cookieHeader();
      const check = await core().checkAuth(cookie, requirement, returnTo ?? core().config.defaultReturnTo);
      if (!check.ok) redirect(check.location);
      return check.session;
    },
    verify: () => core().verify(),
    proxy: (rules) => makeProxy(core, rules),
    core,
    ...actions,
    // Signing out (here or everywhere) expires the user's bff.perUser() entries.
    async endSession(sessionId) {
      const tag = await users.userCacheTag();
      const result = await actions.endSession(sessionId);
      if (result.signedOut && tag) expireTag(tag);
      return result;
    },
    async signOutEverywhere() {
      const tag = await users.userCacheTag();
      const result = await actions.signOutEverywhere();
      if (tag) expireTag(tag);
      return result;
    },
    perUser: users.perUser,
    fetchBackendFor: users.fetchBackendFor,
    userCacheTag: users.userCacheTag,
  };
}
