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
 * A stateless session cookie value for `session`, sealed the way the app seals it (TEST_SECRET, the
 * 'session' purpose): a test can change a real session's timestamps and send it back.
 *
 * @example
 * const old = sealSessionCookie({ ...readSessionCookie(value)!, lastActiveAt: now - 2 * ONE_DAY });
 */
export function sealSessionCookie(session: SessionData, secret = TEST_SECRET): string {
  return seal(deriveKeyRing([secret], 'session'), encodeSession(session));
}
