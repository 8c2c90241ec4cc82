import type { BffContext } from '../context';
import { applyCookies, serializeCookie, type Cookie } from '../http/cookie';
import { errorResponse, PRIVATE_CACHE_CONTROL, toErrorResponse, withCookies } from '../http/response';
import { safeReturnTo } from '../http/return-to';
import { accessTokenDue, serverRefreshSkew } from '../session/lifetime';
import { loadSession } from '../session/load';
import { authSatisfies, checkRequirement, type AuthRequirement } from '../step-up/level';
import { stepUpLocation } from '../step-up/location';
import { stepUpResponse } from '../step-up/response';

/** A protected path that also needs a sign-in level: an `acr`, a `maxAge` since the sign-in. */
export interface ProtectedPath extends AuthRequirement {
  path: string;
}

/** Which requests the guard (Next's `proxy.ts`) protects. */
export interface GuardRules {
  /**
   * Path prefixes that need a session (segment-wise: '/notes' covers '/notes' and '/notes/1'). An
   * entry `{ path, acr?, maxAge? }` also needs that level: a weaker or older sign-in is sent through
   * the step-up sign-in (pages) or answered 401 `step_up_required` (APIs) before anything renders.
   */
  protectedPaths: readonly (string | ProtectedPath)[];
  /** Requests under this prefix are APIs: 401 JSON instead of a redirect. @default '/api/' */
  apiPrefix?: string;
}

/** What happens to a request before it renders. A framework binding turns it into its own response. */
export type GuardDecision =
  /**
   * Go on rendering; when `requestCookie` is set, the request's Cookie header is replaced with it.
   * `ended`: the backend rejected the refresh just now, so the session is over (not merely absent).
   */
  | { type: 'continue'; requestCookie?: string; cookies: Cookie[]; ended?: true }
  /** Redirect (unauthenticated page request) to an absolute URL on the configured origin. */
  | { type: 'redirect'; location: string; cookies: Cookie[]; ended?: true }
  /** Answer directly (401 JSON for APIs, 5xx when the backend is down for an API). */
  | { type: 'respond'; response: Response };

/**
 * Decides, before rendering, what happens to a request: refresh a due token and hand the fresh
 * cookie to both the browser and this request's Server Components (docs/security.md 26); send
 * anonymous page requests to the login page with a safe `returnTo`; answer APIs with 401 JSON.
 * A prefetch (the router's, or the browser's speculative one) never refreshes: with a due token it
 * is answered 204, nothing to prefetch (Next drops it and the navigation itself refreshes), so a
 * burst of prefetches across instances never presents the same refresh token twice.
 * Route handlers still check the session themselves: this is a convenience layer, not the
 * authorisation (docs/security.md 23).
 *
 * @example
 * const decision = await guardRequest(ctx, request, { protectedPaths: ['/profile', '/notes'] });
 */
