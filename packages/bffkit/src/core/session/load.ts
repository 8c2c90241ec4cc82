import { transientError } from '../backends/failure';
import type { BffContext } from '../context';
import { BffError } from '../errors';
import type { Cookie } from '../http/cookie';
import type { EndWhy } from '../observability/session-observer';
import type { SessionData } from '../types';
import { accessTokenDue, browserRefreshAt, serverRefreshSkew } from './lifetime';
import type { SessionRead } from './session-cookie';

/** The session of one request, after lifetimes and (when asked) the refresh were applied. */
export type LoadedSession =
  /** No usable session. `cookies` clears a bad or expired cookie. */
  | { kind: 'anonymous'; cookies: Cookie[] }
  /**
   * A live session; `cookies` is non-empty only when the cookie had to change. `presentNames` are the
   * session cookie names the browser holds once it has applied `cookies`.
   */
  | { kind: 'active'; session: SessionData; cookies: Cookie[]; presentNames: string[] }
  /** The backend rejected the refresh token: the session is over and its cookie cleared. */
  | { kind: 'ended'; cookies: Cookie[] }
  /** A transient failure (backend or store down): the session is kept, the caller answers `error`. */
  | { kind: 'unavailable'; error: BffError; /** The live session as read, when the failure came after reading it. */ session?: SessionData };

/**
 * How {@link loadSession} treats the access token: `'never'` refresh it; `'if-due'` when the server's
 * refresh skew says so; `'ahead'` already at the browser's earlier renewal time (the browser's own
 * one-at-a-time renewal, `POST {basePath}/session`: see docs/multi-instance.md); `'force'` whatever
 * its expiry; `'recheck'` like `'force'`, from the browser's renewal after a call was answered
 * `session_expired` (`POST {basePath}/session?check=expired`): a refused refresh token then ends the
 * session and clears its cookie, whatever the coordinator.
 */
export type RefreshMode = 'never' | 'if-due' | 'ahead' | 'force' | 'recheck';

/** Most successor hops followed when the tokens a successor record gives are already due again. */
const MAX_HOPS = 3;

/**
 * Reads the request's session and brings it up to date: lifetimes, rolling renewal and, unless
 * `mode` is `'never'`, a single-flight refresh of a due (or, with `'force'`, any) access token.
 * One cookie unseal per call.
 *
 * @example
 * const loaded = await loadSession(ctx, request.headers.get('cookie'), 'if-due');
 */
export function loadSession(ctx: BffContext, cookieHeader: string | null, mode: RefreshMode): Promise<LoadedSession> {
  return ctx.telemetry.load(mode, () => load(ctx, cookieHeader, mode));
}

async function load(ctx: BffContext, cookieHeader: string | null, mode: RefreshMode): Promise<LoadedSession> {
  const now = ctx.config.clock();
  let read: SessionRead;
  try {
    read = await ctx.cookie.read(cookieHeader, now);
  } catch (error) {
    return { kind: 'unavailable', error: storeError(error) };
  }
  if (!read.session) return { kind: 'anonymous', cookies: read.invalid ? ctx.cookie.clear(read.presentNames) : [] };
  return updateSession(ctx, read.session, read.presentNames, read.renew, mode, now);
}

/**
 * Brings a session already in hand up to date (refresh per `mode`, rolling renewal) and writes it.
 * The forwarding route's retry after an upstream 401 uses it on the session it loaded, with
 * `'force'`, instead of reading the cookie again.
 *
 * @example
 * const again = await updateSession(ctx, loaded.session, loaded.presentNames, false, 'force', now);
 */
