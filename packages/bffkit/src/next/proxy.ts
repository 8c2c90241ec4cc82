import { NextResponse, type NextRequest } from 'next/server';
import type { Bff } from '../core/bff';
import { applyCookies } from '../core/http/cookie';
import { guardHeaders, type GuardRules } from '../core/routes/page-guard';
import { checkRequirement } from '../core/step-up/level';
import { refuseMalformed, type RequestGuardOptions } from './request-guard';

/** What `bff.proxy()` takes: the pages and APIs to guard, and the Server Action origins Next allows. */
export type ProxyRules = GuardRules & RequestGuardOptions;

/**
 * A request header proxy.ts sets on the request it lets through when it has just ended the session
 * (the backend rejected the refresh), so the page's Server Actions and backend calls answer
 * `session_expired` rather than `unauthenticated`. Any copy a client sends is dropped first; one that
 * reaches a route proxy.ts does not run on changes nothing but that error code.
 */
export const SESSION_ENDED_HEADER = 'x-bffkit-session-ended';

/**
 * Builds the `proxy` function of a Next 16 `proxy.ts` from the core's decision: refreshes a due token
 * before rendering, writes the new cookie to the response AND into this request's Cookie header (so
 * Server Components, route handlers and Server Actions of the same request see the fresh session),
 * redirects anonymous page requests to the login page, and answers anonymous API requests with 401
 * JSON. First it refuses with a 4xx the malformed requests Next would answer with a 500 (see
 * request-guard.ts). It only translates the decision into Next's response objects, with one Next-specific rule:
 * a Server Action (a POST with `Next-Action`) is never redirected, because the client expects the
 * action's own answer, and a 307 makes it throw "An unexpected response was received from the
 * server". The action runs and finds no session (bffkit answers `session_expired`); it must check
 * the session itself anyway (docs/security.md 23).
 *
 * @example
 * export const proxy = makeProxy(core, { protectedPaths: ['/profile'] });
 */
export function makeProxy(getBff: () => Bff, rules: ProxyRules) {
  let checked = false;
  return async function proxy(request: NextRequest): Promise<Response> {
    if (!checked) {
      // At first use, not at import (next build evaluates proxy.ts): a bad level throws a clear TypeError.
      for (const entry of rules.protectedPaths) if (typeof entry === 'object') checkRequirement(entry);
      checked = true;
    }
    // First what Next itself would fail on with a 500, before any session is read.
    const refused = await refuseMalformed(request, rules);
    if (refused) return refused;
    const decision = await getBff().guard(request, rules);
    if (decision.type === 'respond') return decision.response;
    const isAction = request.method === 'POST' && request.headers.has('next-action');
    let response: NextResponse;
    if (decision.type === 'redirect' && !isAction) {
      response = NextResponse.redirect(decision.location, 307);
    } else {
      const requestCookie =
        decision.type === 'continue' ? decision.requestCookie : decision.cookies.length ? applyCookies(request.headers.get('cookie'), decision.cookies) : undefined;
      const forged = request.headers.has(SESSION_ENDED_HEADER);
      if (requestCookie !== undefined || decision.ended || forged) {
        const headers = new Headers(request.headers);
        if (requestCookie) headers.set('cookie', requestCookie);
        else if (requestCookie !== undefined) headers.delete('cookie');
        if (decision.ended) headers.set(SESSION_ENDED_HEADER, '1');
        else headers.delete(SESSION_ENDED_HEADER);
        response = NextResponse.next({ request: { headers } });
      } else {
        response = NextResponse.next();
      }
    }
    for (const [name, value] of guardHeaders(decision)) {
      if (name === 'set-cookie') response.headers.append(name, value);
      else response.headers.set(name, value);
    }
    return response;
  };
}
