/**
 * Which request headers bffkit controls itself (docs/security.md 19): the rules the forwarding
 * headers and the upstream configuration both apply.
 */
import { DEFAULT_CSRF_HEADER } from '../defaults';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the legacy ones proxies still see. */
export const HOP_BY_HOP: readonly string[] = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * Request headers the browser may never choose, even through `allowRequestHeaders`:
 * credentials, routing/client-identity headers, framing, and method/URL override headers
 * (which would let an allowed POST act as a DELETE, or an allowed path act as another).
 * The configured anti-forgery header is refused as well (see {@link isForbiddenRequestHeader}).
 */
const FORBIDDEN_REQUEST = new Set([
  ...HOP_BY_HOP,
  'authorization', 'cookie', 'host', 'content-length', 'expect', 'accept-encoding',
  'forwarded', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip',
  'x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-url', 'x-rewrite-url',
]);
const FORBIDDEN_REQUEST_PREFIXES = ['x-forwarded-', 'x-middleware-', 'x-nextjs-', 'x-original-', 'x-invoke-', 'sec-'];

/**
 * True for a request header name the app may never allow through (used to validate config).
 *
 * @example
 * isForbiddenRequestHeader('x-forwarded-host'); // true
 */
export function isForbiddenRequestHeader(name: string, csrfHeader: string = DEFAULT_CSRF_HEADER.name): boolean {
  const lower = name.toLowerCase();
  // The anti-forgery header is between the browser and bffkit; the upstream has no use for it.
  if (lower === csrfHeader.toLowerCase()) return true;
  return FORBIDDEN_REQUEST.has(lower) || FORBIDDEN_REQUEST_PREFIXES.some((p) => lower.startsWith(p));
}
