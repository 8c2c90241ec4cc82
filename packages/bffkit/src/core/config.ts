import type { BackendAdapter } from './backends/adapter';
import { DEFAULT_BASE_PATH, DEFAULT_CSRF_HEADER } from './defaults';
import { ConfigError } from './errors';
import { cookieName as prefixedCookieName } from './http/cookie';
import { configuredUrl } from './http/url';
import { resolveUpstream, type ResolvedUpstream, type UpstreamOptions } from './forward/upstream';
import { validateSecrets } from './crypto/keys';
import { consoleLogger, type Logger } from './logger';
import { memoryRefreshCoordinator } from './stores/memory-refresh-coordinator';
import type { RefreshCoordinator } from './stores/refresh-coordinator';
import { memoryRateLimitStore } from './stores/memory-rate-limit-store';
import type { RateLimitStore } from './stores/rate-limit-store';
import { isSafeReturnTo } from './http/return-to';
import { resolveObservability, type ObservabilityOptions, type ResolvedObservability } from './observability/options';
import { logWarnings, UNSHARED_REFRESH } from './observability/config-warnings';
import type { SessionStore } from './stores/session-store';
import { resolveHandoff, type HandoffOptions, type ResolvedHandoff } from './backends/token-verifier';
import { ONE_DAY, ONE_MINUTE, SEVEN_DAYS, systemClock, type Clock } from './time';

/** Options of {@link createBff}. Every field but `secret`, `baseUrl` and `backend` has a default. */
export interface BffOptions extends ObservabilityOptions {
  /**
   * Secret(s) the session cookie is sealed with: at least 32 characters each. With a list, the
   * first one seals and all of them unseal (rotation: put the new secret first, drop the old one later).
   * A string with commas is such a list (`new,old`), so `process.env.BFF_SECRET` can be passed as it
   * is; `undefined` (the variable is not set) throws a ConfigError saying how to make one.
   */
  secret: string | readonly string[] | undefined;
  /** The app's public origin, e.g. `https://app.example.com`. Redirects and Origin checks use it, never the Host header. */
  baseUrl: string | undefined;
  /** How bffkit talks to the backend (see `credentialsBackend`). */
  backend: BackendAdapter;
  /** Where the auth route handlers are mounted. @default '/api/auth' */
  basePath?: string;
  /** The app's login page, for redirects of unauthenticated page requests. @default '/login' */
  loginPage?: string;
  /** Where to go after login when no valid `returnTo` was given. @default '/' */
  defaultReturnTo?: string;
  cookie?: {
    /** Cookie base name; `__Host-` is prefixed whenever the cookie is Secure. @default 'bffkit' */
    name?: string;
    /** @default 'lax' */
    sameSite?: 'lax' | 'strict';
  };
  session?: {
    /** Seconds without activity after which the session ends. @default ONE_DAY */
    idleTimeout?: number;
    /** Seconds after sign-in after which the session ends whatever the activity. @default SEVEN_DAYS */
    absoluteTimeout?: number;
    /** Where sessions live. @default the sealed cookie itself (stateless) */
    store?: SessionStore;
  };
  refresh?: {
    /**
     * Refresh this many seconds before the access token expires (capped at half its lifetime). Without a
     * shared `coordinator`, SessionProvider renews at this time and the server only 1 s before expiry
     * (docs/multi-instance.md). @default 30
     */
    skew?: number;
    /**
     * Lock + successor record shared by concurrent refreshes. @default in-memory: single flight in this
     * process only. With several instances, use a shared one (`redisRefreshCoordinator`), or see
     * docs/multi-instance.md for what stateless mode does without one. In production the default logs
     * one warning at start-up; passing `memoryRefreshCoordinator()` yourself says you run one instance.
     */
    coordinator?: RefreshCoordinator;
    /** How long (seconds) the new tokens stay available to requests that still carry the old cookie. @default 120 */
    successorTtl?: number;
    /**
     * The refresh lock's lease (seconds): a holder that stopped renewing it (crashed, stalled) loses
     * it after this long; a refresh still running renews it every third of it. Requests waiting for
     * the holder give up after twice this with 504 `upstream_timeout`, never by refreshing themselves.
     * @default 15
     */
    lockTimeout?: number;
  };
  csrf?: {
    /** @default 'x-csrf' */
    headerName?: string;
    /** @default '1' */
    headerValue?: string;
  };
  /** Backends the browser may reach through the forwarding route, by name. @default {} */
  upstreams?: Record<string, UpstreamOptions>;
  loginRateLimit?: {
    /** Failed logins allowed per account within the window. @default 5 */
    maxPerAccount?: number;
    /** Failed logins allowed per client address within the window. @default 20 */
    maxPerAddress?: number;
    /** Window length in seconds. @default 15 * ONE_MINUTE */
    window?: number;
    /** Counter store. @default in-memory */
    store?: RateLimitStore;
  };
  /**
   * Whether X-Forwarded-For comes from a proxy you trust, and how many hops. Only then is it used
   * as the client address (rate limits, X-Forwarded-For to the backend). @default false
   */
  trustProxy?: boolean | number;
  /**
   * Token handoff (`POST {basePath}/handoff`): the browser hands over tokens it obtained from the
   * backend itself; bffkit verifies the access token before keeping it. See docs/handoff.md.
   * @default undefined (off: the route answers 404)
   */
  handoff?: HandoffOptions;
  /** @default console, prefixed with [bffkit] */
  logger?: Logger;
  /** Clock in epoch seconds (tests inject one). @default system clock */
  clock?: Clock;
}

