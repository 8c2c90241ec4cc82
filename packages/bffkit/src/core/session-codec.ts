/**
 * The bytes that get sealed into the session cookie.
 *
 * Format 2 (binary), byte by byte:
 *   [0x02 format][flags] id user access [refresh] [idToken] expiresAt issuedAt createdAt lastActiveAt
 * flags: bit 0 = refresh token present, bit 1 = id token present, bit 2 = times are float64 (else varints).
 * Each text (id, tokens) is one kind byte then its data:
 *   0x00          UTF-8: varint length, bytes
 *   n (1..15)     n base64url segments joined by '.' (a JWT is 3, an opaque base64url token 1): for each,
 *                 varint length and the DECODED bytes. Only used when re-encoding gives the exact string back.
 * The user is UTF-8 JSON. Times are unsigned LEB128 varints (epoch seconds), or 4 × float64 when any is not
 * a non-negative safe integer.
 *
 * Why binary instead of JSON: the cookie is base64url of the sealed bytes, so a JSON payload base64s the
 * JWT (already base64url) a second time: 4/3 × 4/3 ≈ 1.78 bytes of cookie per byte of signature. Storing
 * the decoded segments costs 4/3 only, which shrinks a JWT-carrying cookie by ~40% without compression.
 *
 * Why no compression: the session mixes secrets (tokens) with values an attacker can influence (user
 * name, e-mail, claims). Compressing them together makes the ciphertext length depend on how well the
 * attacker's input matches the secret (CRIME/BREACH), and the cookie length is visible on the wire.
 *
 * Format 1 (the first release) was JSON `{v:1,i,u,a,r,d,e,t,c,l}`: its first byte is '{', so such cookies
 * are still read (a library upgrade must not sign everybody out); they are re-sealed as format 2 on the
 * next write.
 */
import { ByteReader, ByteWriter } from './byte-codec';
import type { SessionData, SessionUser, TokenSet } from './types';

const FORMAT = 0x02;
const LEGACY_JSON = 0x7b; // '{'
const HAS_REFRESH = 1;
const HAS_ID_TOKEN = 2;
const FLOAT_TIMES = 4;
const KNOWN_FLAGS = HAS_REFRESH | HAS_ID_TOKEN | FLOAT_TIMES;

/**
 * Session → the bytes to seal (format 2).
 *
 * @example
 * const sealed = seal(ring, encodeSession(session));
 */
export function encodeSession(s: SessionData): Uint8Array {
  const t = s.tokens;
  const w = new ByteWriter();
  let flags = 0;
  if (t.refreshToken) flags |= HAS_REFRESH;
  if (t.idToken) flags |= HAS_ID_TOKEN;
  const times = [t.expiresAt, t.issuedAt, s.createdAt, s.lastActiveAt];
  const integral = times.every((n) => Number.isSafeInteger(n) && n >= 0);
  if (!integral) flags |= FLOAT_TIMES;
  w.byte(FORMAT);
  w.byte(flags);
  w.text(s.id);
  w.utf8(JSON.stringify(s.user));
  w.text(t.accessToken);
  if (t.refreshToken) w.text(t.refreshToken);
  if (t.idToken) w.text(t.idToken);
  for (const n of times) {
    if (integral) w.varint(n);
    else w.float(n);
  }
  return w.done();
}

/**
 * Sealed bytes → session, or null when they are not a well-formed session (never throws).
 * Reads format 2 and the legacy JSON format 1.
 *
 * @example
 * const session = decodeSession(unseal(ring, cookieValue));
 */
export function decodeSession(bytes: Uint8Array | null): SessionData | null {
  if (!bytes || bytes.length < 2) return null;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === LEGACY_JSON) return fromWire(parseJson(buf.toString('utf8')));
  if (buf[0] !== FORMAT) return null;
  const flags = buf[1]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) return null;
  const r = new ByteReader(buf, 2);
  const id = r.text();
  const userJson = r.utf8();
  const accessToken = r.text();
  const refreshToken = flags & HAS_REFRESH ? r.text() : undefined;
  const idToken = flags & HAS_ID_TOKEN ? r.text() : undefined;
  const float = (flags & FLOAT_TIMES) !== 0;
  const expiresAt = r.number(float);
  const issuedAt = r.number(float);
  const createdAt = r.number(float);
  const lastActiveAt = r.number(float);
  if (r.failed || r.pos !== buf.length || id === null || userJson === null || accessToken === null) return null;
  if (refreshToken === null || idToken === null) return null;
  const user = parseJson(userJson) as SessionUser | undefined;
  if (!user || typeof user !== 'object' || Array.isArray(user) || typeof user.id !== 'string') return null;
  const tokens: TokenSet = { accessToken, expiresAt, issuedAt };
  if (refreshToken) tokens.refreshToken = refreshToken;
  if (idToken) tokens.idToken = idToken;
  return { id, user, tokens, createdAt, lastActiveAt };
}

/** The JSON shape of format 1 (still used for the successor record of a refresh). */
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
 * Session → the format 1 JSON value. Kept for tests and tools that build legacy cookies.
 *
 * @example
 * sealJson(ring, toWire(session)) // a format 1 cookie, still readable
 */
export function toWire(s: SessionData): Wire {
  const w: Wire = { v: 1, i: s.id, u: s.user, a: s.tokens.accessToken, e: s.tokens.expiresAt, t: s.tokens.issuedAt, c: s.createdAt, l: s.lastActiveAt };
  if (s.tokens.refreshToken) w.r = s.tokens.refreshToken;
  if (s.tokens.idToken) w.d = s.tokens.idToken;
  return w;
}

/**
 * A format 1 JSON value → session, or null when its shape is wrong (never throws).
 *
 * @example
 * const session = fromWire(unsealJson(ring, legacyCookieValue));
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
