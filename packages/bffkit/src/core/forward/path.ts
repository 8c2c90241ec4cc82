/**
 * Which upstream URL a browser request maps to, if any (docs/security.md 18).
 */
import { canonicalPath } from './path-syntax';
import { FORWARDABLE_METHODS, type ResolvedRule, type ResolvedUpstream } from './upstream';

/** The outcome of {@link resolveUpstreamPath}: a canonical path and query, or why not. */
export type PathCheck =
  | { ok: true; /** Canonical, re-encoded, starts with '/'. */ path: string; /** '' or '?…' */ search: string }
  | { ok: false; code: 'invalid_request' | 'path_not_allowed'; message: string }
  | { ok: false; code: 'method_not_allowed'; message: string; /** Methods for the `Allow` header. */ allow: readonly string[] };

const VISIBLE_ASCII = /^[\x21-\x7e]*$/;

/**
 * Validates the raw path and query after the mount and checks it against the upstream's rules.
 *
 * Order: malformed path or query → `invalid_request` (400); a method bffkit never forwards
 * (TRACE, CONNECT, unknown) → `method_not_allowed` (405); no rule prefix matches on a segment
 * boundary → `path_not_allowed` (404); the most specific matching rule lacks the method →
 * `method_not_allowed` (405) with that rule's methods.
 *
 * @param rawPathAndQuery The request target after the mount, still percent-encoded as received.
 * @example
 * const check = resolveUpstreamPath('/notes/42?full=1', upstream, 'GET');
 * if (check.ok) buildUpstreamUrl(upstream, check); // http://127.0.0.1:4000/notes/42?full=1
 */
export function resolveUpstreamPath(rawPathAndQuery: string, upstream: ResolvedUpstream, method: string): PathCheck {
  const q = rawPathAndQuery.indexOf('?');
  const rawPath = q === -1 ? rawPathAndQuery : rawPathAndQuery.slice(0, q);
  let search = q === -1 ? '' : rawPathAndQuery.slice(q);
  // Why: the query is passed through untouched, so it must not smuggle raw control characters,
  // spaces (request splitting) or a fragment.
  if (!VISIBLE_ASCII.test(search) || search.includes('#')) {
    return { ok: false, code: 'invalid_request', message: 'The query string is not valid.' };
  }
  if (search === '?') search = '';
  const canonical = canonicalPath(rawPath);
  if (!canonical.ok) return { ok: false, code: 'invalid_request', message: canonical.message };
  const rule = matchRule(upstream.allow, canonical.path);
  const upper = method.toUpperCase();
  if (!(FORWARDABLE_METHODS as readonly string[]).includes(upper)) {
    return { ok: false, code: 'method_not_allowed', message: 'Method not allowed.', allow: rule?.methods ?? FORWARDABLE_METHODS };
  }
  if (!rule) return { ok: false, code: 'path_not_allowed', message: 'No upstream route matches this path.' };
  if (!rule.methods.includes(upper)) {
    return { ok: false, code: 'method_not_allowed', message: 'Method not allowed for this path.', allow: rule.methods };
  }
  return { ok: true, path: canonical.path, search };
}

/** The most specific rule whose prefix matches on a segment boundary ('/notes' never matches '/notesX'). */
function matchRule(rules: readonly ResolvedRule[], path: string): ResolvedRule | undefined {
  for (const rule of rules) {
    if (rule.path === '/' || path === rule.path || path.startsWith(`${rule.path}/`)) return rule;
  }
  return undefined;
}

/**
 * Builds the upstream URL by concatenation: upstream origin + base path + canonical path + query.
 * Never `new URL(userPath, base)`, which lets `//host` or `http:` in the path replace the host.
 *
 * @throws Error if the result would leave the upstream origin (cannot happen for a checked path;
 *   asserted anyway as a last line of defence).
 * @example
 * buildUpstreamUrl(upstream, { path: '/notes/1', search: '' }).href; // 'https://api.x.com/v1/notes/1'
 */
export function buildUpstreamUrl(upstream: ResolvedUpstream, check: { path: string; search: string }): URL {
  const path = upstream.trailingSlash && !check.path.endsWith('/') ? `${check.path}/` : check.path;
  const url = new URL(`${upstream.url.origin}${upstream.basePath}${path}${check.search}`);
  if (url.origin !== upstream.url.origin) throw new Error('bffkit: upstream URL left the upstream origin');
  return url;
}
