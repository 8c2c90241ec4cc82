/**
 * Stops, in proxy.ts, the malformed requests that Next.js 16 itself would answer with a 500 before
 * any app code runs, and answers them with a clear 4xx JSON error instead. Found by the seeded fuzz
 * run (tests/security/fuzz.test.ts); every case below is one class of 500 it found:
 *
 * 1. A POST that Next treats as a possible Server Action (a `Next-Action` header, or a
 *    `multipart/form-data` body: Next tries every such POST to a page as a no-JS form action) whose
 *    body does not parse: Next's action handler throws ("Failed to parse body as FormData") → 400.
 * 2. The same kind of POST with an `Origin` that is malformed (Next's `new URL(origin)` throws) or
 *    names another host than `Host` / `X-Forwarded-Host` (Next's CSRF check aborts with a 500 by
 *    design) → 403 `forbidden_origin`. That is also the right answer: it is a cross-origin write.
 * 3. A `Next-Action` POST whose plain-text body is not a JSON array (or empty): React's decodeReply
 *    throws on what is not JSON, and Next reads the decoded arguments' `length` (`null` → TypeError) → 400.
 *    React's client always sends the arguments as an array (at least `[]`); as form data (when they
 *    hold files), that array is the field "0", and without it React's decoder fails ("Connection closed").
 * 4. An RSC request (`RSC: 1`) whose `Next-Router-State-Tree` header Next cannot parse or validate
 *    → 400. The check is Next's own parser (`parseAndValidateFlightRouterState`), so the guard
 *    refuses exactly what the installed Next would fail on, no more.
 *
 * Which requests count as possible Server Actions, and which origins pass, is decided by Next's own
 * `getServerActionRequestMetadata` and `isCsrfOriginAllowed`, for the same reason (deep imports of
 * next/dist: tied to Next 16's layout on purpose; a Next that moves them fails the build loudly
 * instead of silently refusing good requests). Everything else answers null (go on).
 * The library's proxy (next/proxy.ts) runs it first, before the session is read, so a refused request
 * touches no session.
 */
import { isCsrfOriginAllowed } from 'next/dist/server/app-render/csrf-protection.js';
import { parseAndValidateFlightRouterState } from 'next/dist/server/app-render/parse-and-validate-flight-router-state.js';
import { getServerActionRequestMetadata } from 'next/dist/server/lib/server-action-request-meta.js';
import { errorResponse } from '../core/http/response';

/** Options of {@link refuseMalformed}. */
export interface RequestGuardOptions {
  /**
   * Extra origins (hosts, `*.example.com` wildcards) allowed to post Server Actions: the same list
   * as `serverActions.allowedOrigins` in next.config. @default [] (same host only, as Next)
   */
  allowedOrigins?: readonly string[];
}

/**
 * Answers a 4xx JSON error for a request Next.js would fail on with a 500, or null to go on.
 *
 * @example
 * const refused = await refuseMalformed(request);
 * if (refused) return refused;
 */
export async function refuseMalformed(request: Request, options: RequestGuardOptions = {}): Promise<Response | null> {
  const headers = request.headers;
  const tree = headers.get('next-router-state-tree');
  if (tree !== null && headers.get('rsc') === '1') {
    try {
      parseAndValidateFlightRouterState(tree);
    } catch {
      return errorResponse('invalid_request', 'The router state header is malformed.');
    }
  }

  const action = getServerActionRequestMetadata(request as never);
  // URL-encoded posts never reach Next's action parser (it bails out before the origin check).
  if (!action.isPossibleServerAction || action.isURLEncodedAction) return null;

  const origin = headers.get('origin');
  if (origin !== null && !sameOrigin(origin, headers, options.allowedOrigins ?? [])) {
    return errorResponse('forbidden_origin', 'Cross-origin form posts are not allowed.');
  }
  if (action.isMultipartAction) {
    let form: FormData;
    try {
      form = await request.clone().formData();
    } catch {
      return errorResponse('invalid_request', 'The form data is malformed.');
    }
    // A Server Action call whose arguments React sent as form data (files among them) has its root,
    // the arguments array, in the field "0"; without it React's decoder waits for a part that never
    // comes and fails with "Connection closed".
    const root = form.get('0');
    if (action.isFetchAction && !(typeof root === 'string' && isJsonArray(root))) {
      return errorResponse('invalid_request', 'The Server Action payload is malformed.');
    }
  } else if (action.isFetchAction) {
    // React's client always sends a JSON array here (at least `[]`); an empty body makes decodeReply throw too.
    if (!isJsonArray(await request.clone().text())) return errorResponse('invalid_request', 'The Server Action payload is malformed.');
  }
  return null;
}

/** Next's Server Action CSRF rule: the Origin's host equals X-Forwarded-Host (first) or Host. */
function sameOrigin(origin: string, headers: Headers, allowed: readonly string[]): boolean {
  let originHost: string;
  if (origin === 'null') {
    originHost = 'null';
  } else {
    try {
      originHost = new URL(origin).host;
    } catch {
      return false;
    }
  }
  const forwarded = headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const host = forwarded || headers.get('host');
  if (host && originHost === host) return true;
  return isCsrfOriginAllowed(originHost, [...allowed]);
}

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}
