/**
 * Splitting a large cookie value over `name.0`, `name.1`, … (docs/security.md 7) and reading it back strictly:
 * any ambiguity (duplicates, gaps, a plain cookie next to chunks) is tampering, never a best guess.
 */
import { cookie, expiredCookie, type Cookie, type CookieAttributes } from '../http/cookie';

/**
 * Largest value per cookie. Browsers keep about 4096 bytes of name + value per cookie; 3800 leaves room
 * for `__Host-<name>.N=` and stays clear of the limit in every major browser.
 */
export const MAX_COOKIE_VALUE = 3800;
/** Most chunks one value may use, when writing and when reading. */
export const MAX_CHUNKS = 10;

/** Result of reading a possibly chunked cookie. */
export interface ChunkRead {
  /** The (re-assembled) value, or null when absent or tampered. */
  value: string | null;
  /** True when the cookie family is inconsistent: treat as anonymous and clear `presentNames`. */
  tampered: boolean;
  /** Every cookie name of this family the request carried (so the caller can clear them). */
  presentNames: string[];
}

/**
 * The cookies that store `value` under `name`, chunked when too large, and clear every other
 * member of the family that the request carried (stale chunks must never be re-assembled later).
 * Throws RangeError when the value needs more than {@link MAX_CHUNKS} chunks: never silently dropped.
 *
 * @example
 * const setCookies = writeCookieChunks('__Host-bffkit', sealed, attrs, parseCookieHeader(h).keys());
 */
export function writeCookieChunks(
  name: string,
  value: string,
  attrs: CookieAttributes,
  presentNames: Iterable<string>,
): Cookie[] {
  const out: Cookie[] = [];
  const written = new Set<string>();
  if (value.length <= MAX_COOKIE_VALUE) {
    out.push(cookie(name, value, attrs));
    written.add(name);
  } else {
    const count = Math.ceil(value.length / MAX_COOKIE_VALUE);
    if (count > MAX_CHUNKS) {
      throw new RangeError(
        `bffkit: cookie ${name} needs ${count} chunks (max ${MAX_CHUNKS}); store less in the session or use a server-side store`,
      );
    }
    for (let i = 0; i < count; i++) {
      const chunkName = `${name}.${i}`;
      out.push(cookie(chunkName, value.slice(i * MAX_COOKIE_VALUE, (i + 1) * MAX_COOKIE_VALUE), attrs));
      written.add(chunkName);
    }
  }
  for (const present of new Set(presentNames)) {
    if (!written.has(present) && chunkIndex(name, present) !== undefined) out.push(expiredCookie(present, attrs));
  }
  return out;
}

/**
 * Reads the value stored under `name` (plain or chunked) from parsed cookies.
 *
 * @example
 * const { value, tampered, presentNames } = readCookieChunks(parseCookieHeader(h), '__Host-bffkit');
 */
export function readCookieChunks(cookies: Map<string, string[]>, name: string): ChunkRead {
  const presentNames: string[] = [];
  const chunks = new Map<number, string>();
  let tampered = false;
  for (const [cookie, values] of cookies) {
    const index = chunkIndex(name, cookie);
    if (index === undefined) continue;
    presentNames.push(cookie);
    // Two values under one name means someone else (a sibling subdomain, a plain-http page) planted one:
    // we cannot tell which is ours, so neither is trusted.
    if (values.length !== 1) tampered = true;
    else if (index >= 0) chunks.set(index, values[0]!);
  }
  if (presentNames.length === 0) return { value: null, tampered: false, presentNames };
  const plain = cookies.get(name);
  if (plain) {
    // A plain cookie next to chunks: we never write both, so one of them is foreign.
    if (tampered || presentNames.length > 1) return { value: null, tampered: true, presentNames };
    return { value: plain[0]!, tampered: false, presentNames };
  }
  if (tampered || chunks.size !== presentNames.length) {
    return { value: null, tampered: true, presentNames };
  }
  let value = '';
  for (let i = 0; i < chunks.size; i++) {
    const part = chunks.get(i);
    // A gap (or a missing .0) means a lost or injected chunk; we never write empty chunks either.
    if (part === undefined || part.length === 0) return { value: null, tampered: true, presentNames };
    value += part;
  }
  return { value, tampered: false, presentNames };
}

/**
 * The cookies that delete every listed cookie (typically `presentNames` from {@link readCookieChunks}).
 *
 * @example
 * const cookies = clearCookieChunks(read.presentNames, attrs);
 */
export function clearCookieChunks(presentNames: Iterable<string>, attrs: CookieAttributes): Cookie[] {
  return [...new Set(presentNames)].map((n) => expiredCookie(n, attrs));
}

/**
 * -1 for the plain name, N for a canonical chunk `name.N`, -2 for a family member with a non-canonical or
 * out-of-range index (`name.01`, `name.10`): still ours to clear, never ours to read. undefined otherwise.
 */
function chunkIndex(name: string, cookie: string): number | undefined {
  if (cookie === name) return -1;
  if (cookie.length <= name.length + 1 || !cookie.startsWith(name) || cookie.charCodeAt(name.length) !== 0x2e) {
    return undefined;
  }
  const suffix = cookie.slice(name.length + 1);
  if (!/^[0-9]+$/.test(suffix)) return undefined;
  if (suffix.length > 1 && suffix[0] === '0') return -2;
  const n = Number(suffix);
  return n < MAX_CHUNKS ? n : -2;
}
