/**
 * The bytes that get sealed into the session cookie.
 *
 * Format 2 (binary), byte by byte:
 *   [0x02 format][flags] id user access [refresh] [idToken] expiresAt issuedAt createdAt lastActiveAt
 * flags: bit 0 = refresh token present, bit 1 = id token present, bit 2 = times are float64 (else varints),
 *        bit 3 = user stored as fields (id, then email / name when bits 4 / 5 are set) instead of JSON,
 *        bit 6 = optional sections follow the times (DPoP key, token type, authentication level,
 *        per-upstream tokens: codec-extensions.ts). Without bit 6 the layout is the first release's of
 *        format 2, byte for byte, so every cookie written before the sections existed still reads.
 * Each text (id, tokens) is one kind byte then its data:
 *   0x00          UTF-8: varint length, bytes
 *   n (1..15)     n base64url segments joined by '.' (a JWT is 3, an opaque base64url token 1): for each,
 *                 varint length and the DECODED bytes. Only used when re-encoding gives the exact string back.
 * A user with only string `id`, `email`, `name` is stored as those texts (no JSON to parse on every
 * read); any other user as UTF-8 JSON. Times are unsigned LEB128 varints (epoch seconds), or 4 × float64
 * when any of them is not a non-negative safe integer.
 *
 * Why binary instead of JSON: the cookie is base64url of the sealed bytes, so a JSON payload base64s the
 * JWT (already base64url) a second time: 4/3 × 4/3 ≈ 1.78 bytes of cookie per byte of signature. Storing
 * the decoded segments costs 4/3 only: a session with a 1.2 KB JWT seals to 1,388 characters instead of
 * 1,928 (jose's JWE of the same session: 2,055), without compression, and decodes faster than JSON.parse.
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
import { extrasFromJson, extrasToJson, hasExtras, readExtras, writeExtras, type JsonExtras } from './codec-extensions';
import type { SessionData, SessionUser, TokenSet } from '../types';

const FORMAT = 0x02;
const LEGACY_JSON = 0x7b; // '{'
const HAS_REFRESH = 1;
const HAS_ID_TOKEN = 2;
const FLOAT_TIMES = 4;
const USER_FIELDS = 8;
const HAS_EMAIL = 16;
const HAS_NAME = 32;
const HAS_EXTRAS = 64;
const KNOWN_FLAGS = HAS_REFRESH | HAS_ID_TOKEN | FLOAT_TIMES | USER_FIELDS | HAS_EMAIL | HAS_NAME | HAS_EXTRAS;

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
  // -0 is "a safe integer >= 0" too, but a varint would bring it back as 0.
  const integral = times.every((n) => Number.isSafeInteger(n) && n >= 0 && !Object.is(n, -0));
  if (!integral) flags |= FLOAT_TIMES;
  const u = s.user;
  const fields = isPlainUser(u);
  if (fields) flags |= USER_FIELDS | (u.email !== undefined ? HAS_EMAIL : 0) | (u.name !== undefined ? HAS_NAME : 0);
  const extras = hasExtras(s);
  if (extras) flags |= HAS_EXTRAS;
  w.byte(FORMAT);
  w.byte(flags);
  w.text(s.id);
  if (!fields) w.utf8(JSON.stringify(u));
  else {
    w.text(u.id);
    if (u.email !== undefined) w.text(u.email);
    if (u.name !== undefined) w.text(u.name);
  }
  w.text(t.accessToken);
  if (t.refreshToken) w.text(t.refreshToken);
  if (t.idToken) w.text(t.idToken);
  for (const n of times) {
    if (integral) w.varint(n);
    else w.float(n);
  }
  if (extras) writeExtras(w, s);
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
  const user = flags & USER_FIELDS ? readUserFields(r, flags) : parseUser(r.utf8());
  const accessToken = r.text();
  const refreshToken = flags & HAS_REFRESH ? r.text() : undefined;
  const idToken = flags & HAS_ID_TOKEN ? r.text() : undefined;
  const float = (flags & FLOAT_TIMES) !== 0;
  const expiresAt = r.number(float);
  const issuedAt = r.number(float);
  const createdAt = r.number(float);
  const lastActiveAt = r.number(float);
  const extras = flags & HAS_EXTRAS && !r.failed ? readExtras(r) : {};
  if (r.failed || r.pos !== buf.length || id === null || user === null || accessToken === null || extras === null) return null;
  if (refreshToken === null || idToken === null) return null;
  const tokens: TokenSet = { accessToken, expiresAt, issuedAt };
  if (refreshToken) tokens.refreshToken = refreshToken;
  if (idToken) tokens.idToken = idToken;
  if (extras.tokenType) tokens.tokenType = extras.tokenType;
  const session: SessionData = { id, user, tokens, createdAt, lastActiveAt };
  if (extras.dpopKey) session.dpopKey = extras.dpopKey;
  if (extras.auth) session.auth = extras.auth;
  if (extras.upstreamTokens) session.upstreamTokens = extras.upstreamTokens;
  return session;
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
  /** The optional parts (DPoP key, token type, auth level, upstream tokens), as JSON. */
  x?: JsonExtras;
  /** Token type of `a` in a successor record (`DPoP`); in a session it lives in `x`. */
  tt?: 'DPoP';
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
  if (hasExtras(s)) w.x = extrasToJson(s);
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
  const session: SessionData = { id: x.i, user: x.u, tokens, createdAt: x.c, lastActiveAt: x.l };
  if (x.x === undefined) return session;
  const extras = extrasFromJson(x.x);
  if (!extras) return null;
  if (extras.tokenType) tokens.tokenType = extras.tokenType;
  if (extras.dpopKey) session.dpopKey = extras.dpopKey;
  if (extras.auth) session.auth = extras.auth;
  if (extras.upstreamTokens) session.upstreamTokens = extras.upstreamTokens;
  return session;
}

