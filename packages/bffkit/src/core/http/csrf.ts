/**
 * Cross-site request forgery defence (docs/security.md 13-15): a static custom header (a cross-site page
 * cannot add one without a CORS preflight, which we never grant) plus Fetch Metadata / Origin checks.
 * SameSite cookies alone are not relied upon.
 */

/** How state-changing requests are recognised as coming from the app itself. */
export interface CsrfOptions {
  /** Name of the anti-forgery header (matched case-insensitively), e.g. `x-csrf`. */
  headerName: string;
  /** Exact value it must carry, e.g. `1`. */
  headerValue: string;
  /** The app's configured origin, e.g. `https://app.example.com` (never derived from Host). */
  appOrigin: string;
}

/** Outcome of {@link checkCsrf}: a value, not an exception. */
export type CsrfResult = { ok: true } | { ok: false; code: 'csrf_failed' | 'forbidden_origin'; message: string };

const OK: CsrfResult = { ok: true };
// Messages never echo the request's Origin: nothing attacker-controlled is reflected.
const FORBIDDEN: CsrfResult = { ok: false, code: 'forbidden_origin', message: 'Cross-origin request refused.' };
const MISSING_HEADER: CsrfResult = {
  ok: false,
  code: 'csrf_failed',
  message: 'Missing or invalid anti-forgery header.',
};

/**
 * Checks a state-changing request. `'header'` mode (fetch/JSON calls) requires the anti-forgery header;
 * `'form'` mode (progressive-enhancement form posts, which cannot set headers) instead requires an Origin
 * header equal to the app origin. Both modes refuse cross-site and same-site Fetch Metadata.
 *
 * @example
 * const r = checkCsrf(request, { headerName: 'x-csrf', headerValue: '1', appOrigin }, 'header');
 * if (!r.ok) return errorResponse(r.code, r.message);
 */
export function checkCsrf(request: Request, opts: CsrfOptions, mode: 'header' | 'form'): CsrfResult {
  const site = request.headers.get('sec-fetch-site');
  // 'same-site' is refused too: a sibling subdomain (another app, user content) is not us. Unknown
  // values fail closed. 'none' (user-initiated) is allowed only with a matching Origin (below).
  if (site !== null && site !== 'same-origin' && site !== 'none') return FORBIDDEN;

  const origin = request.headers.get('origin');
  if (origin !== null) {
    // Exact match only: 'null' (sandboxed/opaque), look-alike suffixes such as
    // 'https://app.example.com.evil.com', or two Origin headers joined by ', ' all fail.
    if (origin.toLowerCase() !== opts.appOrigin.toLowerCase()) return FORBIDDEN;
  } else if (mode === 'form' || (site !== null && site !== 'same-origin')) {
    // Browsers always send Origin on form POSTs; without it we cannot prove where the form lives.
    // In header mode, non-browser clients send neither header and are covered by the custom header.
    return FORBIDDEN;
  }

  if (mode === 'header' && request.headers.get(opts.headerName) !== opts.headerValue) return MISSING_HEADER;
  return OK;
}

/**
 * Whether a method is safe (never changes state, so no CSRF check). Exact upper-case match only: an
 * unusual spelling is treated as unsafe and therefore checked.
 *
 * @example
 * if (!isSafeMethod(request.method)) checkCsrf(request, opts, 'header');
 */
export function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}
