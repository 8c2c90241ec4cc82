import type { BffContext } from '../context';
import { rewriteCookieHeader } from '../http/cookie-rewrite';
import { errorResponse, toErrorResponse } from '../http/response';
import { withCookies } from '../http/respond';
import { safeReturnTo } from '../http/return-to';

/** Which requests proxy.ts guards. */
export interface ProxyRules {
  /** Path prefixes that need a session (segment-wise: '/notes' covers '/notes' and '/notes/1'). */
  protectedPaths: readonly string[];
  /** Requests under this prefix are APIs: 401 JSON instead of a redirect. @default '/api/' */
  apiPrefix?: string;
}

/** What proxy.ts should do. The Next binding turns it into a NextResponse. */
export type ProxyDecision =
  /** Go on rendering; when `requestCookie` is set, the request's Cookie header is replaced with it. */
  | { type: 'continue'; requestCookie?: string; setCookies: string[] }
  /** Redirect (unauthenticated page request) to an absolute URL on the configured origin. */
  | { type: 'redirect'; location: string; setCookies: string[] }
  /** Answer directly (401 JSON for APIs, 5xx when the backend is down for an API). */
  | { type: 'respond'; response: Response };

/**
 * Decides, before rendering, what happens to a request: refresh a due token and hand the fresh
 * cookie to both the browser and this request's Server Components; send anonymous page requests
 * to the login page with a safe `returnTo`; answer APIs with 401 JSON. Route handlers still check
 * the session themselves: this is a convenience layer, not the authorisation (SECURITY.md 23).
 *
 * @example
 * const decision = await bff.proxy(request, { protectedPaths: ['/profile', '/notes'] });
 */
export async function decideProxy(ctx: BffContext, request: Request, rules: ProxyRules): Promise<ProxyDecision> {
  const url = new URL(request.url);
  const { config } = ctx;
  if (url.pathname === config.basePath || url.pathname.startsWith(`${config.basePath}/`)) {
    return { type: 'continue', setCookies: [] };
  }
  const isApi = url.pathname.startsWith(rules.apiPrefix ?? '/api/');
  const isProtected = rules.protectedPaths.some((p) => url.pathname === p || url.pathname.startsWith(p.endsWith('/') ? p : `${p}/`));
  const cookieHeader = request.headers.get('cookie');
  // Fast path: no cookie of ours at all on a public page, nothing to read.
  if (!isProtected && !(cookieHeader ?? '').includes(config.cookie.name)) return { type: 'continue', setCookies: [] };

  const loaded = await ctx.load(cookieHeader, 'if-due');
  if (loaded.kind === 'active') {
    if (loaded.setCookies.length === 0) return { type: 'continue', setCookies: [] };
    return { type: 'continue', setCookies: loaded.setCookies, requestCookie: rewriteCookieHeader(cookieHeader, loaded.setCookies) };
  }
  if (loaded.kind === 'unavailable') {
    // The session is kept. APIs get the transient error; pages render and can show their own state.
    return isApi && isProtected ? { type: 'respond', response: toErrorResponse(loaded.error) } : { type: 'continue', setCookies: [] };
  }
  const setCookies = loaded.setCookies;
  const requestCookie = setCookies.length ? rewriteCookieHeader(cookieHeader, setCookies) : undefined;
  if (!isProtected) return { type: 'continue', setCookies, ...(requestCookie !== undefined && { requestCookie }) };
  if (isApi) {
    const code = loaded.kind === 'ended' ? 'session_expired' : 'unauthenticated';
    const message = loaded.kind === 'ended' ? 'Your session has ended. Sign in again.' : 'Sign in first.';
    return { type: 'respond', response: withCookies(errorResponse(code, message), setCookies) };
  }
  const returnTo = safeReturnTo(url.pathname + url.search, config.defaultReturnTo);
  const location = new URL(`${config.loginPage}?${new URLSearchParams({ returnTo })}`, config.appUrl).toString();
  return { type: 'redirect', location, setCookies };
}