export async function guardRequest(ctx: BffContext, request: Request, rules: GuardRules): Promise<GuardDecision> {
  const url = pageUrl(new URL(request.url));
  const { config } = ctx;
  if (url.pathname === config.basePath || url.pathname.startsWith(`${config.basePath}/`)) {
    return { type: 'continue', cookies: [] };
  }
  const isApi = url.pathname.startsWith(rules.apiPrefix ?? '/api/');
  const rule = matchingRule(rules.protectedPaths, url.pathname);
  const isProtected = rule !== undefined;
  const cookieHeader = request.headers.get('cookie');
  // Fast path: no cookie of ours at all on a public page, nothing to read.
  if (!isProtected && !(cookieHeader ?? '').includes(config.cookie.name)) return { type: 'continue', cookies: [] };

  const prefetch = isPrefetch(request);
  const loaded = await loadSession(ctx, cookieHeader, prefetch ? 'never' : 'if-due');
  if (loaded.kind === 'active') {
    if (prefetch && accessTokenDue(loaded.session.tokens, config.clock(), serverRefreshSkew(config))) {
      return { type: 'respond', response: withCookies(new Response(null, { status: 204, headers: { 'cache-control': PRIVATE_CACHE_CONTROL } }), loaded.cookies) };
    }
    if (typeof rule === 'object' && !authSatisfies(loaded.session.auth, rule, config.clock())) {
      const need = checkRequirement(rule);
      if (isApi) return { type: 'respond', response: withCookies(stepUpResponse(need, config.backend.startLogin ? 'redirect' : 'form'), loaded.cookies) };
      const location = new URL(stepUpLocation(config, need, url.pathname + url.search), config.appUrl).toString();
      return { type: 'redirect', location, cookies: loaded.cookies };
    }
    if (loaded.cookies.length === 0) return { type: 'continue', cookies: [] };
    return { type: 'continue', cookies: loaded.cookies, requestCookie: applyCookies(cookieHeader, loaded.cookies) };
  }
  if (loaded.kind === 'unavailable') {
    // The session is kept. APIs get the transient error; pages render and can show their own state.
    return isApi && isProtected ? { type: 'respond', response: toErrorResponse(loaded.error) } : { type: 'continue', cookies: [] };
  }
  const cookies = loaded.cookies;
  const requestCookie = cookies.length ? applyCookies(cookieHeader, cookies) : undefined;
  const ended = loaded.kind === 'ended' ? ({ ended: true } as const) : {};
  if (!isProtected) return { type: 'continue', cookies, ...(requestCookie !== undefined && { requestCookie }), ...ended };
  if (isApi) {
    const code = loaded.kind === 'ended' ? 'session_expired' : 'unauthenticated';
    const message = loaded.kind === 'ended' ? 'Your session has ended. Sign in again.' : 'Sign in first.';
    return { type: 'respond', response: withCookies(errorResponse(code, message), cookies) };
  }
  const returnTo = safeReturnTo(url.pathname + url.search, config.defaultReturnTo);
  const location = new URL(`${config.loginPage}?${new URLSearchParams({ returnTo })}`, config.appUrl).toString();
  return { type: 'redirect', location, cookies, ...ended };
}

/** The rule of `protectedPaths` that covers `pathname` (the first one), if any. */
function matchingRule(paths: GuardRules['protectedPaths'], pathname: string): string | ProtectedPath | undefined {
  return paths.find((entry) => {
    const p = typeof entry === 'string' ? entry : entry.path;
    return pathname === p || pathname.startsWith(p.endsWith('/') ? p : `${p}/`);
  });
}

/**
 * Whether a request is speculative: Next's router prefetch (`Next-Router-Prefetch`), or the browser's
 * own (`Sec-Purpose: prefetch`, speculation rules and `<link rel=prefetch>`; `Purpose: prefetch` in
 * older browsers and the Pages Router).
 *
 * @example
 * isPrefetch(new Request(url, { headers: { 'next-router-prefetch': '1' } })); // true
 */
export function isPrefetch(request: Request): boolean {
  const h = request.headers;
  if (h.get('next-router-prefetch') !== null) return true;
  return /(^|[\s,;])prefetch\b/i.test(`${h.get('sec-purpose') ?? ''},${h.get('purpose') ?? ''}`);
}

/**
 * The response headers a `continue` or `redirect` decision adds: its Set-Cookie lines and, when the
 * answer depends on the session cookie (cookies change, or a redirect to the login page), the private
 * no-store Cache-Control, so no shared cache keeps it (docs/security.md 29).
 *
 * @example
 * for (const [name, value] of guardHeaders(decision)) response.headers.append(name, value);
 */
export function guardHeaders(decision: Exclude<GuardDecision, { type: 'respond' }>): [string, string][] {
  const out: [string, string][] = decision.cookies.map((c) => ['set-cookie', serializeCookie(c)]);
  if (decision.cookies.length || decision.type === 'redirect') out.push(['cache-control', PRIVATE_CACHE_CONTROL]);
  return out;
}

/**
 * The page URL a request is for, as Next routes it. With `skipProxyUrlNormalize` (which lets proxy.ts
 * refuse Next's malformed RSC requests) proxy.ts sees raw URLs: a Pages Router data request
 * `/_next/data/<build>/notes.json` is the page `/notes`, and Next's `_rsc` cache-busting parameter is
 * no part of where the user was (it must not end up in `returnTo`).
 *
 * @example
 * pageUrl(new URL('https://app.example.com/_next/data/b1/notes/1.json?_rsc=x')).pathname; // '/notes/1'
 */
export function pageUrl(raw: URL): URL {
  const url = new URL(raw);
  const data = /^\/_next\/data\/[^/]+(\/.*)\.json$/.exec(url.pathname);
  if (data) url.pathname = data[1] === '/index' ? '/' : data[1]!;
  url.searchParams.delete('_rsc');
  return url;
}
