import { DEFAULT_BASE_PATH, DEFAULT_CSRF_HEADER } from '../core/defaults';
import { announce } from './events';
import { beforeRequest, stillSignedIn } from './refresh-ahead';
import { persistPendingCall, recordStepUp, stepUpState, type PendingCall } from './step-up-store';
import type { BffFetchOptions, CsrfHeader, StepUpRequired } from './types';


/** Base used to judge "same origin" where there is no `location` (SSR, tests): matches no real origin. */
const NO_ORIGIN_BASE = 'http://bffkit.invalid/';

let csrfHeader: CsrfHeader = DEFAULT_CSRF_HEADER;
let basePath: string = DEFAULT_BASE_PATH;
/** The signed-in user's id as the provider knows it (a step-up retry happens for this user only). */
let userId: string | undefined;

/**
 * Sets the header `bffFetch` sends. Called by `<SessionProvider csrfHeader>`; not public.
 *
 * @example
 * configureCsrfHeader({ name: 'x-csrf', value: '1' });
 */
export function configureCsrfHeader(header: CsrfHeader): void {
  if (header.name !== csrfHeader.name || header.value !== csrfHeader.value) csrfHeader = { ...header };
}

/**
 * Sets where the auth routes are and who is signed in. Called by `<SessionProvider>`; not public.
 *
 * @example
 * configureClient({ basePath: '/api/auth', userId: 'u-1' });
 */
export function configureClient(options: { basePath: string; userId: string | undefined }): void {
  basePath = options.basePath;
  // Only in the browser: during server rendering this module is shared by every request.
  if (typeof window !== 'undefined') userId = options.userId;
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
 * session cookie (`credentials: 'same-origin'`). When `SessionProvider` renews the session from the
 * browser (no shared refresh coordinator, docs/multi-instance.md) and its renewal time has passed
 * (after a sleep), the call waits for that renewal first. A 401 means the session is gone: every
 * `SessionProvider` in this tab turns unauthenticated and other tabs are told to refetch (when the
 * browser renews sessions, a 401 `session_expired` is checked once first: if the session is in fact
 * live, renewed by a concurrent response, the call is sent once more instead). Except a
 * 401 `step_up_required` (an API needs a stronger sign-in, RFC 9470): the session is kept, the
 * challenge goes to `useStepUp()`, and with `{ stepUp: 'redirect' }` the stronger sign-in starts at
 * once and the call is retried once on return. The response is returned untouched (its body unread).
 *
 * @throws TypeError when `input` points at another origin.
 * @example
 * const res = await bffFetch('/api/backend/payments', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ to: 'ACME Ltd', amount: 4200 }),
 * }, { stepUp: 'redirect' });
 */
export async function bffFetch(input: string | URL, init?: RequestInit, options: BffFetchOptions = {}): Promise<Response> {
  assertSameOrigin(input);
  const headers = new Headers(init?.headers);
  headers.set(csrfHeader.name, csrfHeader.value);
  await beforeRequest();
  const send = () => fetch(input, { ...init, headers, credentials: 'same-origin' });
  const response = await send();
  if (response.status !== 401) return response;
  const body = await jsonOf(response);
  const stepUp = stepUpOf(body);
  if (!stepUp) {
    if (body?.code === 'session_expired' && resendable(init?.body) && (await stillSignedIn())) return send();
    announce({ type: 'session-ended' });
    return response;
  }
  recordStepUp(stepUp, pendingCall(input, init, headers));
  if (options.stepUp === 'redirect' && stepUp.signIn === 'redirect') startStepUp();
  return response;
}

/**
 * Sends the browser to the stronger sign-in the last challenge asked for, coming back to `returnTo`
 * (default: this page). The server validates `returnTo` like every returnTo.
 *
 * @example
 * startStepUp('/payments');
 */
export function startStepUp(returnTo?: string): void {
  const required = stepUpState().required;
  const loc = globalThis.location;
  if (!loc) return;
  const params = new URLSearchParams();
  if (required?.acrValues.length) params.set('acr_values', required.acrValues.join(' '));
  if (required?.maxAge !== undefined) params.set('max_age', String(required.maxAge));
  params.set('returnTo', returnTo ?? `${loc.pathname}${loc.search}`);
  if (userId !== undefined) persistPendingCall(userId);
  loc.assign(`${basePath}/oidc/login?${params}`);
}

/** The auth routes' base path as configured by the provider. */
export function currentBasePath(): string {
  return basePath;
}

/** A JSON object body, read from a clone (the caller's response stays unread); null for anything else. */
async function jsonOf(response: Response): Promise<Record<string, unknown> | null> {
  if (!(response.headers.get('content-type') ?? '').includes('application/json')) return null;
  try {
    const body: unknown = await response.clone().json();
    return body && typeof body === 'object' ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Whether a request body can be sent a second time (a stream cannot). */
function resendable(body: BodyInit | null | undefined): boolean {
  return !(typeof ReadableStream !== 'undefined' && body instanceof ReadableStream);
}

/** The `step_up_required` body of a 401, or null. */
function stepUpOf(b: Record<string, unknown> | null): StepUpRequired | null {
  if (!b) return null;
  if (b.code !== 'step_up_required') return null;
  const acrValues = Array.isArray(b.acrValues) ? b.acrValues.filter((v): v is string => typeof v === 'string') : [];
  const maxAge = typeof b.maxAge === 'number' && Number.isSafeInteger(b.maxAge) && b.maxAge >= 0 ? b.maxAge : undefined;
  return {
    code: 'step_up_required',
    message: typeof b.message === 'string' ? b.message : 'A stronger sign-in is needed.',
    acrValues,
    ...(maxAge !== undefined ? { maxAge } : {}),
    signIn: b.signIn === 'form' ? 'form' : 'redirect',
  };
}

/** The call as it can be replayed: a same-origin path, its method and headers, a string body (else not retryable). */
function pendingCall(input: string | URL, init: RequestInit | undefined, headers: Headers): PendingCall | null {
  const body = init?.body;
  if (body !== undefined && body !== null && typeof body !== 'string') return null;
  const base = globalThis.location?.href ?? NO_ORIGIN_BASE;
  const url = new URL(input, base);
  const kept: [string, string][] = [];
  headers.forEach((value, name) => {
    if (name !== csrfHeader.name) kept.push([name, value]);
  });
  return { url: `${url.pathname}${url.search}`, method: (init?.method ?? 'GET').toUpperCase(), headers: kept, ...(typeof body === 'string' ? { body } : {}) };
}
