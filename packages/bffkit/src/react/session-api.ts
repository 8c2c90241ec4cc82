import type { AuthenticatedSession, AuthLevel, ClientSession, CsrfHeader, SessionUser, SignInCredentials } from './types';

/**
 * The three calls the provider makes to bffkit's auth routes. Each returns a value; none throws.
 * They use plain `fetch` (not `bffFetch`): a failed login is not a "session ended" event.
 */

export type SignInOutcome =
  | { ok: true; session: AuthenticatedSession; redirectTo: string }
  | { ok: false; code: string; message: string };

const NETWORK_ERROR = {
  ok: false,
  code: 'network_error',
  message: 'Could not reach the server. Check your connection and try again.',
} as const;
const UNEXPECTED_RESPONSE = { ok: false, code: 'network_error', message: 'Unexpected response from the server.' } as const;

/** Where to go when the server's redirect target is missing or not a local path. */
const FALLBACK_REDIRECT = '/';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function parseUser(value: unknown): SessionUser | null {
  if (!isRecord(value)) return null;
  const { id } = value;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  return { ...value, id: String(id) };
}

/**
 * Validates a session body (`GET /session`, `POST /login`). Anything unexpected is `null`.
 *
 * @example
 * parseClientSession({ status: 'unauthenticated' }); // { status: 'unauthenticated' }
 */
export function parseClientSession(body: unknown): ClientSession | null {
  if (!isRecord(body)) return null;
  if (body.status === 'unauthenticated') return { status: 'unauthenticated' };
  if (body.status !== 'authenticated') return null;
  const user = parseUser(body.user);
  const { expiresAt } = body;
  if (!user || typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return null;
  const session: ClientSession = { status: 'authenticated', user, expiresAt };
  const auth = parseAuth(body.auth);
  if (auth) session.auth = auth;
  // When the browser renews the session (refresh-ahead.ts); only without a shared refresh coordinator.
  if (typeof body.refreshAt === 'number' && Number.isFinite(body.refreshAt)) session.refreshAt = body.refreshAt;
  return session;
}

/** The sign-in level as the server reported it; anything malformed is left out. */
function parseAuth(value: unknown): AuthLevel | undefined {
  if (!isRecord(value)) return undefined;
  const auth: AuthLevel = {};
  if (typeof value.acr === 'string') auth.acr = value.acr;
  if (Array.isArray(value.amr) && value.amr.every((m) => typeof m === 'string')) auth.amr = value.amr as string[];
  if (typeof value.authTime === 'number' && Number.isFinite(value.authTime)) auth.authTime = value.authTime;
  return Object.keys(auth).length ? auth : undefined;
}

/** Why: defence in depth — the server validates returnTo, but never navigate off-site from here. */
function localPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) {
    return FALLBACK_REDIRECT;
  }
  return value;
}

/**
 * Asks the server for the current session. `null` when the answer is unknown (offline, 5xx).
 *
 * @example
 * const session = await requestSession('/api/auth');
 */
export async function requestSession(basePath: string): Promise<ClientSession | null> {
  try {
    const response = await fetch(`${basePath}/session`, {
      method: 'GET',
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (response.status === 401) return { status: 'unauthenticated' };
    if (!response.ok) return null;
    return parseClientSession(await readJson(response));
  } catch {
    return null;
  }
}

/**
 * Posts the credentials as JSON with the anti-forgery header.
 *
 * @example
 * const outcome = await requestSignIn('/api/auth', { name: 'x-csrf', value: '1' }, { email, password });
 */
export async function requestSignIn(
  basePath: string,
  csrf: CsrfHeader,
  { email, password, returnTo }: SignInCredentials,
): Promise<SignInOutcome> {
  let response: Response;
  try {
    response = await fetch(`${basePath}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', [csrf.name]: csrf.value },
      body: JSON.stringify(returnTo ? { email, password, returnTo } : { email, password }),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return NETWORK_ERROR;
  }
  const body = await readJson(response);
  if (response.ok) {
    const session = parseClientSession(body);
    if (session?.status !== 'authenticated') return UNEXPECTED_RESPONSE;
    return { ok: true, session, redirectTo: localPath(isRecord(body) ? body.redirectTo : undefined) };
  }
  if (isRecord(body) && typeof body.code === 'string' && typeof body.message === 'string') {
    return { ok: false, code: body.code, message: body.message };
  }
  return NETWORK_ERROR;
}

/**
 * Posts to `/logout`. `confirmed` when the server confirms the session is gone (200, or 401: none was
 * left); `redirectTo` when the server asks the browser to continue at the identity provider
 * (OpenID Connect RP-initiated logout): only an absolute http(s) URL the server sent.
 *
 * @example
 * const { confirmed } = await requestSignOut('/api/auth', csrf);
 */
export async function requestSignOut(basePath: string, csrf: CsrfHeader): Promise<{ confirmed: boolean; redirectTo?: string }> {
  try {
    const response = await fetch(`${basePath}/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', [csrf.name]: csrf.value },
      credentials: 'same-origin',
      cache: 'no-store',
    });
    const body = response.ok ? await readJson(response) : null;
    const target = isRecord(body) && typeof body.redirectTo === 'string' ? body.redirectTo : undefined;
    const redirectTo = target && /^https?:\/\//i.test(target) ? target : undefined;
    return { confirmed: response.ok || response.status === 401, ...(redirectTo && { redirectTo }) };
  } catch {
    return { confirmed: false };
  }
}
