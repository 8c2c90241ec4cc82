import type { BffContext } from '../context';
import { forwardTo, resolveForwardTarget } from '../forward/forward';
import type { ResolvedUpstream } from '../forward/upstream';
import { clientAddress } from '../http/client-ip';
import type { Cookie } from '../http/cookie';
import { checkCsrf, isSafeMethod } from '../http/csrf';
import { errorResponse, PRIVATE_CACHE_CONTROL, toErrorResponse, withCookies } from '../http/response';
import { loadSession, mergeCookies, updateSession, type LoadedSession } from '../session/load';

/** A server-side backend call's answer, plus the cookie changes a refresh made (if any). */
export interface ServerFetchResult {
  response: Response;
  /** Cookies to set when the caller can (route handler, Server Action). */
  cookies: Cookie[];
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
    if (!target.ok) ctx.telemetry.refused(upstream.name, request, target.response);
    if (!target.ok) return target.response;
    if (!isSafeMethod(request.method)) {
      const csrf = checkCsrf(request, { ...ctx.config.csrf, appOrigin: ctx.config.appOrigin }, 'header');
      ctx.telemetry.csrf(request, csrf);
      if (!csrf.ok) return errorResponse(csrf.code, csrf.message);
    }
    const loaded = await loadSession(ctx, request.headers.get('cookie'), 'if-due');
    const { response, cookies } = await sendWithSession(ctx, request, upstream, target.url, loaded);
    // Per-user data read with the session: never stored by shared caches (docs/security.md 29).
    response.headers.set('cache-control', PRIVATE_CACHE_CONTROL);
    return withCookies(response, cookies);
  } catch (error) {
    return toErrorResponse(error);
  }
}

/**
 * A backend call made by server code (Server Components, Server Actions, route handlers) for the
 * session in `cookieHeader`. It shares the forwarding code path: same allow-list, header hygiene,
 * refresh-ahead and one retry after a 401. Without `upstream`, the first configured one is called.
 *
 * @example
 * const { response } = await serverFetch(ctx, cookieHeader, 'api', '/auth/me');
 */
export async function serverFetch(
  ctx: BffContext,
  cookieHeader: string | null,
  name: string | undefined,
  path: string,
  init: RequestInit = {},
): Promise<ServerFetchResult> {
  const upstream = upstreamNamed(ctx, name ?? defaultUpstream(ctx));
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError('bffkit: fetchBackend path must start with /');
  const request = new Request(new URL(upstream.mount + path, ctx.config.appUrl), init);
  const target = resolveForwardTarget(request, upstream);
  if (!target.ok) throw new TypeError(`bffkit: fetchBackend path or method not allowed for upstream '${upstream.name}'`);
  return sendWithSession(ctx, request, upstream, target.url, await loadSession(ctx, cookieHeader, 'if-due'));
}

async function sendWithSession(
  ctx: BffContext,
  request: Request,
  upstream: ResolvedUpstream,
  url: URL,
  loaded: LoadedSession,
): Promise<ServerFetchResult> {
  if (loaded.kind === 'unavailable') return { response: toErrorResponse(loaded.error), cookies: [] };
  if (loaded.kind !== 'active') {
    const response =
      loaded.kind === 'ended'
        ? errorResponse('session_expired', 'Your session has ended. Sign in again.')
        : errorResponse('unauthenticated', 'Sign in first.');
    return { response, cookies: loaded.cookies };
  }
  let cookies = loaded.cookies;
  const response = await forwardTo(request, upstream, url, {
    accessToken: loaded.session.tokens.accessToken,
    clientIp: clientAddress(request, { trustProxy: ctx.config.trustProxy }),
    appUrl: ctx.config.appUrl,
    send: ctx.telemetry.upstream(upstream.name),
    // The upstream said 401 although the token looked valid: refresh the session in hand once and
    // retry once.
    onUnauthorized: async () => {
      const again = await updateSession(ctx, loaded.session, loaded.presentNames, false, 'force', ctx.config.clock());
      if (again.kind === 'active') {
        cookies = mergeCookies(cookies, again.cookies);
        return again.session.tokens.accessToken;
      }
      if (again.kind === 'ended') cookies = mergeCookies(cookies, again.cookies);
      return null;
    },
  });
  return { response, cookies };
}

function upstreamNamed(ctx: BffContext, name: string): ResolvedUpstream {
  const upstream = ctx.config.upstreams.get(name);
  if (!upstream) throw new TypeError(`bffkit: no upstream named '${name}' is configured`);
  return upstream;
}

function defaultUpstream(ctx: BffContext): string {
  const first = ctx.config.upstreams.keys().next().value;
  if (first === undefined) throw new TypeError('bffkit: fetchBackend needs an upstream; configure `upstreams`');
  return first;
}
