/**
 * Cookies as values (docs/security.md 1 and 6): bffkit builds `Cookie` objects, validated once when
 * made, passes them through the core unchanged and serialises them only at the HTTP edge (or hands
 * them to a framework's cookie API). Nothing ever parses back a Set-Cookie line bffkit wrote.
 * Reading is strict where it matters for security: exact names, every duplicate kept, no decoding magic.
 */

/** Cookie headers longer than this are read only up to the last complete pair before the cap. */
export const MAX_COOKIE_HEADER = 16 * 1024;

/** Attributes of a cookie bffkit sets. There is deliberately no `domain`: host-only cookies only. */
export interface CookieAttributes {
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'lax' | 'strict';
  path: string;
  /** Lifetime in whole seconds; omitted = session cookie. 0 deletes the cookie. */
  maxAge?: number;
  /** Set only on deleting cookies (the epoch), for old clients that ignore Max-Age. */
  expires?: Date;
  domain?: never;
}

/** One cookie to set (or delete), as a value: `{ name, value, attributes }`. */
export interface Cookie {
  readonly name: string;
  readonly value: string;
  readonly attributes: Readonly<CookieAttributes>;
}

// RFC 6265 cookie-name (an RFC 7230 token) and cookie-octet (no CTLs, space, DQUOTE, comma, ';', '\').
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
const PATH = /^\/[\x21-\x3A\x3C-\x7E]*$/; // path-av: any CHAR except CTLs and ';' (we also exclude space)
const EPOCH = new Date(0);

/**
 * A cookie to set. Invalid names, values or attributes are a caller bug: TypeError, here, before
 * anything is sent (the browser would silently drop such a cookie).
 *
 * @example
 * const c = cookie('__Host-bffkit', sealed, { httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: 3600 });
 */
export function cookie(name: string, value: string, attributes: CookieAttributes): Cookie {
  if (typeof name !== 'string' || !NAME.test(name)) throw new TypeError('bffkit: invalid cookie name');
  // The value is not echoed in the message: it may be a sealed session.
  if (typeof value !== 'string' || !VALUE.test(value)) throw new TypeError(`bffkit: invalid value for cookie ${name}`);
  const a = attributes;
  if (typeof a.path !== 'string' || !PATH.test(a.path)) throw new TypeError('bffkit: invalid cookie path');
  if ((a as { domain?: unknown }).domain !== undefined) throw new TypeError('bffkit: cookies are host-only; Domain is not supported');
  if (a.sameSite !== 'lax' && a.sameSite !== 'strict') throw new TypeError('bffkit: invalid SameSite');
  if (a.maxAge !== undefined && (!Number.isSafeInteger(a.maxAge) || a.maxAge < 0)) {
    throw new TypeError('bffkit: Max-Age must be a whole number ≥ 0');
  }
  // Prefix rules the browser would enforce by silently dropping the cookie: fail loudly instead.
  if (name.startsWith('__Host-') && (!a.secure || a.path !== '/')) throw new TypeError('bffkit: __Host- cookies need Secure and Path=/');
  if (name.startsWith('__Secure-') && !a.secure) throw new TypeError('bffkit: __Secure- cookies need Secure');
  return Object.freeze({ name, value, attributes: Object.freeze({ ...a }) });
}

/**
 * A cookie that deletes `name`: same name and path, empty value, Max-Age=0 and an Expires date in
 * the past (for old clients that ignore Max-Age).
 *
 * @example
 * expiredCookie('__Host-bffkit', attrs); // serialises as '__Host-bffkit=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 …'
 */
export function expiredCookie(name: string, attributes: CookieAttributes): Cookie {
  return cookie(name, '', { ...attributes, maxAge: 0, expires: EPOCH });
}

/** Whether a cookie deletes rather than sets. */
export function isExpiring(c: Cookie): boolean {
  return c.attributes.maxAge === 0 || c.value === '';
}

/**
 * The Set-Cookie header value of a cookie, at the HTTP edge.
 *
 * @example
 * serializeCookie(c); // '__Host-bffkit=…; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax'
 */
export function serializeCookie(c: Cookie): string {
  const a = c.attributes;
  let out = `${c.name}=${c.value}; Path=${a.path}`;
  if (a.maxAge !== undefined) out += `; Max-Age=${a.maxAge}`;
  if (a.expires !== undefined) out += `; Expires=${a.expires.toUTCString()}`;
  if (a.httpOnly) out += '; HttpOnly';
  if (a.secure) out += '; Secure';
  out += a.sameSite === 'strict' ? '; SameSite=Strict' : '; SameSite=Lax';
  return out;
}

