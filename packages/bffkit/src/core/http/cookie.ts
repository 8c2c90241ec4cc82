/**
 * Cookie header parsing and Set-Cookie serialisation (RFC 6265), strict where it matters for security
 * (SECURITY.md 1 and 6): exact names, every duplicate kept, no decoding magic.
 */

/** Cookie headers longer than this are read only up to the last complete pair before the cap. */
export const MAX_COOKIE_HEADER = 16 * 1024;

/** Attributes of a cookie bffkit sets. There is deliberately no `domain`: host-only cookies only. */
export interface CookieAttributes {
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'lax' | 'strict';
  path: string;
  /** Lifetime in whole seconds; omitted = session cookie. */
  maxAge?: number;
  domain?: never;
}

// RFC 6265 cookie-name (an RFC 7230 token) and cookie-octet (no CTLs, space, DQUOTE, comma, ';', '\').
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
const PATH = /^\/[\x21-\x3A\x3C-\x7E]*$/; // path-av: any CHAR except CTLs and ';' (we also exclude space)
const EXPIRED = 'Thu, 01 Jan 1970 00:00:00 GMT';

/**
 * Parses a Cookie header into name → every value sent under that exact name (in header order).
 * Never throws; malformed pairs are skipped.
 *
 * @example
 * parseCookieHeader('a=1; b="2"; a=3'); // Map { 'a' => ['1', '3'], 'b' => ['2'] }
 */
export function parseCookieHeader(header: string | null | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (typeof header !== 'string' || header.length === 0) return out;
  let text = header;
  if (text.length > MAX_COOKIE_HEADER) {
    // Cut at the last separator before the cap so no pair is ever read half-way (a truncated value
    // must not masquerade as a complete one).
    const cut = text.lastIndexOf(';', MAX_COOKIE_HEADER);
    text = cut < 0 ? '' : text.slice(0, cut);
  }
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue; // RFC 6265 5.2: a pair without '=' is ignored.
    // Names are kept byte-for-byte: no percent-decoding, no case folding, no Unicode normalisation, and
    // only SP/HTAB are trimmed (String#trim would also strip NBSP & co., letting look-alikes match).
    const name = trimOws(pair.slice(0, eq));
    if (name.length === 0) continue;
    let value = trimOws(pair.slice(eq + 1));
    if (value.length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22) {
      value = value.slice(1, -1);
    }
    // Values are not percent-decoded either: ours are base64url, and decoding would create aliases.
    const list = out.get(name);
    if (list) list.push(value);
    else out.set(name, [value]);
  }
  return out;
}

/**
 * Builds a Set-Cookie header value. Invalid names, values or attributes are a caller bug: TypeError.
 *
 * @example
 * serializeCookie('__Host-bffkit', sealed, { httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: 3600 });
 * // '__Host-bffkit=…; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax'
 */
export function serializeCookie(name: string, value: string, attrs: CookieAttributes): string {
  return build(name, value, attrs, attrs.maxAge, false);
}

/**
 * A Set-Cookie header value that deletes the cookie: same name and path, empty value, Max-Age=0 and an
 * Expires date in the past (for old clients that ignore Max-Age).
 *
 * @example
 * clearCookie('__Host-bffkit', attrs); // '__Host-bffkit=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; …'
 */
export function clearCookie(name: string, attrs: CookieAttributes): string {
  return build(name, '', attrs, 0, true);
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

function build(name: string, value: string, attrs: CookieAttributes, maxAge: number | undefined, expire: boolean): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new TypeError('bffkit: invalid cookie name');
  // The value is not echoed in the message: it may be a sealed session.
  if (typeof value !== 'string' || !VALUE.test(value)) throw new TypeError(`bffkit: invalid value for cookie ${name}`);
  if (typeof attrs.path !== 'string' || !PATH.test(attrs.path)) throw new TypeError('bffkit: invalid cookie path');
  if ((attrs as { domain?: unknown }).domain !== undefined) {
    throw new TypeError('bffkit: cookies are host-only; Domain is not supported');
  }
  if (attrs.sameSite !== 'lax' && attrs.sameSite !== 'strict') throw new TypeError('bffkit: invalid SameSite');
  // Prefix rules the browser would enforce by silently dropping the cookie: fail loudly instead.
  if (name.startsWith('__Host-') && (!attrs.secure || attrs.path !== '/')) {
    throw new TypeError('bffkit: __Host- cookies need Secure and Path=/');
  }
  if (name.startsWith('__Secure-') && !attrs.secure) throw new TypeError('bffkit: __Secure- cookies need Secure');
  let out = `${name}=${value}; Path=${attrs.path}`;
  if (maxAge !== undefined) {
    if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new TypeError('bffkit: Max-Age must be a whole number ≥ 0');
    out += `; Max-Age=${maxAge}`;
  }
  if (expire) out += `; Expires=${EXPIRED}`;
  if (attrs.httpOnly) out += '; HttpOnly';
  if (attrs.secure) out += '; Secure';
  out += attrs.sameSite === 'strict' ? '; SameSite=Strict' : '; SameSite=Lax';
  return out;
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

/** A Set-Cookie line bffkit wrote, taken apart: name, value and lower-cased attribute names. */
export interface SetCookieParts {
  name: string;
  value: string;
  /** Attribute name (lower case) → value ('' for flags such as HttpOnly). */
  attributes: Map<string, string>;
}

/**
 * Takes apart a Set-Cookie line that bffkit serialised (to replay it into a request's Cookie header,
 * or through another framework's cookie API). Null when the line has no `name=`.
 *
 * @example
 * parseSetCookie('s=v; Path=/; Max-Age=0')?.attributes.get('max-age'); // '0'
 */
export function parseSetCookie(line: string): SetCookieParts | null {
  const [pair = '', ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  if (eq < 1) return null;
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const a = part.trim();
    const i = a.indexOf('=');
    if (a) attributes.set((i < 0 ? a : a.slice(0, i)).toLowerCase(), i < 0 ? '' : a.slice(i + 1));
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}