/** Token set → JSON value for the successor record. */
export function tokensToWire(t: TokenSet): Pick<Wire, 'a' | 'r' | 'd' | 'e' | 't' | 'tt'> {
  return { a: t.accessToken, r: t.refreshToken, d: t.idToken, e: t.expiresAt, t: t.issuedAt, ...(t.tokenType ? { tt: t.tokenType } : {}) };
}

/** JSON value of a successor record → token set, or null. */
export function tokensFromWire(w: unknown): TokenSet | null {
  if (!w || typeof w !== 'object') return null;
  const x = w as Partial<Wire>;
  if (typeof x.a !== 'string' || !isNum(x.e) || !isNum(x.t)) return null;
  const t: TokenSet = { accessToken: x.a, expiresAt: x.e, issuedAt: x.t };
  if (typeof x.r === 'string') t.refreshToken = x.r;
  if (typeof x.d === 'string') t.idToken = x.d;
  if (x.tt === 'DPoP') t.tokenType = 'DPoP';
  return t;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A user of only string id / email / name (the common shape), stored without JSON. */
function isPlainUser(u: SessionUser): boolean {
  if (!u || typeof u !== 'object' || Object.getPrototypeOf(u) !== Object.prototype) return false;
  for (const k in u) {
    if (k !== 'id' && k !== 'email' && k !== 'name') return false;
    if (typeof u[k] !== 'string') return false;
  }
  return typeof u.id === 'string';
}

function readUserFields(r: ByteReader, flags: number): SessionUser | null {
  const id = r.text();
  if (id === null) return null;
  const user: SessionUser = { id };
  if (flags & HAS_EMAIL) user.email = r.text() ?? undefined;
  if (flags & HAS_NAME) user.name = r.text() ?? undefined;
  return r.failed ? null : user;
}

function parseUser(json: string | null): SessionUser | null {
  const user = json === null ? undefined : (parseJson(json) as SessionUser | undefined);
  if (!user || typeof user !== 'object' || Array.isArray(user) || typeof user.id !== 'string') return null;
  return user;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
