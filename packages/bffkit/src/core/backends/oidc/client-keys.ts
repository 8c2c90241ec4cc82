/**
 * The client's own keys for `private_key_jwt` (RFC 7523 client assertions): parsed and checked once
 * at construction (synchronously, so a bad key fails `createBff`, never a request), turned into
 * WebCrypto keys on first use. The first key signs; every key's public half is published by the
 * JWKS route, so a provider that reads the client's keys from that URL accepts either during a
 * rotation. Key material never appears in an error message.
 */
import { createHash, createPrivateKey, createPublicKey, webcrypto, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../../errors';

/** Client signing algorithms bffkit accepts (FAPI 2.0 allows PS256, ES256 and EdDSA; RS256 outside it). */
export type ClientKeyAlg = 'ES256' | 'PS256' | 'EdDSA' | 'RS256';

/** One key as configured: a private JWK (object or JSON string), a PKCS#8 PEM, or either with its `kid`/`alg`. */
export type ClientKeyInput = string | JsonWebKey | { key: string | JsonWebKey; kid?: string; alg?: ClientKeyAlg };

/** A validated client key. */
export interface ClientKey {
  kid: string;
  alg: ClientKeyAlg;
  /** The public JWK (with kid, alg, use) for the JWKS route. */
  publicJwk: JsonWebKey & { kid: string; alg: string; use: 'sig' };
  /** The WebCrypto signing key (imported once, on first use). */
  cryptoKey(): Promise<CryptoKey>;
}

const IMPORT: Record<ClientKeyAlg, webcrypto.AlgorithmIdentifier | webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

/**
 * Validates the configured keys: at least one, each a private key of a supported type (P-256,
 * RSA of 2048 bits or more, Ed25519), distinct `kid`s. Throws {@link ConfigError} naming the field.
 *
 * @example
 * const keys = resolveClientKeys('backend.clientKeys', process.env.OIDC_CLIENT_KEY);
 */
export function resolveClientKeys(field: string, input: ClientKeyInput | readonly ClientKeyInput[] | undefined): ClientKey[] {
  const list = input === undefined ? [] : Array.isArray(input) ? input : [input as ClientKeyInput];
  if (list.length === 0) throw new ConfigError(field, 'is required for private_key_jwt: a private JWK or a PKCS#8 PEM');
  const keys = list.map((one, i) => resolveOne(list.length > 1 ? `${field}[${i}]` : field, one));
  const kids = new Set(keys.map((k) => k.kid));
  if (kids.size !== keys.length) throw new ConfigError(field, 'has two keys with the same kid');
  return keys;
}

function resolveOne(field: string, input: ClientKeyInput): ClientKey {
  const wrapped = typeof input === 'object' && input !== null && 'key' in input ? input : { key: input as string | JsonWebKey };
  const { kid: givenKid, alg: givenAlg } = wrapped as { kid?: string; alg?: ClientKeyAlg };
  const jwkIn = typeof wrapped.key === 'string' && wrapped.key.trim().startsWith('{') ? parseJson(field, wrapped.key) : wrapped.key;
  let key: KeyObject;
  try {
    key = typeof jwkIn === 'string' ? createPrivateKey(jwkIn) : createPrivateKey({ key: jwkIn as JsonWebKey, format: 'jwk' });
  } catch {
    throw new ConfigError(field, 'is not a private key (expected a private JWK with "d", or a PKCS#8 PEM)');
  }
  const fromJwk = typeof jwkIn === 'object' ? (jwkIn as Record<string, unknown>) : {};
  const alg = algOf(field, key, givenAlg ?? (typeof fromJwk.alg === 'string' ? (fromJwk.alg as ClientKeyAlg) : undefined));
  const publicJwk = createPublicKey(key).export({ format: 'jwk' }) as JsonWebKey;
  const kid = givenKid ?? (typeof fromJwk.kid === 'string' ? fromJwk.kid : undefined) ?? thumbprintKid(publicJwk);
  if (typeof kid !== 'string' || kid === '' || kid.length > 200) throw new ConfigError(field, 'needs a kid of 1-200 characters');
  const privateJwk = key.export({ format: 'jwk' });
  let imported: Promise<CryptoKey> | undefined;
  return {
    kid,
    alg,
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
    cryptoKey: () => (imported ??= webcrypto.subtle.importKey('jwk', privateJwk as webcrypto.JsonWebKey, IMPORT[alg], false, ['sign']) as Promise<CryptoKey>),
  };
}

function algOf(field: string, key: KeyObject, given: ClientKeyAlg | undefined): ClientKeyAlg {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  let fits: ClientKeyAlg[];
  if (type === 'ec' && details?.namedCurve === 'prime256v1') fits = ['ES256'];
  else if (type === 'rsa' && (details?.modulusLength ?? 0) >= 2048) fits = ['PS256', 'RS256'];
  else if (type === 'ed25519') fits = ['EdDSA'];
  else throw new ConfigError(field, 'must be a P-256 EC key, an RSA key of at least 2048 bits, or an Ed25519 key');
  const alg = given ?? fits[0]!;
  if (!fits.includes(alg)) throw new ConfigError(field, `cannot sign ${String(alg)} (the key suits ${fits.join(' or ')})`);
  return alg;
}

function parseJson(field: string, text: string): JsonWebKey {
  try {
    return JSON.parse(text) as JsonWebKey;
  } catch {
    throw new ConfigError(field, 'is not valid JSON (expected a private JWK)');
  }
}

/** RFC 7638 thumbprint of a public JWK, as a `kid` when none is given. */
function thumbprintKid(jwk: JsonWebKey): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
