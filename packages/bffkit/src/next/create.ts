import { headers } from 'next/headers';
import type { NextRequest } from 'next/server';
import { cache } from 'react';
import type { Bff } from '../core/bff';
import type { BffOptions } from '../core/config';
import { failureResponse } from '../core/http/response';
import { consoleLogger } from '../core/logger';
import type { GuardRules } from '../core/routes/page-guard';
import type { ClientSession } from '../core/types';
import { withNextAfter } from './after-response';
import { persistCookies } from './persist-cookies';
import { makeProxy } from './proxy';
import { sharedCore } from './shared-core';
import { sessionActions, type SessionActions } from './sessions';

type RouteHandler = (request: Request) => Promise<Response>;

/** Options of a server-side backend call: `fetch` options plus the upstream to call. */
export interface FetchBackendInit extends RequestInit {
  /** Name of the configured upstream. @default the first one configured */
  upstream?: string;
}

/** bffkit bound to Next.js. Create it once (e.g. in `lib/bff.ts`) with {@link createBffNext}. */
export interface BffNext extends SessionActions {
  /** `export const { GET, POST } = bff.authRoutes;` in `app/api/auth/[...bffkit]/route.ts`. */
  readonly authRoutes: { GET: RouteHandler; POST: RouteHandler };
  /** Route handlers of the forwarding route for one upstream, e.g. in `app/api/backend/[...path]/route.ts`. */
  forwardRoutes(upstream: string): Record<'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS', RouteHandler>;
  /**
   * The signed-in user for Server Components and Server Actions: display data only, never a token.
   * **Never refreshes** (Server Components cannot write cookies; proxy.ts refreshes before rendering).
   */
  getSession(): Promise<ClientSession>;
  /** Calls the backend from server code with the session's access token attached (**refreshes when due**). */
  fetchBackend(path: string, init?: FetchBackendInit): Promise<Response>;
  /** The `proxy` function for `proxy.ts` (**refreshes when due**, before rendering). */
  proxy(rules: GuardRules): (request: NextRequest) => Promise<Response>;
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
      return await run(core(), request);
    } catch (error) {
      return failureResponse(error, resolved?.logger ?? consoleLogger);
    }
  };
  const auth = safe((b, r) => b.handleAuth(r));
  // One read per request, shared by every Server Component that asks (React's request cache).
  const cookieHeader = cache(async () => (await headers()).get('cookie'));
  // Reading the headers first marks the page dynamic before any configuration is touched, so
  // `next build` never constructs bffkit (and never needs the secret) while prerendering.
  const getSession = cache(async (): Promise<ClientSession> => {
    const cookie = await cookieHeader();
    return core().readSession(cookie);
  });

  return {
    authRoutes: { GET: auth, POST: auth },
    forwardRoutes(upstream) {
      const handler = safe((b, r) => b.forward(r, upstream));
      return { GET: handler, HEAD: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler, OPTIONS: handler };
    },
    getSession,
    async fetchBackend(path, init = {}) {
      const cookie = await cookieHeader();
      const { upstream, ...rest } = init;
      const { response, cookies } = await core().fetchBackend(cookie, upstream, path, rest);
      await persistCookies(cookies);
      return response;
    },
    proxy: (rules) => makeProxy(core, rules),
    core,
    ...sessionActions(core, cookieHeader),
  };
}
