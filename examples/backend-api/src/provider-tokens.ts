import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

/** Outcome of checking an identity provider's access token: a value, never an exception. */
export type ProviderTokenCheck = { status: 'valid'; email: string } | { status: 'expired' } | { status: 'invalid' };

/** Verifies access tokens issued by an OpenID provider (validated against its JWKS). */
export interface ProviderTokens {
  verify(token: string): Promise<ProviderTokenCheck>;
}

/** Options of {@link createProviderTokens}. */
export interface ProviderTokenOptions {
  /** The provider's issuer (`iss`), e.g. `http://localhost:4010`. */
  issuer: string;
  /** The provider's key set, e.g. `http://localhost:4010/jwks`. */
  jwksUrl: string;
  /** The `aud` this API expects, e.g. `urn:bffkit:example-api`. */
  audience: string;
}

/**
 * Accepts the provider's JWT access tokens (RFC 9068, `typ: at+jwt`) for this API. The user is found
 * by the token's `email` claim: the provider's subjects are its own ids, not this backend's.
 *
 * @example
 * const tokens = createProviderTokens({ issuer, jwksUrl, audience: 'urn:bffkit:example-api' });
 * const check = await tokens.verify(bearer);
 */
export function createProviderTokens(options: ProviderTokenOptions): ProviderTokens {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl));
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          typ: 'at+jwt',
          algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
          clockTolerance: 0,
          requiredClaims: ['sub', 'exp', 'iat'],
        });
        return typeof payload.email === 'string' ? { status: 'valid', email: payload.email } : { status: 'invalid' };
      } catch (err) {
        if (err instanceof errors.JWTExpired) return { status: 'expired' };
        return { status: 'invalid' };
      }
    },
  };
}
