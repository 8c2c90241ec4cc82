import * as oauth from 'oauth4webapi';
import type { TokenSet, UpstreamToken } from '../../types';
import { accessTokenExpiry, toTokenSet } from '../token-set';
import type { ResolvedOidcOptions } from './options';

/**
 * A validated token endpoint answer → the session's tokens (the expiry rule is the shared one). A
 * DPoP answer (oauth4webapi lower-cases `token_type` to `dpop`) marks the access token as bound.
 *
 * @example
 * const tokens = fromTokenEndpoint(answer, now, { refreshToken });
 */
export function fromTokenEndpoint(answer: oauth.TokenEndpointResponse, now: number, previous?: Pick<TokenSet, 'refreshToken'>): TokenSet {
  const tokens = toTokenSet(
    { accessToken: answer.access_token, refreshToken: answer.refresh_token, idToken: answer.id_token, expiresIn: answer.expires_in },
    now,
    previous,
  );
  // oauth4webapi has checked that access_token is a non-empty string.
  if (!tokens) throw new oauth.OperationProcessingError('token endpoint answered no access token');
  if (answer.token_type === 'dpop') tokens.tokenType = 'DPoP';
  return tokens;
}

/**
 * A token endpoint answer for one upstream (exchange, client credentials) → its cached token.
 *
 * @example
 * const token = toUpstreamToken(answer, now);
 */
export function toUpstreamToken(answer: oauth.TokenEndpointResponse, now: number): UpstreamToken {
  const token: UpstreamToken = { accessToken: answer.access_token, expiresAt: accessTokenExpiry(answer.access_token, answer.expires_in, now), issuedAt: now };
  if (answer.token_type === 'dpop') token.tokenType = 'DPoP';
  return token;
}

/**
 * The configured resource indicators for the session's own token requests (code exchange, refresh).
 *
 * @example
 * oauth.refreshTokenGrantRequest(as, client, auth, rt, { ...resourceParams(o) });
 */
export function resourceParams(o: ResolvedOidcOptions): { additionalParameters?: [string, string][] } {
  return o.resource.length ? { additionalParameters: o.resource.map((r): [string, string] => ['resource', r]) } : {};
}
