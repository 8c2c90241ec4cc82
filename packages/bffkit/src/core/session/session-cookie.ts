import type { ResolvedConfig } from '../config';
import { NO_TELEMETRY, type Telemetry } from '../observability/no-telemetry';
import { parseCookieHeader, type Cookie, type CookieAttributes } from '../http/cookie';
import type { SessionData } from '../types';
import { clearCookieChunks, readCookieChunks, writeCookieChunks } from './chunks';
import { lifetimeVerdict, sessionExpiresAt } from './lifetime';
import type { SessionStrategy } from './strategy';

/** What the request's cookies say about the session. */
export type SessionRead =
  /** A live session; `renew` says whether the rolling idle window should move now. */
  | { session: SessionData; renew: boolean; presentNames: string[]; invalid: false }
  /** No session (absent, tampered, expired, ended); `invalid` when a cookie should be cleared. */
  | { session: null; presentNames: string[]; invalid: boolean };
// In both: `presentNames` are every cookie name of the session family the request carried.

/**
 * The session cookie: reads the session family (plain or chunked) from a Cookie header, applies the
 * lifetime rules, and writes or clears it as cookie values. What the cookie value means is the
 * strategy's business (the sealed session, or a sealed id into a store).
 */
export class SessionCookie {
  private readonly attrs: CookieAttributes;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly sessions: SessionStrategy,
    private readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {
    this.attrs = { httpOnly: true, secure: config.cookie.secure, sameSite: config.cookie.sameSite, path: '/' };
  }

  /**
   * Reads the session from a Cookie header. Never throws for bad input; a store outage throws the
   * store's BffError (`store_unavailable`). Never refreshes and never writes.
   *
   * @example
   * const { session } = await ctx.cookie.read(request.headers.get('cookie'), now);
   */
  async read(cookieHeader: string | null, now: number): Promise<SessionRead> {
    const chunks = readCookieChunks(parseCookieHeader(cookieHeader), this.config.cookie.name);
    const presentNames = chunks.presentNames;
    const none = (invalid: boolean): SessionRead => ({ session: null, presentNames, invalid });
    if (chunks.value === null) {
      if (chunks.tampered) this.config.logger.warn('session cookie set is inconsistent (duplicate or missing chunk); treated as anonymous');
      if (chunks.tampered) this.telemetry.event('session.cookie_rejected', { reason: 'inconsistent_chunks' });
      return none(presentNames.length > 0);
    }
    const session = await this.sessions.open(chunks.value, now);
    if (session === 'rejected') {
      // One line per rejected cookie (docs/security.md 4), never its value. A session that simply
      // ended is not logged.
      this.config.logger.warn('session cookie rejected (tampered, foreign or sealed with a retired secret); treated as anonymous');
      this.telemetry.event('session.cookie_rejected', { reason: 'tampered' });
      return none(true);
    }
    if (!session) this.telemetry.gone();
    if (!session) return none(true);
    const verdict = lifetimeVerdict(session, now, this.config);
    if (verdict === 'expired') this.telemetry.expired(session, now);
    if (verdict === 'expired') return none(true);
    this.telemetry.noteSession(session);
    return { session, renew: verdict === 'renew', presentNames, invalid: false };
  }

  /**
   * The cookies that keep `session` (stored first in store mode). With `'update'`, answers null when
   * the session has ended meanwhile (logout won the race).
   *
   * @example
   * const cookies = await ctx.cookie.write(session, read.presentNames, now, 'update');
   */
  async write(session: SessionData, presentNames: readonly string[], now: number, mode: 'create' | 'update'): Promise<Cookie[] | null> {
    // Whole seconds: Max-Age must be an integer, and timeouts or an injected clock may be fractional.
    const maxAge = Math.max(0, Math.floor(sessionExpiresAt(session, this.config) - now));
    const value = await this.sessions.keep(session, maxAge, mode, now);
    if (value === null) return null;
    return writeCookieChunks(this.config.cookie.name, value, { ...this.attrs, maxAge }, presentNames);
  }

  /**
   * The cookies that delete every present cookie of the session family.
   *
   * @example
   * return withCookies(json({ status: 'unauthenticated' }), ctx.cookie.clear(read.presentNames));
   */
  clear(presentNames: readonly string[]): Cookie[] {
    const names = presentNames.length ? presentNames : [this.config.cookie.name];
    return clearCookieChunks(names, this.attrs);
  }
}
