import { NextResponse, type NextRequest } from 'next/server';
import type { Bff } from '../core/bff';
import { guardHeaders, type GuardRules } from '../core/routes/page-guard';
import { refuseMalformed, type RequestGuardOptions } from './request-guard';

/** What `bff.proxy()` takes: the pages and APIs to guard, and the Server Action origins Next allows. */
export type ProxyRules = GuardRules & RequestGuardOptions;

/**
 * Builds the `proxy` function of a Next 16 `proxy.ts` from the core's decision: refreshes a due token
 * before rendering, writes the new cookie to the response AND into this request's Cookie header (so
 * Server Components, route handlers and Server Actions of the same request see the fresh session),
 * redirects anonymous page requests to the login page, and answers anonymous API requests with 401
 * JSON. It only translates the decision into Next's response objects, after refusing with a 4xx the
 * malformed requests Next would answer with a 500 (see request-guard.ts).
 *
 * @example
 * export const proxy = makeProxy(core, { protectedPaths: ['/profile'] });
 */
export function makeProxy(getBff: () => Bff, rules: ProxyRules) {
  return async function proxy(request: NextRequest): Promise<Response> {
    // First what Next itself would fail on with a 500, before any session is read.
    const refused = await refuseMalformed(request, rules);
    if (refused) return refused;
    const decision = await getBff().guard(request, rules);
    if (decision.type === 'respond') return decision.response;
    let response: NextResponse;
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
    for (const [name, value] of guardHeaders(decision)) {
      if (name === 'set-cookie') response.headers.append(name, value);
      else response.headers.set(name, value);
    }
    return response;
  };
}
