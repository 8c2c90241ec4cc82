import { FIVE_MINUTES } from '../time';
import type { TokenSet } from '../types';
import { jwtExpiry } from './jwt-claims';

/** The token fields of a backend's (or token endpoint's) answer, as read, not yet trusted. */
export interface TokenAnswer {
  accessToken: unknown;
  refreshToken?: unknown;
  idToken?: unknown;
  /** Seconds until the access token expires: a number, or a numeric string ("300"). */
  expiresIn?: unknown;
  /** When the access token expires, in epoch seconds, when the backend declares an absolute time (see {@link absoluteExpiry}). */
  expiresAt?: number;
}

/**
 * How a backend declares the access token's expiry: a duration (`seconds`, `milliseconds`) or an
 * absolute time (`epoch-seconds`, `epoch-ms`, `iso` for an ISO 8601 date string).
 */
export type ExpiryUnit = 'seconds' | 'milliseconds' | 'epoch-seconds' | 'epoch-ms' | 'iso';

/**
 * A declared expiry in any {@link ExpiryUnit} → epoch seconds, or undefined when the value is not
 * usable (absent, not a number or date, not positive).
 *
 * @example
 * absoluteExpiry('2026-12-08T21:16:37.898Z', 'iso', now); // 1796764597
 * absoluteExpiry(300_000, 'milliseconds', now);           // now + 300
 */
export function absoluteExpiry(value: unknown, unit: ExpiryUnit, now: number): number | undefined {
  if (unit === 'iso') {
    const ms = typeof value === 'string' && value.length <= 40 ? Date.parse(value) : NaN;
    return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
  }
  const n = typeof value === 'string' && /^\d{1,16}(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return undefined;
  switch (unit) {
    case 'seconds':
      return now + Math.floor(n);
    case 'milliseconds':
      return now + Math.floor(n / 1000);
    case 'epoch-seconds':
      return Math.floor(n);
    case 'epoch-ms':
      return Math.floor(n / 1000);
  }
}

/**
 * When an access token is treated as expired: the earliest of what is known (`expiresIn` from now,
 * a declared absolute `expiresAt`, the token's own JWT `exp`), or five minutes from now when nothing
 * is. Refreshing a little early is harmless; sending an expired token is not (docs/security.md 25).
 *
 * @example
 * accessTokenExpiry(jwt, 300, now); // min(now + 300, exp of jwt)
 */
export function accessTokenExpiry(accessToken: string, expiresIn: unknown, now: number, expiresAt?: number): number {
  const seconds = typeof expiresIn === 'string' && /^\d{1,9}$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
  const candidates: number[] = [];
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0) candidates.push(now + Math.floor(seconds));
  if (typeof expiresAt === 'number' && Number.isFinite(expiresAt)) candidates.push(expiresAt);
  const fromJwt = jwtExpiry(accessToken);
  if (fromJwt !== undefined) candidates.push(fromJwt);
  return candidates.length ? Math.min(...candidates) : now + FIVE_MINUTES;
}

/**
 * A backend's token answer → the session's {@link TokenSet}, or null without a usable access token.
 * An answer without a refresh token keeps the previous one (the backend does not rotate), and one
 * without an ID token keeps the previous ID token (OpenID Connect logout needs it later).
 *
 * @example
 * const tokens = toTokenSet({ accessToken: data.access_token, expiresIn: data.expires_in }, now, previous);
 */
export function toTokenSet(answer: TokenAnswer, now: number, previous?: Pick<TokenSet, 'refreshToken' | 'idToken'>): TokenSet | null {
  const { accessToken } = answer;
  if (typeof accessToken !== 'string' || accessToken === '') return null;
  const tokens: TokenSet = {
    accessToken,
    refreshToken: nonEmpty(answer.refreshToken) ?? previous?.refreshToken,
    expiresAt: accessTokenExpiry(accessToken, answer.expiresIn, now, answer.expiresAt),
    issuedAt: now,
  };
  const idToken = nonEmpty(answer.idToken) ?? previous?.idToken;
  if (idToken) tokens.idToken = idToken;
  return tokens;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
