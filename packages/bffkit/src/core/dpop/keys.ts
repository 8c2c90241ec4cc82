/**
 * DPoP key pairs (RFC 9449): one per session, made at sign-in, kept with the session as plain
 * base64url parts (so every session format can hold it) and turned into WebCrypto keys for
 * oauth4webapi's DPoP handle when used. ES256 (P-256): the smallest key and proof FAPI 2.0 allows.
 */
import { webcrypto } from 'node:crypto';
import { loadOAuth } from '../oauth-client';
import type { DpopKeyPair } from '../types';

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const PART = /^[A-Za-z0-9_-]{43}$/;

/**
 * A fresh ES256 key pair for one session.
 *
 * @example
 * const dpopKey = await generateDpopKey();
 */
export async function generateDpopKey(): Promise<DpopKeyPair> {
  const oauth = await loadOAuth();
  const { privateKey } = await oauth.generateKeyPair('ES256', { extractable: true });
  const jwk = await webcrypto.subtle.exportKey('jwk', privateKey as webcrypto.CryptoKey);
  return { alg: 'ES256', x: jwk.x!, y: jwk.y!, d: jwk.d! };
}

/**
 * The WebCrypto key pair of a stored key: the private key not extractable, the public one
 * extractable (oauth4webapi puts it into every proof's `jwk` header).
 *
 * @example
 * const keys = await importDpopKey(session.dpopKey);
 */
export async function importDpopKey(key: DpopKeyPair): Promise<CryptoKeyPair> {
  const pub = { kty: 'EC', crv: 'P-256', x: key.x, y: key.y };
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('jwk', { ...pub, d: key.d }, EC_P256, false, ['sign']),
    webcrypto.subtle.importKey('jwk', pub, EC_P256, true, ['verify']),
  ]);
  return { privateKey, publicKey } as CryptoKeyPair;
}

/**
 * Whether `value` is a well-formed stored key (e.g. read back from a transaction cookie).
 *
 * @example
 * if (!isDpopKeyPair(parsed)) return invalid();
 */
export function isDpopKeyPair(value: unknown): value is DpopKeyPair {
  if (!value || typeof value !== 'object') return false;
  const k = value as Record<string, unknown>;
  return k.alg === 'ES256' && [k.x, k.y, k.d].every((p) => typeof p === 'string' && PART.test(p));
}

/**
 * A key as one compact string for a login transaction (`x.y.d`), and back.
 *
 * @example
 * transaction.dpop = packDpopKey(key); const again = unpackDpopKey(transaction.dpop);
 */
export function packDpopKey(key: DpopKeyPair): string {
  return `${key.x}.${key.y}.${key.d}`;
}

export function unpackDpopKey(value: string | undefined): DpopKeyPair | null {
  const [x, y, d, extra] = (value ?? '').split('.');
  const key = { alg: 'ES256' as const, x, y, d };
  return extra === undefined && isDpopKeyPair(key) ? key : null;
}
