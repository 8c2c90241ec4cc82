/**
 * Secrets in, per-purpose AES-256 keys out.
 *
 * Keys are derived ONCE (at construction) with HKDF-SHA256 and reused for every seal/unseal: a KDF per
 * operation would cost more than the encryption itself.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { ConfigError } from '../errors';

/** What a sealed value is for. Each purpose gets its own key, so one kind can never be replayed as another. */
export type Purpose = 'session' | 'transaction' | 'successor' | 'session-id' | 'handoff' | 'session-store' | 'cache-tag';

/** The purposes, for runtime validation. */
const PURPOSES: ReadonlySet<string> = new Set<Purpose>([
  'session',
  'transaction',
  'successor',
  'session-id',
  'handoff',
  // Sessions at rest in a server-side store (bffkit/redis). Its own key, so a stored value can never
  // be replayed as a cookie-mode session cookie even when both modes share the secret.
  'session-store',
  // The per-user cache tags of bffkit/next (an HMAC of the user id): stable across instances that
  // share the secret, unguessable without it.
  'cache-tag',
]);

/** The derived keys of one purpose. The first key seals; every key unseals (secret rotation). */
export interface KeyRing {
  purpose: Purpose;
  keys: readonly { id: number; key: Buffer }[];
}

/** Minimum secret length in characters (docs/security.md 5). */
export const MIN_SECRET_LENGTH = 32;

// Fixed, versioned salt: changing it would invalidate every existing cookie, so it is part of the format.
const HKDF_SALT = 'bffkit/v1';
const KEY_BYTES = 32;

/**
 * Validates the configured secret(s) and returns them as a list (first = current).
 * Throws {@link ConfigError} naming the `secret` field; messages never contain the secret itself.
 *
 * @example
 * const secrets = validateSecrets(process.env.BFFKIT_SECRET?.split(','));
 */
export function validateSecrets(secret: string | readonly string[] | undefined): string[] {
  if (secret === undefined || secret === null) {
    throw new ConfigError(
      'secret',
      `is missing: provide a random string of at least ${MIN_SECRET_LENGTH} characters (for example \`openssl rand -base64 32\`)`,
    );
  }
  const list: readonly unknown[] = typeof secret === 'string' ? [secret] : secret;
  if (!Array.isArray(list)) {
    throw new ConfigError('secret', 'must be a string or an array of strings');
  }
  if (list.length === 0) {
    throw new ConfigError('secret', 'must contain at least one secret');
  }
  const seen = new Map<string, number>();
  list.forEach((s, i) => {
    // Positions, never values, in messages: a misconfigured secret must not end up in logs.
    const where = list.length === 1 ? '' : ` (entry ${i})`;
    if (typeof s !== 'string') throw new ConfigError('secret', `must be a string${where}`);
    if (s.length < MIN_SECRET_LENGTH) {
      throw new ConfigError('secret', `must be at least ${MIN_SECRET_LENGTH} characters long${where}`);
    }
    const first = seen.get(s);
    if (first !== undefined) {
      throw new ConfigError('secret', `contains a duplicate: entry ${i} repeats entry ${first}`);
    }
    seen.set(s, i);
  });
  return [...(list as readonly string[])];
}

/**
 * Derives the key ring of one purpose: HKDF-SHA256(secret, salt "bffkit/v1", info "bffkit <purpose>").
 * Call once at start-up and keep the ring; the secrets are validated here too.
 *
 * @example
 * const ring = deriveKeyRing(['a-random-secret-of-32-characters!!'], 'session');
 */
export function deriveKeyRing(secrets: readonly string[], purpose: Purpose): KeyRing {
  if (!PURPOSES.has(purpose)) throw new TypeError(`bffkit: unknown key purpose "${String(purpose)}"`);
  const keys = validateSecrets(secrets).map((secret) => {
    const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), HKDF_SALT, `bffkit ${purpose}`, KEY_BYTES));
    return Object.freeze({ id: keyId(key), key });
  });
  return Object.freeze({ purpose, keys: Object.freeze(keys) });
}

/**
 * The one-byte key hint stored in sealed values. Derived from the key (not its position in the list) so it
 * stays stable when secrets are added or reordered. A hash of the key, not the key: reveals nothing usable.
 */
function keyId(key: Buffer): number {
  return createHash('sha256').update(key).digest()[0]!;
}
