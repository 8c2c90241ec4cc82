import { DEFAULT_CSRF_HEADER } from '../core/defaults';
import { announce } from './events';
import type { CsrfHeader } from './types';


/** Base used to judge "same origin" where there is no `location` (SSR, tests): matches no real origin. */
const NO_ORIGIN_BASE = 'http://bffkit.invalid/';

let csrfHeader: CsrfHeader = DEFAULT_CSRF_HEADER;

/**
 * Sets the header `bffFetch` sends. Called by `<SessionProvider csrfHeader>`; not public.
 *
 * @example
 * configureCsrfHeader({ name: 'x-csrf', value: '1' });
 */
export function configureCsrfHeader(header: CsrfHeader): void {
  if (header.name !== csrfHeader.name || header.value !== csrfHeader.value) csrfHeader = { ...header };
}

/** The header currently configured (used by the provider's own requests too). */
export function currentCsrfHeader(): CsrfHeader {
  return csrfHeader;
}

/**
 * Throws a TypeError unless `input` resolves to this page's origin.
 * Why: the session cookie and the anti-forgery header must never be sent to another origin.
 */
function assertSameOrigin(input: string | URL): void {
  const base = globalThis.location?.href ?? NO_ORIGIN_BASE;
  let target: URL;
  try {
    target = new URL(input, base);
  } catch {
    throw new TypeError('bffFetch: the URL is malformed.');
  }
  if (target.origin !== new URL(base).origin) {
    throw new TypeError('bffFetch only calls the app\'s own origin; use a relative path such as "/api/backend/notes".');
  }
}

/**
 * `fetch` for the app's own API routes: same origin only, sends the anti-forgery header and the
 * session cookie (`credentials: 'same-origin'`). A 401 means the session is gone: every
 * `SessionProvider` in this tab turns unauthenticated and other tabs are told to refetch.
 * The response is returned untouched (its body is not read).
 *
 * @throws TypeError when `input` points at another origin.
 * @example
 * const res = await bffFetch('/api/backend/notes', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ title: 'Hello', body: 'World' }),
 * });
 */
export async function bffFetch(input: string | URL, init?: RequestInit): Promise<Response> {
  assertSameOrigin(input);
  const headers = new Headers(init?.headers);
  headers.set(csrfHeader.name, csrfHeader.value);
  const response = await fetch(input, { ...init, headers, credentials: 'same-origin' });
  if (response.status === 401) announce({ type: 'session-ended' });
  return response;
}
