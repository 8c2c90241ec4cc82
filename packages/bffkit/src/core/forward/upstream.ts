/**
 * Upstream configuration: what the app may forward to, validated once at start-up.
 */
import { resolveTokenPolicy, type ResolvedTokenPolicy, type UpstreamTokenPolicy } from '../credential/policy';
import { ConfigError } from '../errors';
import type { StepUpRule } from '../step-up/challenge';
import { configuredUrl } from '../http/url';
import { isForbiddenRequestHeader } from './header-rules';
import { canonicalPath } from './path-syntax';

/** The only methods bffkit ever forwards (TRACE, CONNECT and anything unknown never are). */
export const FORWARDABLE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** One allowed path prefix and the methods allowed under it. */
export interface UpstreamRule {
  /** A path prefix such as `/notes`: matches `/notes` and `/notes/...`, never `/notesX`. */
  path: string;
  /** Allowed methods, e.g. `['GET', 'POST']` (a subset of {@link FORWARDABLE_METHODS}). */
  methods: readonly string[];
}

/** Options of one upstream, as written in the app's configuration. */
export interface UpstreamOptions {
  /** Base URL of the upstream, e.g. `http://127.0.0.1:4000` (may include a base path like `https://api.x.com/v1`). `undefined` throws a ConfigError. */
  url: string | undefined;
  /** Where the app mounts it, e.g. `/api/backend`. The part after the mount is the upstream path. */
  mount: string;
  /** Allowed path prefixes and methods. Anything else answers 404 / 405 without an upstream call. */
  allow: readonly UpstreamRule[];
  /** Seconds the upstream may stay silent before the call fails with 504. @default 30 */
  timeout?: number;
  /** Largest request body forwarded, in bytes; larger answers 413. @default 10 * 1024 * 1024 */
  maxRequestBodyBytes?: number;
  /** Extra request headers allowed through besides the default allow-list. @default [] */
  allowRequestHeaders?: readonly string[];
  /**
   * Which token this upstream gets: the session's own, one for a resource (RFC 8707), an exchanged one
   * (RFC 8693), a client-credentials token, or none. See docs/per-api-tokens.md. @default 'session'
   */
  token?: UpstreamTokenPolicy;
  /**
   * For backends without RFC 9470: the answer that means "a stronger sign-in is needed", as a status
   * and the JSON body's `code` (or `error`), e.g. `{ status: 403, code: 'mfa_required' }`. RFC 9470's
   * `insufficient_user_authentication` challenge is always recognised. @default undefined
   */
  stepUp?: StepUpRule;
  /**
   * Append `/` to every forwarded path that has none. For APIs that want it (Django REST framework):
   * Next.js removes a trailing slash from the browser's URL (a 308) before any route handler runs.
   * @default false
   */
  trailingSlash?: boolean;
}

/** A rule after validation: canonical path, upper-case methods. */
export interface ResolvedRule {
  path: string;
  methods: readonly string[];
}

/** An upstream after validation, ready for {@link forwardRequest}. */
export interface ResolvedUpstream {
  name: string;
  /** Origin plus base path, no trailing slash, no credentials, no query. */
  url: URL;
  /** Base path of `url` without trailing slash ('' for the root). */
  basePath: string;
  /** The mount path without trailing slash, e.g. `/api/backend`. */
  mount: string;
  /** Rules, longest path first (the most specific rule wins). */
  allow: readonly ResolvedRule[];
  timeoutMs: number;
  maxRequestBodyBytes: number;
  /** Lower-case names of the request headers that may reach the upstream. */
  requestHeaderAllowList: ReadonlySet<string>;
  /** Which token it gets. */
  token: ResolvedTokenPolicy;
  /** A backend's own step-up answer, when configured. */
  stepUp: StepUpRule | undefined;
  /** Append `/` to forwarded paths without one. */
  trailingSlash: boolean;
}

/** All defaults in one place. */
export const UPSTREAM_DEFAULTS = {
  timeout: 30,
  maxRequestBodyBytes: 10 * 1024 * 1024,
  allowRequestHeaders: [] as readonly string[],
} as const;

/** Request headers the browser may send to the upstream (docs/security.md 19): an allow-list, not a deny-list. */
export const DEFAULT_REQUEST_HEADER_ALLOW_LIST: readonly string[] = [
  'accept',
  'accept-language',
  'content-type',
  'content-language',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
];

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/**
 * Validates an upstream's options once, at start-up.
 *
 * @throws ConfigError naming the field (`upstreams.<name>.url`, `upstreams.<name>.allow[0].methods`, …).
 * @example
 * const backend = resolveUpstream('backend', {
 *   url: 'http://127.0.0.1:4000',
 *   mount: '/api/backend',
 *   allow: [{ path: '/notes', methods: ['GET', 'POST', 'PATCH', 'DELETE'] }],
 * });
 */
