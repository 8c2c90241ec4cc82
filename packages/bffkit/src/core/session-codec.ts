import type { SessionData, SessionUser, TokenSet } from './types';

/**
 * The sealed form of a session: compact keys keep the cookie small.
 * `v` is the payload format version, so a future format can read (or reject) older cookies.
 */
interface Wire {
  v: 1;
  i: string;
  u: SessionUser;
  a: string;
  r?: string;
  d?: string;
  e: number;
  t: number;
  c: number;
  l: number;
}

/**
 * Session → the JSON value that gets sealed.
 *
 * @example
 * sealJson(ring, toWire(session))
 */
export function toWire(s: SessionData): Wire {
  const w: Wire = { v: 1, i: s.id, u: s.user, a: s.tokens.accessToken, e: s.tokens.expiresAt, t: s.tokens.issuedAt, c: s.createdAt, l: s.lastActiveAt };
  if (s.tokens.refreshToken) w.r = s.tokens.refreshToken;
  if (s.tokens.idToken) w.d = s.tokens.idToken;
  return w;
}

/**
 * The unsealed JSON value → session, or null when its shape is wrong (never throws).
 *
 * @example
 * const session = fromWire(unsealJson(ring, cookieValue));
 */
export function fromWire(w: unknown): SessionData | null {
  if (!w || typeof w !== 'object') return null;
  const x = w as Partial<Wire>;
  if (x.v !== 1 || typeof x.i !== 'string' || typeof x.a !== 'string') return null;
  if (!isNum(x.e) || !isNum(x.t) || !isNum(x.c) || !isNum(x.l)) return null;
  if (!x.u || typeof x.u !== 'object' || typeof x.u.id !== 'string') return null;
  if (x.r !== undefined && typeof x.r !== 'string') return null;
  if (x.d !== undefined && typeof x.d !== 'string') return null;
  const tokens: TokenSet = { accessToken: x.a, expiresAt: x.e, issuedAt: x.t };
  if (x.r) tokens.refreshToken = x.r;
  if (x.d) tokens.idToken = x.d;
  return { id: x.i, user: x.u, tokens, createdAt: x.c, lastActiveAt: x.l };
}

/** Token set → JSON value for the successor record. */
export function tokensToWire(t: TokenSet): Pick<Wire, 'a' | 'r' | 'd' | 'e' | 't'> {
  return { a: t.accessToken, r: t.refreshToken, d: t.idToken, e: t.expiresAt, t: t.issuedAt };
}

/** JSON value of a successor record → token set, or null. */
export function tokensFromWire(w: unknown): TokenSet | null {
  if (!w || typeof w !== 'object') return null;
  const x = w as Partial<Wire>;
  if (typeof x.a !== 'string' || !isNum(x.e) || !isNum(x.t)) return null;
  const t: TokenSet = { accessToken: x.a, expiresAt: x.e, issuedAt: x.t };
  if (typeof x.r === 'string') t.refreshToken = x.r;
  if (typeof x.d === 'string') t.idToken = x.d;
  return t;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
