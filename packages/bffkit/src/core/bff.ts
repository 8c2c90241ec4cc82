import { resolveConfig, type BffOptions, type ResolvedConfig } from './config';
import type { BffContext } from './context';
import { forwardRoute, serverFetch, type ServerFetchResult } from './routes/forward';
import { loadSession, type LoadedSession } from './session/load';
import { decideProxy, type ProxyDecision, type ProxyRules } from './routes/page-guard';
import { Refresher } from './session/refresh';
import { handleAuthRequest } from './routes/dispatch';
import { toClientSession } from './routes/session';
import { SessionCookie } from './session/session-cookie';
import { endAllOwnSessions, endOwnSession, endUserSessions, listOwnSessions, type ActiveSession, type EndSessionsResult } from './session/manage';
import type { ClientSession, SessionData } from './types';

/** The framework-free bffkit: Web `Request` in, Web `Response` out. Build one per app with {@link createBff}. */
export interface Bff {
  /** The validated configuration. */
  readonly config: ResolvedConfig;
  /** Handles `{basePath}/login`, `/logout`, `/session`. */
  handleAuth(request: Request): Promise<Response>;
  /** Forwards a browser API call under the upstream's mount to the upstream, token attached. */
  forward(request: Request, upstream: string): Promise<Response>;
  /** The browser-safe view of the session in a Cookie header (no refresh, no cookie writes). Throws `store_unavailable` when the store is down. */
  readSession(cookieHeader: string | null): Promise<ClientSession>;
  /**
   * Calls the backend from the server with the session's access token (refreshing when due, and
   * once more on a 401). `path` is relative to the upstream's URL. Answers 401 JSON without a session.
   */
  fetchBackend(cookieHeader: string | null, upstream: string, path: string, init?: RequestInit): Promise<ServerFetchResult>;
  /** What proxy.ts should do with a page or API request (refresh, redirect, 401, or continue). */
  proxy(request: Request, rules: ProxyRules): Promise<ProxyDecision>;
  /** The full server-side session, tokens included. Server code only; never send it to the browser. */
  loadSession(cookieHeader: string | null, mode?: 'never' | 'if-due'): Promise<LoadedSession>;
  /** The signed-in user's live sessions, no tokens (cookie mode knows only the current one). */
  listSessions(cookieHeader: string | null): Promise<ActiveSession[]>;
  /** Ends one of the signed-in user's own sessions by id (another user's id ends nothing). */
  endSession(cookieHeader: string | null, sessionId: unknown): Promise<EndSessionsResult>;
  /** "Sign out everywhere": ends every session of the signed-in user, this one included. */
  endAllSessions(cookieHeader: string | null): Promise<EndSessionsResult>;
  /** Ends every session of a user by id, from trusted server code (admin, password change). Needs a store. */
  endUserSessions(userId: string): Promise<number>;
}

/**
 * Builds bffkit from one options object, validated here once (keys are derived here too).
 *
 * @example
 * const bff = createBff({
 *   secret: process.env.BFF_SECRET!,
 *   baseUrl: 'https://app.example.com',
 *   backend: credentialsBackend({ url: 'https://api.example.com' }),
 *   upstreams: { api: { url: 'https://api.example.com', mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] } },
 * });
 */
export function createBff(options: BffOptions): Bff {
  const config = resolveConfig(options);
  const cookie = new SessionCookie(config);
  const refresher = new Refresher(config);
  const ctx: BffContext = {
    config,
    cookie,
    refresher,
    load: (cookieHeader, mode) => loadSession(config, cookie, refresher, cookieHeader, mode),
  };
  return {
    config,
    handleAuth: (request) => handleAuthRequest(ctx, request),
    forward: (request, upstream) => forwardRoute(ctx, request, upstream),
    async readSession(cookieHeader) {
      // Only a store outage throws here, and it must surface (503), never read as "signed out".
      const read = await cookie.read(cookieHeader, config.clock());
      return toClientSession(read.session, config);
    },
    fetchBackend: (cookieHeader, upstream, path, init) => serverFetch(ctx, cookieHeader, upstream, path, init),
    proxy: (request, rules) => decideProxy(ctx, request, rules),
    loadSession: (cookieHeader, mode = 'if-due') => ctx.load(cookieHeader, mode),
    listSessions: (cookieHeader) => listOwnSessions(ctx, cookieHeader),
    endSession: (cookieHeader, sessionId) => endOwnSession(ctx, cookieHeader, sessionId),
    endAllSessions: (cookieHeader) => endAllOwnSessions(ctx, cookieHeader),
    endUserSessions: (userId) => endUserSessions(ctx, userId),
  };
}

export type { SessionData, ActiveSession, EndSessionsResult };