export function resolveUpstream(name: string, options: UpstreamOptions, rules: { csrfHeader?: string } = {}): ResolvedUpstream {
  const field = (f: string) => `upstreams.${name}.${f}`;
  const url = parseBaseUrl(options.url, field('url'));
  const timeout = options.timeout ?? UPSTREAM_DEFAULTS.timeout;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new ConfigError(field('timeout'), 'must be a positive number of seconds');
  }
  const maxBytes = options.maxRequestBodyBytes ?? UPSTREAM_DEFAULTS.maxRequestBodyBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new ConfigError(field('maxRequestBodyBytes'), 'must be a non-negative integer');
  }
  return {
    name,
    url,
    basePath: url.pathname === '/' ? '' : url.pathname,
    mount: resolveMount(options.mount, field('mount')),
    allow: resolveRules(options.allow, field('allow')),
    timeoutMs: Math.round(timeout * 1000),
    maxRequestBodyBytes: maxBytes,
    requestHeaderAllowList: resolveHeaderAllowList(options.allowRequestHeaders, field('allowRequestHeaders'), rules.csrfHeader),
    token: resolveTokenPolicy(field('token'), options.token),
    stepUp: resolveStepUpRule(field('stepUp'), options.stepUp),
    trailingSlash: trailingSlash(options.trailingSlash, field('trailingSlash')),
  };
}

function resolveStepUpRule(field: string, rule: StepUpRule | undefined): StepUpRule | undefined {
  if (rule === undefined) return undefined;
  if (!rule || !Number.isInteger(rule.status) || rule.status < 400 || rule.status > 499) throw new ConfigError(field, 'needs a 4xx status');
  if (typeof rule.code !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(rule.code)) throw new ConfigError(field, 'needs the JSON code that names the step-up');
  return { status: rule.status, code: rule.code };
}

function trailingSlash(raw: unknown, field: string): boolean {
  if (raw !== undefined && typeof raw !== 'boolean') throw new ConfigError(field, 'must be true or false');
  return raw ?? false;
}

function parseBaseUrl(raw: unknown, field: string): URL {
  const url = configuredUrl(field, raw);
  const base = url.pathname.replace(/\/+$/, '');
  if (base !== '' && !canonicalPath(base).ok) throw new ConfigError(field, 'has an invalid base path');
  url.pathname = base || '/';
  return url;
}

function resolveMount(raw: unknown, field: string): string {
  const mount = typeof raw === 'string' ? raw.replace(/\/+$/, '') : '';
  const check = canonicalPath(mount);
  if (!mount.startsWith('/') || !check.ok || check.path !== mount) {
    throw new ConfigError(field, "must be a plain path such as '/api/backend'");
  }
  return mount;
}

function resolveRules(raw: readonly UpstreamRule[] | undefined, field: string): ResolvedRule[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new ConfigError(field, 'must list at least one { path, methods } rule');
  const rules = raw.map((rule: UpstreamRule, i): ResolvedRule => {
    const path = typeof rule?.path === 'string' && rule.path !== '/' ? rule.path.replace(/\/+$/, '') : rule?.path;
    const check = typeof path === 'string' && path.startsWith('/') ? canonicalPath(path) : undefined;
    if (!check?.ok) throw new ConfigError(`${field}[${i}].path`, "must be a path prefix such as '/notes'");
    if (!Array.isArray(rule.methods) || rule.methods.length === 0) {
      throw new ConfigError(`${field}[${i}].methods`, 'must list at least one method');
    }
    const methods = rule.methods.map((m) => String(m).toUpperCase());
    const bad = methods.find((m) => !(FORWARDABLE_METHODS as readonly string[]).includes(m));
    if (bad !== undefined) {
      throw new ConfigError(`${field}[${i}].methods`, `contains '${bad}'; allowed: ${FORWARDABLE_METHODS.join(', ')}`);
    }
    return { path: check.path, methods: [...new Set(methods)] };
  });
  return rules.sort((a, b) => b.path.length - a.path.length);
}

function resolveHeaderAllowList(extra: readonly string[] | undefined, field: string, csrfHeader: string | undefined): ReadonlySet<string> {
  const names = new Set(DEFAULT_REQUEST_HEADER_ALLOW_LIST);
  for (const raw of extra ?? UPSTREAM_DEFAULTS.allowRequestHeaders) {
    const name = String(raw).toLowerCase();
    if (!TOKEN.test(name)) throw new ConfigError(field, `contains an invalid header name '${String(raw)}'`);
    // Why: these carry credentials, routing or framing; letting the browser set them defeats the BFF.
    if (isForbiddenRequestHeader(name, csrfHeader)) throw new ConfigError(field, `must not contain '${name}' (bffkit controls it)`);
    names.add(name);
  }
  return names;
}
