/**
 * What happens to an upstream `Location` header (docs/security.md 20).
 *
 * bffkit never follows upstream redirects (the token must never travel to another host). The
 * status (3xx, or 201 Created) is passed to the browser, and its Location is:
 * - rewritten to the app's mount when it points inside the upstream (same origin, under the base
 *   path), so a browser that follows it comes back through bffkit and its checks;
 * - removed otherwise: bffkit does not reveal internal host names or act as an open redirector.
 */
import type { ResolvedUpstream } from './upstream';

/**
 * Maps an upstream Location to an app-relative one, or null to drop it.
 *
 * @param upstreamUrl The URL that was called (a relative Location is resolved against it).
 * @example
 * // upstream http://127.0.0.1:4000/v1, mount /api/backend
 * rewriteLocation('/v1/notes/7', upstream, calledUrl); // '/api/backend/notes/7'
 * rewriteLocation('https://evil.example/', upstream, calledUrl); // null
 */
export function rewriteLocation(value: string, upstream: ResolvedUpstream, upstreamUrl: URL): string | null {
  let target: URL;
  try {
    // Safe here: we parse the upstream's value and then check where it points.
    target = new URL(value, upstreamUrl);
  } catch {
    return null;
  }
  if (target.origin !== upstream.url.origin || target.username || target.password) return null;
  const base = upstream.basePath;
  if (base !== '' && target.pathname !== base && !target.pathname.startsWith(`${base}/`)) return null;
  const rest = target.pathname.slice(base.length) || '/';
  return `${upstream.mount}${rest}${target.search}${target.hash}`;
}
