import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { BackendAdapter } from './adapter';
import { ConfigError } from '../errors';
import { configuredUrl } from '../http/url';
import { jwtExpiry } from './jwt-claims';
import { accessTokenExpiry } from './token-set';
import type { SessionUser } from '../types';

/** How the handoff route checks a token before keeping it (see docs/handoff.md). */
export interface JwtVerifyOptions {
  /** The backend's JSON Web Key Set, e.g. `https://api.example.com/.well-known/jwks.json`. */
  jwksUrl: string;
  /** The exact `iss` the backend puts in its access tokens. */
  issuer: string;
  /** The `aud` (one of them) the access tokens must carry. */
  audience: string | readonly string[];
  /** Accepted signature algorithms; asymmetric only ('none' and HS* are refused). @default ['ES256', 'RS256', 'EdDSA', 'PS256'] */
  algorithms?: readonly string[];
}

/** Options of the token handoff route. */
export interface HandoffOptions {
  /**
   * JWT verification against the backend's keys, or `'userinfo'`: the backend adapter's `user()`
   * call (the backend's user endpoint) must accept the token. Use `'userinfo'` only when that call
   * really reaches the backend (not a claims-only `user: false` adapter).
   */
  verify: JwtVerifyOptions | 'userinfo';
}

/** The validated handoff options. */
export type ResolvedHandoff = {
  verify: { kind: 'jwt'; jwksUrl: URL; issuer: string; audience: string[]; algorithms: string[] } | { kind: 'userinfo' };
};

/** Outcome of a verification. `category` is for one log line only: never send it to the client. */
export type Verification =
  | { ok: true; expiresAt: number | undefined; user?: SessionUser }
  | { ok: false; reason: 'rejected' | 'unavailable' | 'timeout'; category: string };

/** Checks an access token that came from the browser. Never throws for a bad token. */
export interface TokenVerifier {
  verify(accessToken: string, now: number): Promise<Verification>;
}

/** @default algorithms: the common asymmetric ones. */
export const DEFAULT_HANDOFF_ALGORITHMS = ['ES256', 'RS256', 'EdDSA', 'PS256'] as const;
// Why asymmetric only: with HS* the verifier holds the signing secret, and 'none' is no signature at all.
const ASYMMETRIC = new Set(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519']);
/** Seconds of clock skew tolerated on `nbf`/`iat`/`exp`. */
const CLOCK_TOLERANCE = 5;
const JWKS_TIMEOUT_MS = 5_000;
const MAX_CLAIM = 2048;

/**
 * Validates the `handoff` option (once, at construction). `undefined` keeps the route off.
 *
 * @example
 * resolveHandoff({ verify: { jwksUrl: 'https://api.example.com/.well-known/jwks.json', issuer: 'api', audience: 'api' } });
 */
export function resolveHandoff(options: HandoffOptions | undefined, backend?: BackendAdapter): ResolvedHandoff | undefined {
  if (options === undefined) return undefined;
  if (!options || typeof options !== 'object') throw new ConfigError('handoff', 'must be an object such as { verify: "userinfo" }');
  const v = options.verify;
  if (v === 'userinfo') {
    // Why: with a backend whose user() only reads claims, 'userinfo' would accept any forged token.
    if (backend && backend.userVerifiesToken !== true) {
      throw new ConfigError('handoff.verify', "'userinfo' needs a backend whose user() calls the backend with the token (credentialsBackend with a user path); use JWT verification instead");
    }
    return { verify: { kind: 'userinfo' } };
  }
  if (!v || typeof v !== 'object') throw new ConfigError('handoff.verify', "must be { jwksUrl, issuer, audience } or 'userinfo'");
  const jwksUrl = configuredUrl('handoff.verify.jwksUrl', v.jwksUrl, { query: true });
  if (!claim(v.issuer)) throw new ConfigError('handoff.verify.issuer', 'must be a non-empty string');
  const audience = typeof v.audience === 'string' ? [v.audience] : Array.isArray(v.audience) ? [...v.audience] : [];
  if (audience.length === 0 || !audience.every(claim)) {
    throw new ConfigError('handoff.verify.audience', 'must be a non-empty string or a non-empty list of them');
  }
  const algorithms = v.algorithms === undefined ? [...DEFAULT_HANDOFF_ALGORITHMS] : [...v.algorithms];
  if (algorithms.length === 0 || !algorithms.every((a) => ASYMMETRIC.has(a))) {
    throw new ConfigError('handoff.verify.algorithms', `must list asymmetric algorithms only (${[...ASYMMETRIC].join(', ')})`);
  }
  return { verify: { kind: 'jwt', jwksUrl, issuer: v.issuer, audience, algorithms } };
}

/**
 * Builds the verifier for a resolved handoff configuration. Build it once: the remote key set is
 * cached inside (refetched at most every 30 s for an unknown `kid`, every 10 min otherwise).
 *
 * @example
 * const verifier = createTokenVerifier(config.handoff, config.backend);
 * const result = await verifier.verify(token, config.clock());
 */
export function createTokenVerifier(handoff: ResolvedHandoff, backend: BackendAdapter, keys?: JWTVerifyGetKey): TokenVerifier {
  const v = handoff.verify;
  if (v.kind === 'userinfo') return userinfoVerifier(backend);
  const getKey = keys ?? createRemoteJWKSet(v.jwksUrl, { timeoutDuration: JWKS_TIMEOUT_MS });
  // Why wrap: a key set that cannot be fetched is the backend's outage, not the token's fault.
  const guardedKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await getKey(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new KeySourceError(error instanceof errors.JWKSTimeout);
    }
  };
  return {
    async verify(accessToken, now) {
      try {
        const { payload } = await jwtVerify(accessToken, guardedKey, {
          issuer: v.issuer,
          audience: v.audience,
          algorithms: v.algorithms,
          clockTolerance: CLOCK_TOLERANCE,
          requiredClaims: ['exp'],
          currentDate: new Date(now * 1000),
        });
        // An exp inside the tolerance is still an expired token: nothing to keep.
        if (typeof payload.exp !== 'number' || payload.exp <= now) return rejected('expired');
        return { ok: true, expiresAt: payload.exp };
      } catch (error) {
        if (error instanceof KeySourceError) {
          return { ok: false, reason: error.timeout ? 'timeout' : 'unavailable', category: 'jwks unavailable' };
        }
        return rejected(category(error));
      }
    },
  };
}

function userinfoVerifier(backend: BackendAdapter): TokenVerifier {
  return {
    async verify(accessToken, now) {
      // Why the unverified exp is fine here: the backend has just accepted this exact token, and
      // the value can only shorten the session, never extend it.
      const expiresAt = jwtExpiry(accessToken);
      if (expiresAt !== undefined && expiresAt <= now) return rejected('expired');
      const user = await backend.user({ accessToken, expiresAt: accessTokenExpiry(accessToken, undefined, now), issuedAt: now });
      if (!user.ok) {
        return user.reason === 'rejected' ? rejected('backend refused the token') : { ok: false, reason: user.reason, category: 'user endpoint unavailable' };
      }
      return { ok: true, expiresAt, user: user.value };
    },
  };
}

class KeySourceError extends Error {
  constructor(readonly timeout: boolean) {
    super('key set unavailable');
  }
}

function rejected(category: string): Verification {
  return { ok: false, reason: 'rejected', category };
}

/** A short reason category for the log line (never the token, never jose's full message). */
function category(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} invalid`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return 'unknown key';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  return 'malformed';
}

function claim(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CLAIM;
}
