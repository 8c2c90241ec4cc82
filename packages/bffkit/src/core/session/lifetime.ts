import { ONE_HOUR } from '../time';
import type { SessionData, TokenSet } from '../types';

/** The lifetime settings the pure functions below need. Seconds. */
export interface Lifetimes {
  idleTimeout: number;
  absoluteTimeout: number;
}

/** What the timeouts say about a session at a given time. */
export type LifetimeVerdict =
  /** Past the idle or the absolute timeout (or stamped in the future): the session is over. */
  | 'expired'
  /** Alive, and the rolling window should move now (re-seal with `lastActiveAt = now`). */
  | 'renew'
  /** Alive, nothing to change. */
  | 'fresh';

/**
 * The lifetime rules in one verdict: expired, due for rolling renewal, or fresh. Every read of a
 * session applies exactly this (docs/security.md 9, 10).
 *
 * @example
 * if (lifetimeVerdict(session, now, config) === 'expired') return anonymous();
 */
export function lifetimeVerdict(session: Pick<SessionData, 'createdAt' | 'lastActiveAt'>, now: number, l: Lifetimes): LifetimeVerdict {
  if (!isSessionAlive(session, now, l)) return 'expired';
  return shouldRenew(session, now, l) ? 'renew' : 'fresh';
}

/**
 * When the session ends if nothing happens: the earlier of the idle and the absolute deadline.
 *
 * @example
 * sessionExpiresAt(session, { idleTimeout: ONE_DAY, absoluteTimeout: SEVEN_DAYS })
 */
export function sessionExpiresAt(session: Pick<SessionData, 'createdAt' | 'lastActiveAt'>, l: Lifetimes): number {
  return Math.min(session.lastActiveAt + l.idleTimeout, session.createdAt + l.absoluteTimeout);
}

/**
 * Whether the session is still within both timeouts at `now`. Enforced from the timestamps inside
 * the sealed session, so replaying an old cookie after the window does not work (docs/security.md 9).
 *
 * @example
 * if (!isSessionAlive(session, now, lifetimes)) return anonymous();
 */
export function isSessionAlive(session: Pick<SessionData, 'createdAt' | 'lastActiveAt'>, now: number, l: Lifetimes): boolean {
  // A timestamp from the future means a forged or broken session: treat it as dead.
  if (session.createdAt > now + 60 || session.lastActiveAt > now + 60) return false;
  return now < sessionExpiresAt(session, l);
}

/**
 * How long after the last renewal the rolling window moves: a twenty-fourth of the idle timeout,
 * at most an hour. Renewing less often than every request keeps the cookie from being re-sealed on
 * every request.
 */
export function renewalInterval(l: Lifetimes): number {
  return Math.max(1, Math.min(ONE_HOUR, Math.floor(l.idleTimeout / 24)));
}

/**
 * Whether the rolling window should move now (re-seal with `lastActiveAt = now`).
 * The absolute deadline never moves (docs/security.md 10).
 *
 * @example
 * if (shouldRenew(session, now, lifetimes)) session = { ...session, lastActiveAt: now };
 */
export function shouldRenew(session: Pick<SessionData, 'lastActiveAt'>, now: number, l: Lifetimes): boolean {
  return now - session.lastActiveAt >= renewalInterval(l);
}

/**
 * Whether the access token must be refreshed before use. The skew is capped at half the token's
 * lifetime so that short-lived tokens are not refreshed on every request.
 *
 * @example
 * if (accessTokenDue(session.tokens, now, 30)) await refresh();
 */
export function accessTokenDue(tokens: Pick<TokenSet, 'expiresAt' | 'issuedAt'>, now: number, skew: number): boolean {
  return now >= refreshDueAt(tokens, skew);
}

/**
 * When the server refreshes the access token (epoch seconds): `skew` before it expires, the skew
 * capped at half the token's lifetime.
 *
 * @example
 * refreshDueAt({ issuedAt: 0, expiresAt: 300 }, 30); // 270
 */
export function refreshDueAt(tokens: Pick<TokenSet, 'expiresAt' | 'issuedAt'>, skew: number): number {
  const lifetime = Math.max(0, tokens.expiresAt - tokens.issuedAt);
  // At least one second of margin (when the lifetime allows it): times are whole seconds, and a
  // request that leaves just before `exp` may arrive just after it.
  const effectiveSkew = Math.max(Math.min(skew, Math.floor(lifetime / 2)), lifetime >= 4 ? 1 : 0);
  return tokens.expiresAt - effectiveSkew;
}

/** Most seconds the browser renews ahead of the server's own due time, when the skew alone gives less. */
const MAX_BROWSER_LEAD = 15;

/**
 * The refresh skew the server itself uses. With a shared refresh coordinator, the configured one.
 * Without (stateless mode on several instances, each with its own in-process lock), 0: the server
 * uses an access token that is still valid (with the one-second margin of {@link refreshDueAt}) and
 * refreshes only one that is not, which leaves the time from the skew to that margin to the
 * browser's one-at-a-time renewal ({@link browserRefreshAt}, docs/multi-instance.md).
 *
 * @example
 * accessTokenDue(session.tokens, now, serverRefreshSkew(config));
 */
export function serverRefreshSkew(config: { refreshSkew: number; coordinator: { shared: boolean } }): number {
  return config.coordinator.shared ? config.refreshSkew : 0;
}

/**
 * When the browser renews the access token (epoch seconds), without a shared refresh coordinator:
 * at the configured skew (what the server would use with one), and at least a third of the token's
 * usable life (1 to 15 seconds) before the server's own refresh (skew 0). The browser's one request
 * at a time across tabs is then the refresh (docs/multi-instance.md); the server's own stays for
 * clients that did not renew.
 *
 * @example
 * browserRefreshAt({ issuedAt: 0, expiresAt: 300 }, 30); // 270 (the server's is 299)
 */
export function browserRefreshAt(tokens: Pick<TokenSet, 'expiresAt' | 'issuedAt'>, skew: number): number {
  const server = refreshDueAt(tokens, 0);
  const lead = Math.min(MAX_BROWSER_LEAD, Math.max(1, Math.floor((server - tokens.issuedAt) / 3)));
  return Math.max(tokens.issuedAt, Math.min(refreshDueAt(tokens, skew), server - lead));
}
