/**
 * Header hygiene for forwarded calls: what goes up (docs/security.md 19) and what comes back (20).
 */
import { HOP_BY_HOP } from './header-rules';
import { rewriteLocation } from './location';
import type { ResolvedUpstream } from './upstream';

/**
 * Response headers that never reach the browser: upstream cookies; hop-by-hop; server identity;
 * the upstream's auth challenge (the browser does not authenticate upstream; a `Basic` challenge
 * would pop a password dialog on the app's origin); CORS (docs/security.md 15: it stays closed);
 * origin-wide policies that belong to the app (HSTS, Alt-Svc, Clear-Site-Data could wipe the
 * session cookie); and headers a front proxy or Next.js would act on (X-Accel-Redirect serves
 * internal files from nginx; x-middleware-* rewrites routes in Next.js); and `DPoP-Nonce`, which is
 * for bffkit's own next proof (RFC 9449), not for the browser.
 */
const STRIPPED_RESPONSE = new Set([
  ...HOP_BY_HOP,
  'set-cookie', 'set-cookie2', 'server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version',
  'www-authenticate', 'alt-svc', 'strict-transport-security', 'clear-site-data', 'public-key-pins',
  'content-location', 'refresh', 'x-sendfile', 'x-lighttpd-send-file', 'dpop-nonce',
]);
const STRIPPED_RESPONSE_PREFIXES = ['access-control-', 'x-accel-', 'x-middleware-', 'x-nextjs-'];

/** What bffkit itself needs to set the forwarding headers (Authorization comes with the call's credential). */
export interface ForwardingFacts {
  clientIp: string;
  appUrl: URL;
}

const IP_CHARS = /^[0-9A-Fa-f:.]{2,45}$/;
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The headers sent upstream: the allow-listed browser headers (minus any the browser nominated
 * as hop-by-hop in `Connection`), then bffkit's own. X-Forwarded-* come from the configured
 * app URL and the caller's client address, never from the browser's Host or X-Forwarded-*.
 * Authorization (and DPoP) are added with the call's credential (credential/credential.ts); the
 * browser's own never pass (they are not on any allow-list).
 *
 * @example
 * const headers = upstreamRequestHeaders(request.headers, upstream, { clientIp, appUrl });
 * headers['x-forwarded-host']; // 'app.example.com'
 */
export function upstreamRequestHeaders(incoming: Headers, upstream: ResolvedUpstream, facts: ForwardingFacts): Record<string, string> {
  const out: Record<string, string> = {};
  const nominated = connectionTokens(incoming.get('connection'));
  for (const [name, value] of incoming) {
    if (!upstream.requestHeaderAllowList.has(name) || nominated.has(name)) continue;
    // Why: Web Headers let some control characters through that Node's HTTP client refuses.
    if (SAFE_VALUE.test(value)) out[name] = value;
  }
  // Why identity: bodies pass through untouched in both directions, so Content-Length and
  // Content-Encoding stay truthful. The app server may still compress towards the browser.
  out['accept-encoding'] = 'identity';
  if (IP_CHARS.test(facts.clientIp)) out['x-forwarded-for'] = facts.clientIp;
  out['x-forwarded-proto'] = facts.appUrl.protocol.slice(0, -1);
  out['x-forwarded-host'] = facts.appUrl.host;
  return out;
}

/**
 * The headers returned to the browser: the upstream's headers minus the stripped set and anything
 * the upstream nominated in `Connection`; `Location` rewritten into the mount or dropped;
 * `Cache-Control: private, no-store` unless the upstream already said `no-store` (the response
 * was fetched with the user's token, docs/security.md 29); `X-Content-Type-Options: nosniff`.
 *
 * @param upstreamUrl The URL that was called (to resolve a relative Location).
 * @example
 * const headers = browserResponseHeaders(upstreamResponse.headers, upstream, upstreamUrl);
 */
export function browserResponseHeaders(incoming: Headers, upstream: ResolvedUpstream, upstreamUrl: URL): Headers {
  const out = new Headers();
  const nominated = connectionTokens(incoming.get('connection'));
  for (const [name, value] of incoming) {
    if (STRIPPED_RESPONSE.has(name) || nominated.has(name)) continue;
    if (STRIPPED_RESPONSE_PREFIXES.some((p) => name.startsWith(p))) continue;
    if (name === 'location') {
      const location = rewriteLocation(value, upstream, upstreamUrl);
      if (location !== null) out.set('location', location);
      continue;
    }
    out.append(name, value);
  }
  if (!/(^|[\s,])no-store([\s,]|$)/i.test(out.get('cache-control') ?? '')) out.set('cache-control', 'private, no-store');
  out.set('x-content-type-options', 'nosniff');
  return out;
}

function connectionTokens(value: string | null): ReadonlySet<string> {
  if (!value) return EMPTY;
  return new Set(value.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
}

const EMPTY: ReadonlySet<string> = new Set();
