import { resolveConfig, type BffOptions, type ResolvedConfig } from './config';
import { createContext } from './context';
import { forwardRoute, serverFetch, type ServerFetchResult } from './routes/forward';
import { handleAuthRequest } from './routes/dispatch';
import { guardRequest, type GuardDecision, type GuardRules } from './routes/page-guard';
import { toClientSession } from './session/client-view';
import { loadSession, type LoadedSession, type RefreshMode } from './session/load';
import { endAllOwnSessions, endOwnSession, endUserSessions, listOwnSessions, type ActiveSession, type EndSessionsResult } from './session/manage';
import type { StepUpChallenge } from './step-up/challenge';
import type { AuthRequirement } from './step-up/level';
import { stepUpLocation } from './step-up/location';
import { checkAuth, type AuthCheck } from './step-up/require';
import type { ClientSession } from './types';

/** The framework-free bffkit: Web `Request` in, Web `Response` out. Build one per app with {@link createBff}. */
export interface Bff {
  /** The validated configuration. */
  readonly config: ResolvedConfig;
  /** Handles `{basePath}/login`, `/logout`, `/session` and the other auth routes. */
  handleAuth(request: Request): Promise<Response>;
  /** Forwards a browser API call under the upstream's mount to the upstream, token attached (refreshes when due). */
  forward(request: Request, upstream: string): Promise<Response>;
  /**
   * The browser-safe view of the session in a Cookie header. **Never refreshes and never writes a
   * cookie** (safe where cookies cannot be written, e.g. Server Components). Throws
   * `store_unavailable` when the store is down.
   */
  readSession(cookieHeader: string | null): Promise<ClientSession>;
  /**
   * Calls the backend from the server with the session's access token, **refreshing when due** (and
   * once more on a 401); the answer carries the cookies to persist. `path` is relative to the
   * upstream's URL; without `upstream`, the first configured one. Answers 401 JSON without a session.
   */
  fetchBackend(cookieHeader: string | null, upstream: string | undefined, path: string, init?: RequestInit): Promise<ServerFetchResult>;
  /** What proxy.ts should do with a page or API request (**refreshes when due**; redirect, 401, or continue). */
  guard(request: Request, rules: GuardRules): Promise<GuardDecision>;
  /**
   * The full server-side session, tokens included; **refreshes a due token** (any token with `'force'`) unless `mode` is
   * `'never'`. Server code only; never send it to the browser.
   */
  loadSession(cookieHeader: string | null, mode?: RefreshMode): Promise<LoadedSession>;
  /** The signed-in user's live sessions, no tokens (stateless cookie mode knows only the current one). */
  listSessions(cookieHeader: string | null): Promise<ActiveSession[]>;
  /** Ends one of the signed-in user's own sessions by id (another user's id ends nothing). */
  endSession(cookieHeader: string | null, sessionId: unknown): Promise<EndSessionsResult>;
  /** "Sign out everywhere": ends every session of the signed-in user, this one included. */
  endAllSessions(cookieHeader: string | null): Promise<EndSessionsResult>;
  /** Ends every session of a user by id, from trusted server code (admin, password change). Needs a store. */
  endUserSessions(userId: string): Promise<number>;
  /**
   * Checks the backend's configuration against what it advertises (OpenID discovery: PAR, DPoP,
   * client authentication, the FAPI 2.0 profile). Throws a ConfigError naming the mismatch, or a
   * BffError when the backend cannot be reached. Call it at start-up (Next: `instrumentation.ts`).
   */
  verify(): Promise<void>;
  /**
   * Whether the session meets an authentication requirement (`acr`, `maxAge`), else where to send the
   * browser: the login page, or a step-up sign-in that comes back to `returnTo`. **Never refreshes.**
   */
  checkAuth(cookieHeader: string | null, requirement: AuthRequirement, returnTo: string): Promise<AuthCheck>;
  /** Where to send the browser for the stronger sign-in a challenge asks for, coming back to `returnTo` (an app path). */
  stepUpLocation(challenge: StepUpChallenge, returnTo: string): string;
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
  const ctx = createContext(resolveConfig(options));
  const { config } = ctx;
  return {
    config,
    handleAuth: (request) => ctx.telemetry.request(request, null, () => handleAuthRequest(ctx, request)),
    forward: (request, upstream) => ctx.telemetry.request(request, 'bffkit.forward', () => forwardRoute(ctx, request, upstream)),
    readSession: (cookieHeader) =>
      ctx.telemetry.request(null, 'bffkit.session.read', async () => {
        // Only a store outage throws here, and it must surface (503), never read as "signed out".
        const read = await ctx.cookie.read(cookieHeader, config.clock());
        return toClientSession(read.session, config);
      }),
    fetchBackend: (cookieHeader, upstream, path, init) => ctx.telemetry.request(null, 'bffkit.fetch_backend', () => serverFetch(ctx, cookieHeader, upstream, path, init)),
    guard: (request, rules) => ctx.telemetry.request(request, 'bffkit.guard', () => guardRequest(ctx, request, rules)),
    loadSession: (cookieHeader, mode = 'if-due') => ctx.telemetry.request(null, null, () => loadSession(ctx, cookieHeader, mode)),
    listSessions: (cookieHeader) => ctx.telemetry.request(null, null, () => listOwnSessions(ctx, cookieHeader)),
    endSession: (cookieHeader, sessionId) => ctx.telemetry.request(null, null, () => endOwnSession(ctx, cookieHeader, sessionId)),
    endAllSessions: (cookieHeader) => ctx.telemetry.request(null, null, () => endAllOwnSessions(ctx, cookieHeader)),
    endUserSessions: (userId) => ctx.telemetry.request(null, null, () => endUserSessions(ctx, userId)),
    verify: async () => {
      await config.backend.verify?.();
    },
    checkAuth: (cookieHeader, requirement, returnTo) => ctx.telemetry.request(null, null, () => checkAuth(ctx, cookieHeader, requirement, returnTo)),
    stepUpLocation: (challenge, returnTo) => stepUpLocation(config, challenge, returnTo),
  };
}
