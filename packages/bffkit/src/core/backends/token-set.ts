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
}

/**
 * When an access token is treated as expired: the earliest of what is known (`expiresIn` from now,
 * the token's own JWT `exp`), or five minutes from now when nothing is. Refreshing a little early is
 * harmless; sending an expired token is not (docs/security.md 25).
 *
 * @example
 * accessTokenExpiry(jwt, 300, now); // min(now + 300, exp of jwt)
 */
export function accessTokenExpiry(accessToken: string, expiresIn: unknown, now: number): number {
  const seconds = typeof expiresIn === 'string' && /^\d{1,9}$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
  const candidates: number[] = [];
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0) candidates.push(now + Math.floor(seconds));
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
    expiresAt: accessTokenExpiry(accessToken, answer.expiresIn, now),
    issuedAt: now,
  };
  const idToken = nonEmpty(answer.idToken) ?? previous?.idToken;
  if (idToken) tokens.idToken = idToken;
  return tokens;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
