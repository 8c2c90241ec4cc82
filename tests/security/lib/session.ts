/**
 * Reading and forging session cookies with the test secret, through the library's own seal and codec
 * (so the attacks follow the real format, whatever it currently is).
 */
import { deriveKeyRing, type Purpose } from '../../../packages/bffkit/src/core/crypto/keys';
import { seal } from '../../../packages/bffkit/src/core/crypto/seal';
import { encodeSession } from '../../../packages/bffkit/src/core/session/codec';
import type { SessionData } from '../../../packages/bffkit/src/core/types';
import { TEST_SECRET } from '../../support/app-process';
import type { Reply } from './client';

export type { SessionData };

/** The session cookie's name on plain-http localhost (no Secure, no __Host- prefix). */
export const COOKIE = 'bffkit';
/** The example backend's seeded accounts. */
export const DEMO = { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' } as const;
export const SECOND = { email: 'second@example.com', password: 'second-password', name: 'Second User' } as const;

/** Epoch seconds. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The value of cookie `name` (plain, or re-assembled from `name.0`, `name.1`, …) set by a response;
 * undefined when not set, '' when cleared.
 */
export function setCookieValue(reply: Reply, name = COOKIE): string | undefined {
  const pairs = new Map<string, string>();
  for (const line of reply.setCookies) {
    const pair = line.split(';')[0]!;
    const eq = pair.indexOf('=');
    pairs.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  if (pairs.get(name)) return pairs.get(name);
  const chunks: string[] = [];
  for (let i = 0; pairs.get(`${name}.${i}`); i++) chunks.push(pairs.get(`${name}.${i}`)!);
  if (chunks.length > 0) return chunks.join('');
  return pairs.has(name) ? '' : undefined;
}

/** The Cookie header a browser would send after `reply` (session family only). */
export function cookieAfter(reply: Reply, name = COOKIE): string {
  const parts: string[] = [];
  for (const line of reply.setCookies) {
    const pair = line.split(';')[0]!;
    const [n = '', v = ''] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
    const cleared = v === '' || /max-age=0/i.test(line);
    if ((n === name || n.startsWith(`${name}.`)) && !cleared) parts.push(`${n}=${v}`);
  }
  return parts.join('; ');
}

/** Names the response deletes (Max-Age=0). */
export function clearedNames(reply: Reply): string[] {
  return reply.setCookies.filter((l) => /;\s*max-age=0/i.test(l)).map((l) => l.slice(0, l.indexOf('=')).trim());
}

/**
 * Opens a sealed session value with the test secret (or another), for the given purpose: null when it
 * does not unseal or decode (tests/support/session-cookie's readSessionCookie).
 *
 * @example
 * openSession(setCookieValue(reply)!)?.tokens.accessToken
 */
export { readSessionCookie as openSession } from '../../support/session-cookie';

/**
 * Seals a session the way the app does, or with another secret or purpose (to attack with).
 *
 * @example
 * sealSession({ ...session, lastActiveAt: nowSeconds() - 2 * 86400 })
 */
export function sealSession(session: SessionData, options: { secret?: string; purpose?: Purpose } = {}): string {
  return seal(deriveKeyRing([options.secret ?? TEST_SECRET], options.purpose ?? 'session'), encodeSession(session));
}

/** Every token inside a session. */
export function tokensOf(session: SessionData): string[] {
  const t = session.tokens;
  return [t.accessToken, t.refreshToken, t.idToken].filter((x): x is string => typeof x === 'string' && x.length > 0);
}