/**
 * The cookie name to use: `__Host-` prefixed when Secure (the browser then enforces Secure, Path=/ and
 * no Domain, so a sibling subdomain or plain-http page cannot plant it), the bare name otherwise.
 *
 * @example
 * cookieName('bffkit', true); // '__Host-bffkit'
 */
export function cookieName(baseName: string, secure: boolean): string {
  if (!NAME.test(baseName)) throw new TypeError('bffkit: invalid cookie base name');
  return secure ? `__Host-${baseName}` : baseName;
}

/**
 * Parses a Cookie header into name → every value sent under that exact name (in header order).
 * Never throws; malformed pairs are skipped.
 *
 * @example
 * parseCookieHeader('a=1; b="2"; a=3'); // Map { 'a' => ['1', '3'], 'b' => ['2'] }
 */
export function parseCookieHeader(header: string | null | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { name, value } of cookiePairs(header)) {
    let v = value;
    if (v.length >= 2 && v.charCodeAt(0) === 0x22 && v.charCodeAt(v.length - 1) === 0x22) v = v.slice(1, -1);
    // Values are not percent-decoded either: ours are base64url, and decoding would create aliases.
    const list = out.get(name);
    if (list) list.push(v);
    else out.set(name, [v]);
  }
  return out;
}

/**
 * The Cookie header the browser will send once it has applied `cookies`: pairs the cookies replace or
 * delete are dropped (every duplicate of such a name, so no planted copy survives), the others keep
 * their order, and the set cookies come last. Used after a refresh in proxy.ts, so that the rest of
 * the same request (Server Components, route handlers) sees the fresh session (docs/security.md 26).
 *
 * @example
 * applyCookies('a=1; s=old', [cookie('s', 'new', attrs)]); // 'a=1; s=new'
 */
export function applyCookies(cookieHeader: string | null, cookies: readonly Cookie[]): string {
  const replaced = new Set(cookies.map((c) => c.name));
  const out: string[] = [];
  for (const pair of cookiePairs(cookieHeader, true)) {
    if (!replaced.has(pair.name)) out.push(pair.raw);
  }
  const latest = new Map<string, string | null>();
  for (const c of cookies) latest.set(c.name, isExpiring(c) ? null : c.value);
  for (const [name, value] of latest) if (value !== null) out.push(`${name}=${value}`);
  return out.join('; ');
}

type Pair = { name: string; value: string; raw: string };

/** The `name=value` pairs of a Cookie header, trimmed of optional whitespace only (`forRewrite`: every part, raw). */
function* cookiePairs(header: string | null | undefined, forRewrite = false): Generator<Pair> {
  if (typeof header !== 'string' || header.length === 0) return;
  let text = header;
  // A rewrite hands the app's other cookies on as they came; only reading is capped.
  if (!forRewrite && text.length > MAX_COOKIE_HEADER) {
    // Cut at the last separator before the cap so no pair is ever read half-way (a truncated value
    // must not masquerade as a complete one).
    const cut = text.lastIndexOf(';', MAX_COOKIE_HEADER);
    text = cut < 0 ? '' : text.slice(0, cut);
  }
  for (const part of text.split(';')) {
    const raw = trimOws(part);
    if (raw.length === 0) continue;
    const eq = raw.indexOf('=');
    if (forRewrite) {
      // A rewrite passes every part on untouched unless one of our cookies replaces it.
      yield { name: eq < 0 ? raw : trimOws(raw.slice(0, eq)), value: '', raw };
      continue;
    }
    if (eq < 0) continue; // RFC 6265 5.2: a pair without '=' is ignored.
    // Names are kept byte-for-byte: no percent-decoding, no case folding, no Unicode normalisation, and
    // only SP/HTAB are trimmed (String#trim would also strip NBSP & co., letting look-alikes match).
    const name = trimOws(raw.slice(0, eq));
    if (name.length === 0) continue;
    yield { name, value: trimOws(raw.slice(eq + 1)), raw };
  }
}

/** Trims only optional whitespace (SP, HTAB) as RFC 6265 defines it. */
function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isOws(s.charCodeAt(start))) start++;
  while (end > start && isOws(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
