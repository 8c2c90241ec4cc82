import type { ResolvedConfig } from '../config';
import { BffError } from '../errors';
import { accessTokenDue, shouldRenew } from './lifetime';
import type { Refresher } from './refresh';
import type { SessionCookie } from './session-cookie';
import type { SessionData } from '../types';

/** The session of one request, after lifetimes and (when asked) the refresh were applied. */
export type LoadedSession =
  /** No usable session. `setCookies` clears a bad or expired cookie. */
  | { kind: 'anonymous'; setCookies: string[] }
  /** A live session; `setCookies` is non-empty only when the cookie had to change. */
  | { kind: 'active'; session: SessionData; setCookies: string[]; presentNames: string[] }
  /** The backend rejected the refresh token: the session is over and its cookie cleared. */
  | { kind: 'ended'; setCookies: string[] }
  /** A transient failure (backend or store down): the session is kept, the caller answers `error`. */
  | { kind: 'unavailable'; error: BffError; /** The live session as read, when the failure came after reading it. */ session?: SessionData };

/** How {@link loadSession} treats the access token. */
export type RefreshMode = 'never' | 'if-due' | 'force';

/** Most successor hops followed when the tokens a successor record gives are already due again. */
const MAX_HOPS = 3;

/**
 * Reads the request's session and brings it up to date: lifetimes, rolling renewal and, when
 * `mode` asks for it, a single-flight refresh. One cookie unseal per call.
 *
 * @example
 * const loaded = await loadSession(config, cookie, refresher, request.headers.get('cookie'), 'if-due');
 */
export async function loadSession(
  config: ResolvedConfig,
  cookie: SessionCookie,
  refresher: Refresher,
  cookieHeader: string | null,
  mode: RefreshMode,
): Promise<LoadedSession> {
  const now = config.clock();
  let read;
  try {
    read = await cookie.read(cookieHeader, now);
  } catch (error) {
    return { kind: 'unavailable', error: asBffError(error, 'store_unavailable') };
  }
  if (!read.session) return { kind: 'anonymous', setCookies: read.invalid ? cookie.clear(read.presentNames) : [] };

  let session = read.session;
  let changed = false;
  let force = mode === 'force';
  for (let hop = 0; mode !== 'never' && hop < MAX_HOPS && (force || accessTokenDue(session.tokens, now, config.refreshSkew)); hop++) {
    force = false;
    const refreshToken = session.tokens.refreshToken;
    if (!refreshToken) return end(config, cookie, session, read.presentNames, now, 'no refresh token');
    let outcome;
    try {
      outcome = await refresher.refresh(refreshToken);
    } catch (error) {
      // A distributed coordinator (Redis) that is down, or an adapter that threw: transient, the
      // session is kept.
      return { kind: 'unavailable', error: asBffError(error, 'upstream_unavailable'), session: read.session };
    }
    if (!outcome.ok) {
      if (outcome.reason === 'rejected') return end(config, cookie, session, read.presentNames, now, 'refresh token rejected');
      const code = outcome.reason === 'timeout' ? 'upstream_timeout' : 'upstream_unavailable';
      return { kind: 'unavailable', error: new BffError(code, 'The backend could not refresh the session. Try again.'), session: read.session };
    }
    // A refresh answer without an ID token keeps the session's (OpenID Connect logout needs it).
    const idToken = outcome.tokens.idToken ?? session.tokens.idToken;
    session = { ...session, tokens: idToken ? { ...outcome.tokens, idToken } : outcome.tokens };
    changed = true;
  }
  if (shouldRenew(session, now, config)) {
    session = { ...session, lastActiveAt: now };
    changed = true;
  }
  if (!changed) return { kind: 'active', session, setCookies: [], presentNames: read.presentNames };
  try {
    const setCookies = await cookie.write(session, read.presentNames, now, 'update');
    if (!setCookies) {
      // The session was ended (logout) while this request was refreshing it. Stay ended, and revoke
      // the tokens this refresh just obtained so nothing live is left behind.
      if (session.tokens !== read.session.tokens) await config.backend.revoke?.(session.tokens).catch(() => undefined);
      return { kind: 'ended', setCookies: cookie.clear(read.presentNames) };
    }
    return { kind: 'active', session, setCookies, presentNames: read.presentNames };
  } catch (error) {
    return { kind: 'unavailable', error: asBffError(error, 'store_unavailable') };
  }
}

async function end(
  config: ResolvedConfig,
  cookie: SessionCookie,
  session: SessionData,
  presentNames: string[],
  now: number,
  why: string,
): Promise<LoadedSession> {
  config.logger.info(`session ended: ${why}`);
  try {
    await cookie.end(session, now);
  } catch {
    // The store is down: the refresh token is dead anyway, so the session cannot be used again.
  }
  return { kind: 'ended', setCookies: cookie.clear(presentNames) };
}

function asBffError(error: unknown, fallback: 'store_unavailable' | 'upstream_unavailable'): BffError {
  if (error instanceof BffError) return error;
  return fallback === 'store_unavailable'
    ? new BffError(fallback, 'The session store is unavailable. Try again.')
    : new BffError(fallback, 'The backend could not refresh the session. Try again.');
}
