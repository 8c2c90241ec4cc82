import type { TokenEndpointResponse } from 'oauth4webapi';
import { jwtExpiry } from '../jwt-claims';
import { FIVE_MINUTES } from '../../time';
import type { TokenSet } from '../../types';

/**
 * A validated token endpoint answer → the session's {@link TokenSet}. The access token is treated as
 * expired at the earliest of `expires_in` and its own `exp` (when it is a JWT): refreshing a little
 * early is harmless, sending an expired token is not. A refresh answer without a refresh token
 * keeps the previous one (the provider does not rotate), and one without an ID token keeps the
 * previous ID token (needed later as `id_token_hint` and for back-channel logout).
 *
 * @example
 * const tokens = toTokenSet(await oauth.processRefreshTokenResponse(as, client, res), now, previous);
 */
export function toTokenSet(answer: TokenEndpointResponse, now: number, previous?: { refreshToken?: string; idToken?: string }): TokenSet {
  const candidates: number[] = [];
  if (typeof answer.expires_in === 'number' && answer.expires_in > 0) candidates.push(now + Math.floor(answer.expires_in));
  const fromJwt = jwtExpiry(answer.access_token);
  if (fromJwt !== undefined) candidates.push(fromJwt);
  const tokens: TokenSet = {
    accessToken: answer.access_token,
    expiresAt: candidates.length ? Math.min(...candidates) : now + FIVE_MINUTES,
    issuedAt: now,
  };
  const refreshToken = typeof answer.refresh_token === 'string' && answer.refresh_token !== '' ? answer.refresh_token : previous?.refreshToken;
  if (refreshToken) tokens.refreshToken = refreshToken;
  const idToken = typeof answer.id_token === 'string' && answer.id_token !== '' ? answer.id_token : previous?.idToken;
  if (idToken) tokens.idToken = idToken;
  return tokens;
}
