import { NextResponse, type NextRequest } from 'next/server';
import type { Bff } from '../core/bff';
import type { ProxyRules } from '../core/routes/page-guard';

/**
 * Builds the `proxy` function of a Next 16 `proxy.ts`: refreshes a due token before rendering, writes
 * the new cookie to the response AND into this request's Cookie header (so Server Components, route
 * handlers and Server Actions of the same request see the fresh session), redirects anonymous page
 * requests to the login page, and answers anonymous API requests with 401 JSON.
 */
export function makeProxy(getBff: () => Bff, rules: ProxyRules) {
  return async function proxy(request: NextRequest): Promise<Response> {
    const decision = await getBff().proxy(request, rules);
    let response: Response;
    if (decision.type === 'respond') return decision.response;
    if (decision.type === 'redirect') {
      response = NextResponse.redirect(decision.location, 307);
    } else if (decision.requestCookie !== undefined) {
      const headers = new Headers(request.headers);
      if (decision.requestCookie) headers.set('cookie', decision.requestCookie);
      else headers.delete('cookie');
      response = NextResponse.next({ request: { headers } });
    } else {
      response = NextResponse.next();
    }
    for (const line of decision.setCookies) response.headers.append('set-cookie', line);
    // Why also on redirects: the redirect to the login page depends on the session cookie, so no
    // shared cache may keep it (SECURITY.md 29).
    if (decision.setCookies.length || decision.type === 'redirect') response.headers.set('cache-control', 'private, no-store');
    return response;
  };
}