/** The validated configuration, every default applied. */
export interface ResolvedConfig {
  secrets: string[];
  appUrl: URL;
  appOrigin: string;
  backend: BackendAdapter;
  basePath: string;
  loginPage: string;
  defaultReturnTo: string;
  cookie: { name: string; secure: boolean; sameSite: 'lax' | 'strict' };
  idleTimeout: number;
  absoluteTimeout: number;
  store: SessionStore | undefined;
  refreshSkew: number;
  coordinator: RefreshCoordinator;
  successorTtl: number;
  lockTimeout: number;
  csrf: { headerName: string; headerValue: string };
  upstreams: Map<string, ResolvedUpstream>;
  loginRateLimit: { maxPerAccount: number; maxPerAddress: number; window: number; store: RateLimitStore };
  trustProxy: boolean | number;
  handoff: ResolvedHandoff | undefined;
  /** Audit events, OpenTelemetry and diagnostics (docs/observability.md). */
  observability: ResolvedObservability;
  logger: Logger;
  clock: Clock;
}

/** Every default in one place. */
export const DEFAULTS = {
  basePath: DEFAULT_BASE_PATH,
  loginPage: '/login',
  defaultReturnTo: '/',
  cookieName: 'bffkit',
  sameSite: 'lax',
  idleTimeout: ONE_DAY,
  absoluteTimeout: SEVEN_DAYS,
  refreshSkew: 30,
  successorTtl: 2 * ONE_MINUTE,
  lockTimeout: 15,
  csrfHeaderName: DEFAULT_CSRF_HEADER.name,
  csrfHeaderValue: DEFAULT_CSRF_HEADER.value,
  maxFailuresPerAccount: 5,
  maxFailuresPerAddress: 20,
  rateLimitWindow: 15 * ONE_MINUTE,
} as const;


/**
 * Validates options once and applies defaults. Throws {@link ConfigError} naming the field.
 *
 * @example
 * const config = resolveConfig({ secret: process.env.BFF_SECRET, baseUrl: 'https://app.example.com', backend });
 */
