import { ConfigError } from '../errors';

/** Hosts for which plain http is tolerable: the developer's own machine. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What a configured URL may contain besides scheme and host. Credentials never. */
export interface UrlRules {
  /** Plain http only for loopback hosts (app origin, identity provider); else any http is allowed too. */
  httpsUnlessLoopback?: boolean;
  /** A path is allowed (a backend's base path, a key set's location). @default true */
  path?: boolean;
  /** A query string is allowed. @default false */
  query?: boolean;
}

/**
 * Validates a URL from the configuration, once, at construction: an absolute http(s) URL, never
 * with credentials (they would be sent on every call and could surface in logs), never with a
 * fragment, and with a path or query only where `rules` allow. Throws {@link ConfigError} naming
 * `field`. The one URL rule for every configured URL (app, backend, upstreams, provider, key set).
 *
 * @example
 * const issuer = configuredUrl('backend.issuer', options.issuer, { httpsUnlessLoopback: true });
 */
export function configuredUrl(field: string, value: unknown, rules: UrlRules = {}): URL {
  if (typeof value !== 'string' || value === '') throw new ConfigError(field, 'is required: an absolute URL such as https://example.com');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(field, 'must be an absolute http(s) URL such as https://example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(field, 'must use http or https');
  if (rules.httpsUnlessLoopback && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ConfigError(field, 'must use https (plain http is accepted only for localhost)');
  }
  if (url.username || url.password) throw new ConfigError(field, 'must not contain credentials');
  if (url.hash || value.includes('#')) throw new ConfigError(field, 'must not contain a fragment');
  if (url.search && !rules.query) throw new ConfigError(field, 'must not contain a query');
  if (rules.path === false && url.pathname !== '/' && url.pathname !== '') {
    throw new ConfigError(field, 'must be an origin only (no path, query, fragment or credentials)');
  }
  return url;
}
