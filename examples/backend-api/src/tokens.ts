import { randomUUID } from 'node:crypto';
import {
  SignJWT,
  calculateJwkThumbprint,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
} from 'jose';

/** Claims carried by an access token (besides iss, aud, iat, exp, jti). */
export interface AccessClaims {
  sub: string;
  email: string;
  name: string;
}

/** Outcome of checking an access token: a value, never an exception. */
export type AccessCheck =
  | { status: 'valid'; claims: AccessClaims }
  | { status: 'expired' }
  | { status: 'invalid' };

/** Signs and verifies access tokens; exposes the public JWKS. */
export interface AccessTokens {
  /** Lifetime of issued tokens in seconds. */
  readonly ttl: number;
  sign(claims: AccessClaims): Promise<string>;
  verify(token: string): Promise<AccessCheck>;
  jwks(): { keys: JWK[] };
}

/** Options of {@link createAccessTokens}. */
export interface AccessTokenOptions {
  issuer: string;
  audience: string;
  /** Lifetime in seconds. */
  ttl: number;
  /** Private JWK as JSON; null generates an ES256 key pair. */
  privateJwk: string | null;
}

interface SigningKeys {
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

function algFor(jwk: JWK): string {
  if (jwk.alg) return jwk.alg;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  throw new TypeError('JWT_PRIVATE_JWK: cannot infer "alg"; use an EC P-256 or Ed25519 key or set "alg"');
}

async function loadKeys(privateJwk: string | null): Promise<SigningKeys> {
  if (privateJwk === null) {
    const alg = 'ES256';
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    return { alg, privateKey, publicKey, publicJwk: await exportJWK(publicKey) };
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(privateJwk) as JWK;
  } catch {
    throw new TypeError('JWT_PRIVATE_JWK must be a JSON Web Key (JSON)');
  }
  if (typeof jwk !== 'object' || jwk === null || !jwk.d) {
    throw new TypeError('JWT_PRIVATE_JWK must be a private key (with "d")');
  }
  const alg = algFor(jwk);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, key_ops: _ops, ext: _ext, ...publicJwk } = jwk;
  const privateKey = (await importJWK(jwk, alg)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, alg)) as CryptoKey;
  return { alg, privateKey, publicKey, publicJwk };
}

/**
 * Creates the access-token service: ES256 JWTs (or the algorithm of the provided key) with a `kid`
 * equal to the key's RFC 7638 thumbprint.
 *
 * @example
 * const tokens = await createAccessTokens({ issuer: 'iss', audience: 'aud', ttl: 300, privateJwk: null });
 * const jwt = await tokens.sign({ sub: '1', email: 'a@b.c', name: 'A' });
 */
export async function createAccessTokens(options: AccessTokenOptions): Promise<AccessTokens> {
  const keys = await loadKeys(options.privateJwk);
  const kid = keys.publicJwk.kid ?? (await calculateJwkThumbprint(keys.publicJwk));
  const publicJwk: JWK = { ...keys.publicJwk, kid, alg: keys.alg, use: 'sig' };

  return {
    ttl: options.ttl,
    async sign(claims) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ email: claims.email, name: claims.name })
        .setProtectedHeader({ alg: keys.alg, kid, typ: 'JWT' })
        .setSubject(claims.sub)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(now)
        .setExpirationTime(now + options.ttl)
        .setJti(randomUUID())
        .sign(keys.privateKey);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keys.publicKey, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: [keys.alg],
          // Why: the backend is the authority on expiry; tests prove the BFF refreshes ahead of it.
          clockTolerance: 0,
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        });
        if (typeof payload.email !== 'string' || typeof payload.name !== 'string' || !payload.sub) {
          return { status: 'invalid' };
        }
        return { status: 'valid', claims: { sub: payload.sub, email: payload.email, name: payload.name } };
      } catch (err) {
        if (err instanceof errors.JWTExpired) return { status: 'expired' };
        return { status: 'invalid' };
      }
    },
    jwks: () => ({ keys: [publicJwk] }),
  };
}