export function resolveConfig(options: BffOptions): ResolvedConfig {
  if (!options || typeof options !== 'object') throw new ConfigError('options', 'must be an object');
  const secrets = validateSecrets(options.secret);
  const appUrl = configuredUrl('baseUrl', options.baseUrl, { httpsUnlessLoopback: true, path: false });
  if (!options.backend || typeof options.backend.refresh !== 'function') {
    throw new ConfigError('backend', 'must be a backend adapter such as credentialsBackend({ url })');
  }
  const logger = options.logger ?? consoleLogger;
  const observability = resolveObservability(options, process.env.NODE_ENV);
  // Why: Secure cookies and the __Host- prefix are only dropped for plain-http localhost, which
  // browsers treat as a development origin. Any other http origin is refused outright.
  const secure = appUrl.protocol === 'https:';
  if (!secure) {
    observability.warnings.unshift({
      code: 'insecure_cookies',
      message: `baseUrl ${appUrl.origin} is plain http on localhost: cookies are sent without Secure and without the __Host- prefix. Use https in production.`,
    });
  }
  const coordinator = options.refresh?.coordinator ?? memoryRefreshCoordinator();
  if (!options.refresh?.coordinator && process.env.NODE_ENV === 'production') observability.warnings.push(UNSHARED_REFRESH);
  logWarnings(logger, observability.warnings);
  const idleTimeout = positive('session.idleTimeout', options.session?.idleTimeout, DEFAULTS.idleTimeout);
  const absoluteTimeout = positive('session.absoluteTimeout', options.session?.absoluteTimeout, DEFAULTS.absoluteTimeout);
  if (idleTimeout > absoluteTimeout) {
    throw new ConfigError('session.idleTimeout', 'must not be longer than session.absoluteTimeout');
  }
  const sameSite = options.cookie?.sameSite ?? DEFAULTS.sameSite;
  if (sameSite !== 'lax' && sameSite !== 'strict') throw new ConfigError('cookie.sameSite', "must be 'lax' or 'strict'");
  const cookieName = options.cookie?.name ?? DEFAULTS.cookieName;
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(cookieName)) {
    throw new ConfigError('cookie.name', 'must be 1-40 characters of A-Z, a-z, 0-9, _ or -');
  }
  // Why: bffkit adds __Host- itself when Secure; a user-supplied prefix would either double it or,
  // on plain-http localhost, make every cookie write fail (browsers refuse __Host-/__Secure- without Secure).
  if (/^__(host|secure)-/i.test(cookieName)) {
    throw new ConfigError('cookie.name', 'must not start with __Host- or __Secure- (bffkit adds __Host- itself)');
  }
  const headerName = (options.csrf?.headerName ?? DEFAULTS.csrfHeaderName).toLowerCase();
  if (!/^x-[a-z0-9-]{1,60}$/.test(headerName)) {
    throw new ConfigError('csrf.headerName', 'must be a custom header name starting with x-');
  }
  const headerValue = options.csrf?.headerValue ?? DEFAULTS.csrfHeaderValue;
  if (typeof headerValue !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(headerValue)) {
    throw new ConfigError('csrf.headerValue', 'must be 1-100 visible ASCII characters');
  }
  const upstreams = new Map<string, ResolvedUpstream>();
  for (const [name, up] of Object.entries(options.upstreams ?? {})) upstreams.set(name, resolveUpstream(name, up, { csrfHeader: headerName }));
  const trustProxy = options.trustProxy ?? false;
  if (typeof trustProxy !== 'boolean' && !(Number.isInteger(trustProxy) && trustProxy >= 0)) {
    throw new ConfigError('trustProxy', 'must be a boolean or a number of trusted hops');
  }
  return {
    secrets,
    appUrl,
    appOrigin: appUrl.origin,
    backend: options.backend,
    basePath: mountPath('basePath', options.basePath ?? DEFAULTS.basePath),
    loginPage: path('loginPage', options.loginPage ?? DEFAULTS.loginPage),
    defaultReturnTo: returnPath('defaultReturnTo', options.defaultReturnTo ?? DEFAULTS.defaultReturnTo),
    cookie: { name: prefixedCookieName(cookieName, secure), secure, sameSite },
    idleTimeout,
    absoluteTimeout,
    store: options.session?.store,
    refreshSkew: nonNegative('refresh.skew', options.refresh?.skew, DEFAULTS.refreshSkew),
    coordinator,
    successorTtl: positive('refresh.successorTtl', options.refresh?.successorTtl, DEFAULTS.successorTtl),
    lockTimeout: positive('refresh.lockTimeout', options.refresh?.lockTimeout, DEFAULTS.lockTimeout),
    csrf: { headerName, headerValue },
    upstreams,
    loginRateLimit: {
      maxPerAccount: positive('loginRateLimit.maxPerAccount', options.loginRateLimit?.maxPerAccount, DEFAULTS.maxFailuresPerAccount),
      maxPerAddress: positive('loginRateLimit.maxPerAddress', options.loginRateLimit?.maxPerAddress, DEFAULTS.maxFailuresPerAddress),
      window: positive('loginRateLimit.window', options.loginRateLimit?.window, DEFAULTS.rateLimitWindow),
      store: options.loginRateLimit?.store ?? memoryRateLimitStore(),
    },
    trustProxy,
    handoff: resolveHandoff(options.handoff, options.backend),
    observability,
    logger,
    clock: options.clock ?? systemClock,
  };
}

function positive(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(field, 'must be a positive number of seconds');
  }
  return value;
}

function nonNegative(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(field, 'must be a number of seconds, 0 or more');
  }
  return value;
}

function path(field: string, value: string): string {
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9/_-]*$/.test(value) || value.includes('//')) {
    throw new ConfigError(field, "must be a path such as '/api/auth'");
  }
  return value.length > 1 ? value.replace(/\/$/, '') : value;
}

/** A mount point for routes: a path with at least one segment ('/' would swallow the whole app). */
function mountPath(field: string, value: string): string {
  const p = path(field, value);
  if (p === '/') throw new ConfigError(field, "must not be '/': mount the auth routes under a path such as '/api/auth'");
  return p;
}

function returnPath(field: string, value: string): string {
  if (!isSafeReturnTo(value)) throw new ConfigError(field, "must be a same-origin path such as '/'");
  return value;
}
