import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

/** What this API reads from an identity provider's access token (RFC 9068). */
export interface ProviderClaims {
  /** The user's e-mail; absent on a machine (client-credentials) token. */
  email?: string;
  /** The client a machine token was issued to (`client_id`, equal to `sub`): set only when there is no user. */
  machineClient?: string;
  /** `cnf.jkt` (RFC 9449): the token is DPoP-bound to the key with this thumbprint. */
  jkt?: string;
  /** Authentication Context Class Reference the user reached (RFC 9068 section 2.2.1). */
  acr?: string;
  /** When the user authenticated (epoch seconds). */
  authTime?: number;
}

/** Outcome of checking an identity provider's access token: a value, never an exception. */
export type ProviderTokenCheck = ({ status: 'valid' } & ProviderClaims) | { status: 'expired' } | { status: 'invalid' };

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

function confirmation(cnf: unknown): string | undefined | null {
  if (cnf === undefined) return undefined;
  if (typeof cnf !== 'object' || cnf === null) return null;
  const { jkt } = cnf as { jkt?: unknown };
  if (jkt === undefined) return null; // another binding (e.g. mTLS x5t#S256) this API cannot check
  return typeof jkt === 'string' && /^[A-Za-z0-9_-]{43}$/.test(jkt) ? jkt : null;
}

/**
 * Accepts the provider's JWT access tokens (RFC 9068, `typ: at+jwt`) for this API. The user is found
 * by the token's `email` claim: the provider's subjects are its own ids, not this backend's. A token
 * with a confirmation (`cnf`) this API cannot check is invalid, never treated as a bearer token.
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
        const jkt = confirmation(payload.cnf);
        // A user's token carries the e-mail; a client-credentials token has the client as its subject.
        const machine = payload.email === undefined && typeof payload.client_id === 'string' && payload.sub === payload.client_id;
        if ((typeof payload.email !== 'string' && !machine) || jkt === null) return { status: 'invalid' };
        return {
          status: 'valid',
          ...(machine ? { machineClient: payload.client_id as string } : { email: payload.email as string }),
          ...(jkt ? { jkt } : {}),
          ...(typeof payload.acr === 'string' ? { acr: payload.acr } : {}),
          ...(typeof payload.auth_time === 'number' ? { authTime: payload.auth_time } : {}),
        };
      } catch (err) {
        if (err instanceof errors.JWTExpired) return { status: 'expired' };
        return { status: 'invalid' };
      }
    },
  };
}
