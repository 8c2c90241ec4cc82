/**
 * The strict path grammar of forwarded requests (docs/security.md 18), independent of any rule.
 *
 * The rule set, applied to the RAW (still percent-encoded) path:
 * 1. It starts with '/' (so `scheme:`, `host/...` and absolute URLs are out), is at most
 *    {@link MAX_PATH_LENGTH} characters, and holds only visible ASCII: no raw control characters,
 *    spaces, DEL or non-ASCII, and no raw backslash.
 * 2. No empty segment ('//', which also rules out a leading `//host`); only a trailing '/' is allowed.
 * 3. Each segment is percent-decoded exactly once, strictly ('%zz', '%C0%AF' and other invalid
 *    UTF-8 are rejected). The decoded segment must not contain '/', '\', '%' (so '%2f', '%5c' and
 *    any double encoding such as '%252e' are out) or control characters (C0, DEL, C1).
 * 4. No dot segment, in any encoding: a segment made only of dots and whitespace (optionally
 *    followed by ';params', the Tomcat `..;` trick) is rejected, also after Unicode NFKC
 *    normalisation (fullwidth '．．', '／', '＼', '％' map to ASCII on some backends).
 * 5. No '@' in any form: concatenation means it cannot change the host here, but `@host` is the
 *    classic authority-confusion shape, and an upstream or a proxy behind it may parse it as one.
 * 6. The accepted path is re-encoded per segment into one canonical form, so what the rules
 *    match is exactly what the upstream receives.
 */

/** Longest raw path accepted (bytes of ASCII). */
export const MAX_PATH_LENGTH = 4096;

/** Result of {@link canonicalPath}. */
export type CanonicalPath = { ok: true; path: string } | { ok: false; message: string };

const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
const DECODED_FORBIDDEN = /[%/\\@\u0000-\u001f\u007f-\u009f]/;
const NON_ASCII = /[^\x00-\x7f]/;
const PCHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/;
const DOT_ONLY = /^[.\s]+$/;

/**
 * Validates a raw path and returns its canonical, safely re-encoded form.
 *
 * @example
 * canonicalPath('/notes/caf%C3%A9');   // { ok: true, path: '/notes/caf%C3%A9' }
 * canonicalPath('/notes/..%2fadmin');  // { ok: false, message: 'The request path is not valid.' }
 */
export function canonicalPath(raw: string): CanonicalPath {
  if (raw === '' || raw === '/') return { ok: true, path: '/' };
  if (raw.length > MAX_PATH_LENGTH || raw.charCodeAt(0) !== 0x2f) return INVALID;
  if (!VISIBLE_ASCII.test(raw) || raw.includes('\\')) return INVALID;
  const segments = raw.slice(1).split('/');
  const last = segments.length - 1;
  const out: string[] = [];
  for (let i = 0; i <= last; i++) {
    const segment = segments[i] as string;
    if (segment === '') {
      if (i !== last) return INVALID;
      out.push('');
      continue;
    }
    const decoded = decodeSegment(segment);
    if (decoded === null) return INVALID;
    out.push(decoded === segment && PCHAR.test(segment) ? segment : encodeSegment(decoded));
  }
  return { ok: true, path: `/${out.join('/')}` };
}

const INVALID: CanonicalPath = { ok: false, message: 'The request path is not valid.' };

/** Decodes one segment once and strictly; null when it must be rejected. */
function decodeSegment(segment: string): string | null {
  let decoded = segment;
  if (segment.includes('@')) return null;
  if (segment.includes('%')) {
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return null; // malformed escape or invalid UTF-8 (overlong '/' and friends)
    }
    if (DECODED_FORBIDDEN.test(decoded)) return null;
  }
  if (isDotSegment(decoded)) return null;
  if (NON_ASCII.test(decoded)) {
    // Why: some backends apply NFKC (e.g. '．．' → '..'); reject what would become traversal there.
    const folded = decoded.normalize('NFKC');
    if (DECODED_FORBIDDEN.test(folded) || isDotSegment(folded)) return null;
  }
  return decoded;
}

function isDotSegment(segment: string): boolean {
  const semicolon = segment.indexOf(';');
  return DOT_ONLY.test(semicolon === -1 ? segment : segment.slice(0, semicolon));
}

/** Percent-encodes everything that is not an RFC 3986 `pchar`, leaving sub-delims, ':' and '@' as is. */
function encodeSegment(decoded: string): string {
  return encodeURIComponent(decoded).replace(/%(24|26|2B|2C|3A|3B|3D|40)/g, (m) => decodeURIComponent(m));
}