export async function updateSession(
  ctx: BffContext,
  original: SessionData,
  presentNames: string[],
  renew: boolean,
  mode: RefreshMode,
  now: number,
): Promise<LoadedSession> {
  const { config, refresher } = ctx;
  let session = original;
  let changed = false;
  let force = mode === 'force' || mode === 'recheck';
  // Without a shared coordinator the server refreshes only a token no longer usable (serverRefreshSkew).
  const skew = serverRefreshSkew(config);
  const due = (tokens: SessionData['tokens']) =>
    mode === 'ahead' || mode === 'recheck' ? now >= browserRefreshAt(tokens, config.refreshSkew) : accessTokenDue(tokens, now, skew);
  // The browser's own renewal request is the one that may clear a cookie whose refresh token is dead.
  const confirmed = mode === 'ahead' || mode === 'recheck';
  for (let hop = 0; mode !== 'never' && hop < MAX_HOPS && (force || due(session.tokens)); hop++) {
    force = false;
    const refreshToken = session.tokens.refreshToken;
    if (!refreshToken) return endRefusedSession(ctx, session, presentNames, now, 'no refresh token', confirmed);
    let outcome;
    try {
      outcome = await refresher.refresh(refreshToken, session.dpopKey ? { dpopKey: session.dpopKey } : {});
    } catch (error) {
      // A distributed coordinator (Redis) that is down, or an adapter that threw: transient, the
      // session is kept.
      return { kind: 'unavailable', error: error instanceof BffError ? error : transientError('unavailable'), session: original };
    }
    if (!outcome.ok) {
      if (outcome.reason !== 'rejected') return { kind: 'unavailable', error: transientError(outcome.reason), session: original };
      // With a store, another instance may have refreshed this session meanwhile (it holds the rotated
      // token, which is why ours was refused): go on with the session as it is stored now.
      const stored = await ctx.sessions.find(session.id).catch(() => null);
      if (stored && stored.tokens.refreshToken !== refreshToken) {
        session = stored;
        continue;
      }
      return endRefusedSession(ctx, session, presentNames, now, 'refresh token rejected', confirmed);
    }
    // A refresh answer without an ID token keeps the session's (OpenID Connect logout needs it).
    const idToken = outcome.tokens.idToken ?? session.tokens.idToken;
    session = { ...session, tokens: idToken ? { ...outcome.tokens, idToken } : outcome.tokens };
    changed = true;
  }
  if (renew) {
    session = { ...session, lastActiveAt: now };
    changed = true;
  }
  if (!changed) return { kind: 'active', session, cookies: [], presentNames };
  return saveSession(ctx, original, session, presentNames, now);
}

/**
 * Writes a session that changed during a request (refreshed tokens, a token obtained for an
 * upstream) and answers it as loaded, with the cookies to set. A logout that won the race keeps the
 * session ended, and the tokens obtained meanwhile are revoked.
 *
 * @example
 * const saved = await saveSession(ctx, loaded.session, withUpstreamToken, loaded.presentNames, now);
 */
export async function saveSession(ctx: BffContext, original: SessionData, session: SessionData, presentNames: string[], now: number): Promise<LoadedSession> {
  const { config, cookie } = ctx;
  try {
    const cookies = await cookie.write(session, presentNames, now, 'update');
    if (!cookies) {
      // The session was ended (logout) while this request was refreshing it. Stay ended, and revoke
      // the tokens this refresh just obtained so nothing live is left behind.
      if (session.tokens !== original.tokens) await config.backend.revoke?.(session.tokens).catch(() => undefined);
      return { kind: 'ended', cookies: cookie.clear(presentNames) };
    }
    return { kind: 'active', session, cookies, presentNames: liveNames(cookies) };
  } catch (error) {
    return { kind: 'unavailable', error: storeError(error) };
  }
}

/**
 * `later` applied on top of `earlier`: per cookie name, the later one wins (a retry's cookies
 * supersede the first attempt's, and together they leave no stale chunk behind).
 *
 * @example
 * const cookies = mergeCookies(loaded.cookies, again.cookies);
 */
export function mergeCookies(earlier: readonly Cookie[], later: readonly Cookie[]): Cookie[] {
  if (later.length === 0) return [...earlier];
  const byName = new Map<string, Cookie>();
  for (const c of [...earlier, ...later]) {
    byName.delete(c.name);
    byName.set(c.name, c);
  }
  return [...byName.values()];
}

/** The cookie names a browser keeps after applying `cookies` (a write sets or deletes every family member). */
function liveNames(cookies: readonly Cookie[]): string[] {
  return cookies.filter((c) => c.attributes.maxAge !== 0).map((c) => c.name);
}

/**
 * Ends a session whose refresh token the backend refused: one log line, the session ended where it
 * lives, its cookies cleared (docs/security.md 12). Except in stateless mode without a shared refresh
 * coordinator, where another instance may have refreshed the same session a moment ago and its
 * response may already have replaced the cookie with a live one: there the answer is still
 * `ended` (401 `session_expired`), but the cookie is left as it is and the session id is not
 * remembered as ended (the successor cookie carries the same id); the refused refresh token is
 * (see refresh.ts). Only the browser's own renewal request (`confirmed`, one at a time) clears it.
 *
 * @example
 * return endRefusedSession(ctx, session, presentNames, now, 'refresh token rejected');
 */
export async function endRefusedSession(
  ctx: BffContext,
  session: SessionData,
  presentNames: string[],
  now: number,
  why: EndWhy,
  confirmed = false,
): Promise<LoadedSession> {
  ctx.config.logger.info(`session ended: ${why}`);
  ctx.telemetry.ended(session, why);
  if (!confirmed && !ctx.sessions.revocable && !ctx.config.coordinator.shared) return { kind: 'ended', cookies: [] };
  try {
    await ctx.sessions.end(session, now);
  } catch {
    // The store is down: the refresh token is dead anyway, so the session cannot be used again.
  }
  return { kind: 'ended', cookies: ctx.cookie.clear(presentNames) };
}

function storeError(error: unknown): BffError {
  return error instanceof BffError ? error : new BffError('store_unavailable', 'The session store is unavailable. Try again.');
}
