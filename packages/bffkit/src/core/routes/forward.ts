import { clientAddress } from '../http/client-ip';
import type { BffContext } from '../context';
import { rewriteCookieHeader } from '../http/cookie-rewrite';
import { checkCsrf, isSafeMethod } from '../http/csrf';
import { forwardTo, resolveForwardTarget } from '../forward/forward';
import type { ResolvedUpstream } from '../forward/upstream';
import { errorResponse, toErrorResponse } from '../http/response';
import type { LoadedSession } from '../session/load';
import { withCookies } from '../http/respond';

/** A server-side backend call's answer, plus the cookie changes a refresh made (if any). */
export interface ServerFetchResult {
  response: Response;
  /** Set-Cookie lines to persist when the caller can (route handler, Server Action). */
  setCookies: string[];
}

/**
 * The forwarding route: the browser's API call under the upstream's mount goes to the upstream with
 * the session's access token attached on the server. Order matters: refuse bad paths and methods,
 * then CSRF, then the session, and only then talk to the upstream.
 *
 * @example
 * export const GET = (request: Request) => forwardRoute(ctx, request, 'api');
 */
export async function forwardRoute(ctx: BffContext, request: Request, name: string): Promise<Response> {
  try {
    const upstream = upstreamNamed(ctx, name);
    const target = resolveForwardTarget(request, upstream);
    if (!target.ok) return target.response;
    if (!isSafeMethod(request.method)) {
      const csrf = checkCsrf(request, { ...ctx.config.csrf, appOrigin: ctx.config.appOrigin }, 'header');
      if (!csrf.ok) return errorResponse(csrf.code, csrf.message);
    }
    const cookieHeader = request.headers.get('cookie');
    const { response, setCookies } = await sendWithSession(ctx, request, upstream, target.url, cookieHeader, await ctx.load(cookieHeader, 'if-due'));
    // Per-user data read with the session: never stored by shared caches (SECURITY.md 29).
    response.headers.set('cache-control', 'private, no-store');
    return withCookies(response, setCookies);
  } catch (error) {
    return toErrorResponse(error);
  }
}

/**
 * A backend call made by server code (Server Components, Server Actions, route handlers) for the
 * session in `cookieHeader`. It shares the forwarding code path: same allow-list, header hygiene,
 * refresh-ahead and one retry after a 401.
 *
 * @example
 * const { response } = await serverFetch(ctx, cookieHeader, 'api', '/auth/me');
 */
export async function serverFetch(
  ctx: BffContext,
  cookieHeader: string | null,
  name: string,
  path: string,
  init: RequestInit = {},
): Promise<ServerFetchResult> {
  const upstream = upstreamNamed(ctx, name);
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError('bffkit: fetchBackend path must start with /');
  const request = new Request(new URL(upstream.mount + path, ctx.config.appUrl), init);
  const target = resolveForwardTarget(request, upstream);
  if (!target.ok) throw new TypeError(`bffkit: fetchBackend path or method not allowed for upstream '${name}'`);
  return sendWithSession(ctx, request, upstream, target.url, cookieHeader, await ctx.load(cookieHeader, 'if-due'));
}

async function sendWithSession(
  ctx: BffContext,
  request: Request,
  upstream: ResolvedUpstream,
  url: URL,
  cookieHeader: string | null,
  loaded: LoadedSession,
): Promise<ServerFetchResult> {
  if (loaded.kind === 'unavailable') return { response: toErrorResponse(loaded.error), setCookies: [] };
  if (loaded.kind !== 'active') {
    const ended = loaded.kind === 'ended';
    const response = ended
      ? errorResponse('session_expired', 'Your session has ended. Sign in again.')
      : errorResponse('unauthenticated', 'Sign in first.');
    return { response, setCookies: loaded.setCookies };
  }
  let setCookies = loaded.setCookies;
  const response = await forwardTo(request, upstream, url, {
    accessToken: loaded.session.tokens.accessToken,
    clientIp: clientAddress(request, { trustProxy: ctx.config.trustProxy }),
    appUrl: ctx.config.appUrl,
    // The upstream said 401 although the token looked valid: refresh once and retry once.
    onUnauthorized: async () => {
      const again = await ctx.load(rewriteCookieHeader(cookieHeader, setCookies), 'force');
      if (again.kind === 'active') {
        setCookies = again.setCookies.length ? again.setCookies : setCookies;
        return again.session.tokens.accessToken;
      }
      if (again.kind === 'ended') setCookies = again.setCookies;
      return null;
    },
  });
  return { response, setCookies };
}

function upstreamNamed(ctx: BffContext, name: string): ResolvedUpstream {
  const upstream = ctx.config.upstreams.get(name);
  if (!upstream) throw new TypeError(`bffkit: no upstream named '${name}' is configured`);
  return upstream;
}
