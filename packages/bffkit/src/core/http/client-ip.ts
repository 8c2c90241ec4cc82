/**
 * The client address used for rate limiting (docs/security.md 28). X-Forwarded-For is attacker-writable at its
 * left end, so it is read only when the app says how many proxies in front of it are trusted, and then
 * only from the right: each trusted proxy appends the address it saw, so the entry `hops` from the right
 * was written by the outermost trusted proxy and cannot be forged by the client.
 */
import { isIP } from 'node:net';

/** How many reverse proxies in front of the app append to X-Forwarded-For. */
export interface ClientAddressOptions {
  /** `false`/`0`: ignore X-Forwarded-For. `true`: one trusted proxy. A number: that many. */
  trustProxy: boolean | number;
}

const UNKNOWN = 'unknown';

/**
 * The client's IP address, normalised (lower-case IPv6, IPv4-mapped IPv6 as plain IPv4), or `'unknown'`.
 * Without a trusted proxy it is `fallback` (the socket address the caller knows, if any).
 *
 * @example
 * clientAddress(request, { trustProxy: 1 }); // '203.0.113.7'
 */
export function clientAddress(request: Request, opts: ClientAddressOptions, fallback?: string): string {
  const hops = opts.trustProxy === true ? 1 : opts.trustProxy === false ? 0 : opts.trustProxy;
  if (!Number.isSafeInteger(hops) || hops < 0) {
    throw new TypeError('bffkit: trustProxy must be a boolean or a whole number of proxies ≥ 0');
  }
  const socket = normaliseIp(fallback) ?? UNKNOWN;
  if (hops === 0) return socket;
  const header = request.headers.get('x-forwarded-for');
  // Several X-Forwarded-For headers are joined with ', ' by Headers, which is the same list.
  const entries = header === null ? [] : header.split(',');
  // Fewer entries than trusted proxies: the request did not come through all of them, so the nearest
  // peer (the socket) is the best truth we have; never fall back to an attacker-chosen left entry.
  if (entries.length < hops) return socket;
  return normaliseIp(entries[entries.length - hops]) ?? UNKNOWN;
}

/** A syntactically valid IPv4/IPv6 address in canonical spelling, or null. Accepts `[v6]`, `[v6]:port`, `v4:port`. */
function normaliseIp(raw: string | undefined): string | null {
  if (typeof raw !== 'string') return null;
  let s = raw.trim();
  if (s.length === 0 || s.length > 64) return null;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || (end !== s.length - 1 && !/^:\d{1,5}$/.test(s.slice(end + 1)))) return null;
    s = s.slice(1, end);
    return isIP(s) === 6 ? canonicalV6(s) : null;
  }
  const colon = s.indexOf(':');
  if (colon > 0 && colon === s.lastIndexOf(':')) {
    // Exactly one colon can only be IPv4 with a port (some proxies, e.g. Azure, append it).
    if (!/^\d{1,5}$/.test(s.slice(colon + 1))) return null;
    s = s.slice(0, colon);
    return isIP(s) === 4 ? s : null;
  }
  const version = isIP(s);
  if (version === 4) return s;
  if (version === 6) return canonicalV6(s);
  return null;
}

/** Lower-case, and `::ffff:a.b.c.d` as `a.b.c.d`, so one client never has two spellings (two rate-limit keys). */
function canonicalV6(s: string): string {
  const lower = s.toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  return mapped && isIP(mapped[1]!) === 4 ? mapped[1]! : lower;
}
