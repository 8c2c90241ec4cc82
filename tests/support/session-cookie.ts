/**
 * Reading session cookies in tests: the sealed value is opened with the secret every test app runs
 * with (TEST_SECRET) by the library's own key derivation, seal and codec, so the tests follow the real
 * format (binary format 2 or the legacy JSON format 1), whatever it currently is.
 */
import { deriveKeyRing, type Purpose } from '../../packages/bffkit/src/core/crypto/keys';
import { seal, unseal } from '../../packages/bffkit/src/core/crypto/seal';
import { decodeSession, encodeSession } from '../../packages/bffkit/src/core/session/codec';
import type { SessionData } from '../../packages/bffkit/src/core/types';
import { TEST_SECRET } from './app-process';
import type { CookieJar } from './http';

/**
 * The session inside a session cookie value (the whole sealed value: a chunked cookie re-assembled);
 * null when it does not unseal with `secret` for `purpose` or is not a well-formed session.
 *
 * @example
 * readSessionCookie(cookie.value)?.tokens.accessToken
 */
export function readSessionCookie(value: string, secret = TEST_SECRET, purpose: Purpose = 'session'): SessionData | null {
  return decodeSession(unseal(deriveKeyRing([secret], purpose), value));
}

/** A session cookie's id and tokens under short names: i (session id), a / r (access / refresh token), e / t (expires / issued, epoch s). */
export type CookieTokens = { i: string; a: string; r?: string; e: number; t: number };

/**
 * The id and tokens inside a session cookie value; throws when it does not unseal with TEST_SECRET.
 *
 * @example
 * expect(openSessionCookie(value).e - openSessionCookie(value).t).toBe(TTL);
 */
export function openSessionCookie(value: string): CookieTokens {
  const s = readSessionCookie(value);
  if (!s) throw new Error('the session cookie did not unseal with TEST_SECRET');
  return { i: s.id, a: s.tokens.accessToken, r: s.tokens.refreshToken, e: s.tokens.expiresAt, t: s.tokens.issuedAt };
}

/**
 * The session id inside a store-mode cookie value (the sealed id: format byte 0x01 then the id, or
 * the first release's `{"v":1,"i":…}` JSON); null when it does not unseal with `secret`.
 *
 * @example
 * storeSessionIdOf(cookie.value) // 'Zm9vYmFy.q3V2…'
 */
export function storeSessionIdOf(value: string, secret = TEST_SECRET): string | null {
  const bytes = unseal(deriveKeyRing([secret], 'session-id'), value);
  if (!bytes || bytes.length < 2) return null;
  if (bytes[0] === 0x01) return Buffer.from(bytes.subarray(1)).toString('utf8');
  try {
    const id = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { i?: unknown }).i;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/**
 * The session in a jar's session cookie family (`bffkit`, or its chunks `bffkit.0`, `bffkit.1`, …,
 * re-assembled in order); null when there is none or it does not unseal with `secret`.
 *
 * @example
 * sessionInJar(appJar, CORE_SECRET)?.dpopKey
 */
export function sessionInJar(jar: CookieJar, secret = TEST_SECRET, name = 'bffkit'): SessionData | null {
  const chunks = jar.names().filter((n) => new RegExp(`^${name}\\.\\d+$`).test(n)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
  const value = jar.get(name) ?? (chunks.length ? chunks.map((n) => jar.get(n)!).join('') : undefined);
  return value === undefined ? null : readSessionCookie(value, secret);
}

/**
 * A stateless session cookie value for `session`, sealed the way the app seals it (TEST_SECRET, the
 * 'session' purpose): a test can change a real session's timestamps and send it back.
 *
 * @example
 * const old = sealSessionCookie({ ...readSessionCookie(value)!, lastActiveAt: now - 2 * ONE_DAY });
 */
export function sealSessionCookie(session: SessionData, secret = TEST_SECRET): string {
  return seal(deriveKeyRing([secret], 'session'), encodeSession(session));
}
