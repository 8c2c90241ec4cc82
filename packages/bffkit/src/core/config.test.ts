import { describe, expect, it, vi } from 'vitest';
import { DEFAULTS, resolveConfig, type BffOptions } from './config';
import { ConfigError } from './errors';
import { fakeBackend, fakeClock, recordingLogger, SECRET } from './testing/support';
import { ONE_DAY, ONE_HOUR, SEVEN_DAYS } from './time';
import { memoryRefreshCoordinator } from './stores/memory-refresh-coordinator';

const backend = fakeBackend(fakeClock());
const base = (extra: Partial<BffOptions> = {}): BffOptions => ({
  secret: SECRET,
  baseUrl: 'https://app.example.com',
  backend,
  logger: recordingLogger(),
  ...extra,
});

/** The ConfigError thrown by resolveConfig (fails the test when none is thrown). */
function configError(options: unknown): ConfigError {
  try {
    resolveConfig(options as BffOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig: defaults', () => {
  it('applies every default when only secret, baseUrl and backend are given', () => {
    const c = resolveConfig(base());
    expect(c).toMatchObject({
      secrets: [SECRET],
      appOrigin: 'https://app.example.com',
      basePath: '/api/auth',
      loginPage: '/login',
      defaultReturnTo: '/',
      cookie: { name: '__Host-bffkit', secure: true, sameSite: 'lax' },
      idleTimeout: ONE_DAY,
      absoluteTimeout: SEVEN_DAYS,
      store: undefined,
      refreshSkew: 30,
      successorTtl: 120,
      lockTimeout: 15,
      csrf: { headerName: 'x-csrf', headerValue: '1' },
      loginRateLimit: { maxPerAccount: 5, maxPerAddress: 20, window: 15 * 60 },
      trustProxy: false,
    });
    expect(c.upstreams.size).toBe(0);
    expect(typeof c.clock()).toBe('number');
    expect(DEFAULTS.cookieName).toBe('bffkit');
  });

  it('keeps explicit values and normalises a trailing slash on paths and a mixed-case CSRF header name', () => {
    const c = resolveConfig(
      base({
        basePath: '/auth/',
        loginPage: '/signin',
        defaultReturnTo: '/profile',
        cookie: { name: 'sess', sameSite: 'strict' },
        session: { idleTimeout: ONE_HOUR, absoluteTimeout: ONE_DAY },
        csrf: { headerName: 'X-App-CSRF', headerValue: 'yes' },
        trustProxy: 2,
      }),
    );
    expect(c.basePath).toBe('/auth');
    expect(c.loginPage).toBe('/signin');
    expect(c.defaultReturnTo).toBe('/profile');
    expect(c.cookie).toEqual({ name: '__Host-sess', secure: true, sameSite: 'strict' });
    expect([c.idleTimeout, c.absoluteTimeout]).toEqual([ONE_HOUR, ONE_DAY]);
    expect(c.csrf).toEqual({ headerName: 'x-app-csrf', headerValue: 'yes' });
    expect(c.trustProxy).toBe(2);
  });

  it('accepts a list of secrets with the first one first', () => {
    const c = resolveConfig(base({ secret: [SECRET, `${SECRET}-old`] }));
    expect(c.secrets).toEqual([SECRET, `${SECRET}-old`]);
  });
});

describe('resolveConfig: cookie security by origin', () => {
  it('uses the __Host- prefix and Secure only with https', () => {
    expect(resolveConfig(base({ baseUrl: 'https://app.example.com' })).cookie).toMatchObject({ name: '__Host-bffkit', secure: true });
    expect(resolveConfig(base({ baseUrl: 'http://localhost:3000' })).cookie).toMatchObject({ name: 'bffkit', secure: false });
  });

  it('warns once, naming the origin, when the app runs on plain-http localhost', () => {
    const logger = recordingLogger();
    resolveConfig(base({ baseUrl: 'http://localhost:3000', logger }));
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({ level: 'warn' });
    expect(logger.lines[0]!.message).toContain('http://localhost:3000');
  });

  it('in production without a shared refresh coordinator, says the multi-instance risk and its fix once per process, no secret', () => {
    vi.stubEnv('NODE_ENV', 'production');
    try {
      const first = recordingLogger();
      const config = resolveConfig(base({ logger: first }));
      expect(first.lines).toHaveLength(1);
      expect(first.lines[0]).toMatchObject({ level: 'warn' });
      expect(first.lines[0]!.message).toMatch(/refresh it twice.*redisRefreshCoordinator.*docs\/multi-instance\.md/s);
      expect(first.lines[0]!.message).not.toContain(config.secrets[0]!);
      const again = recordingLogger();
      resolveConfig(base({ logger: again }));
      expect(again.lines).toEqual([]);
      const chosen = recordingLogger();
      resolveConfig(base({ logger: chosen, refresh: { coordinator: memoryRefreshCoordinator() } }));
      expect(chosen.lines).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('does not warn for https', () => {
    const logger = recordingLogger();
    resolveConfig(base({ logger }));
    expect(logger.lines).toEqual([]);
  });

  it('accepts 127.0.0.1 and [::1] as plain-http development origins', () => {
    expect(resolveConfig(base({ baseUrl: 'http://127.0.0.1:3000' })).cookie.secure).toBe(false);
    expect(resolveConfig(base({ baseUrl: 'http://[::1]:3000' })).cookie.secure).toBe(false);
  });
});

describe('resolveConfig: every validation error names its field', () => {
  it.each([
    ['a missing secret', { secret: undefined }, 'secret'],
    ['a short secret', { secret: 'too-short' }, 'secret'],
    ['an empty secret list', { secret: [] }, 'secret'],
    ['a short secret in the list', { secret: [SECRET, 'short'] }, 'secret'],
    ['a missing baseUrl', { baseUrl: undefined }, 'baseUrl'],
    ['a relative baseUrl', { baseUrl: '/app' }, 'baseUrl'],
    ['a plain-http non-local baseUrl', { baseUrl: 'http://app.example.com' }, 'baseUrl'],
    ['a localhost look-alike over http', { baseUrl: 'http://localhost.evil.com' }, 'baseUrl'],
    ['a baseUrl with a path', { baseUrl: 'https://app.example.com/app' }, 'baseUrl'],
    ['a baseUrl with a query', { baseUrl: 'https://app.example.com/?x=1' }, 'baseUrl'],
    ['a baseUrl with credentials', { baseUrl: 'https://user:pw@app.example.com' }, 'baseUrl'],
    ['a non-http baseUrl', { baseUrl: 'ftp://app.example.com' }, 'baseUrl'],
    ['a missing backend', { backend: undefined }, 'backend'],
    ['a backend without refresh', { backend: { kind: 'x' } }, 'backend'],
    ['an idle timeout longer than the absolute one', { session: { idleTimeout: SEVEN_DAYS + 1 } }, 'session.idleTimeout'],
    ['a zero idle timeout', { session: { idleTimeout: 0 } }, 'session.idleTimeout'],
    ['a negative absolute timeout', { session: { absoluteTimeout: -1 } }, 'session.absoluteTimeout'],
    ['an infinite absolute timeout', { session: { absoluteTimeout: Infinity } }, 'session.absoluteTimeout'],
    ['a cookie name with a space', { cookie: { name: 'my cookie' } }, 'cookie.name'],
    ['a cookie name with a semicolon', { cookie: { name: 'a;b' } }, 'cookie.name'],
    ['an empty cookie name', { cookie: { name: '' } }, 'cookie.name'],
    ['a cookie name that is too long', { cookie: { name: 'a'.repeat(41) } }, 'cookie.name'],
    ['a cookie name that carries its own __Host- prefix', { cookie: { name: '__Host-sess' } }, 'cookie.name'],
    ['a cookie name that carries a __Secure- prefix', { cookie: { name: '__secure-sess' } }, 'cookie.name'],
    ['SameSite=None', { cookie: { sameSite: 'none' } }, 'cookie.sameSite'],
    ['a CSRF header name without x-', { csrf: { headerName: 'csrf' } }, 'csrf.headerName'],
    ['a CSRF header name that is a standard header', { csrf: { headerName: 'content-type' } }, 'csrf.headerName'],
    ['a CSRF header name with a space', { csrf: { headerName: 'x-my csrf' } }, 'csrf.headerName'],
    ['an empty CSRF header value', { csrf: { headerValue: '' } }, 'csrf.headerValue'],
    ['a non-string CSRF header value', { csrf: { headerValue: 1 } }, 'csrf.headerValue'],
    ['a CSRF header value with a line break', { csrf: { headerValue: 'a\nb' } }, 'csrf.headerValue'],
    ['a relative basePath', { basePath: 'api/auth' }, 'basePath'],
    ['a basePath with //', { basePath: '/api//auth' }, 'basePath'],
    ['a loginPage with a query', { loginPage: '/login?x=1' }, 'loginPage'],
    ['an off-site defaultReturnTo', { defaultReturnTo: '//evil.example' }, 'defaultReturnTo'],
    ['an absolute defaultReturnTo', { defaultReturnTo: 'https://evil.example/' }, 'defaultReturnTo'],
    ['a negative refresh skew', { refresh: { skew: -1 } }, 'refresh.skew'],
    ['a zero successor TTL', { refresh: { successorTtl: 0 } }, 'refresh.successorTtl'],
    ['a NaN lock timeout', { refresh: { lockTimeout: Number.NaN } }, 'refresh.lockTimeout'],
    ['a zero account limit', { loginRateLimit: { maxPerAccount: 0 } }, 'loginRateLimit.maxPerAccount'],
    ['a negative address limit', { loginRateLimit: { maxPerAddress: -5 } }, 'loginRateLimit.maxPerAddress'],
    ['a zero rate-limit window', { loginRateLimit: { window: 0 } }, 'loginRateLimit.window'],
    ['a negative trustProxy', { trustProxy: -1 }, 'trustProxy'],
    ['a fractional trustProxy', { trustProxy: 1.5 }, 'trustProxy'],
    ['an upstream with a bad url', { upstreams: { api: { url: 'not a url', mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] } } }, 'upstreams.api.url'],
    ['an upstream with a bad mount', { upstreams: { api: { url: 'http://127.0.0.1:4000', mount: 'backend', allow: [{ path: '/notes', methods: ['GET'] }] } } }, 'upstreams.api.mount'],
    ['an upstream without rules', { upstreams: { api: { url: 'http://127.0.0.1:4000', mount: '/api/backend', allow: [] } } }, 'upstreams.api.allow'],
    ['an upstream allowing TRACE', { upstreams: { api: { url: 'http://127.0.0.1:4000', mount: '/api/backend', allow: [{ path: '/notes', methods: ['TRACE'] }] } } }, 'upstreams.api.allow[0].methods'],
  ])('refuses %s', (_label, extra, field) => {
    const error = configError(base(extra as Partial<BffOptions>));
    expect(error.field).toBe(field);
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain(`\`${field}\``);
  });

  it('refuses options that are not an object', () => {
    expect(configError(undefined).field).toBe('options');
  });

  it('never puts a secret into its message', () => {
    const short = 'short-but-secret-value';
    const error = configError(base({ secret: short }));
    expect(error.message).not.toContain(short);
    const dup = configError(base({ secret: [SECRET, SECRET] }));
    expect(dup.field).toBe('secret');
    expect(dup.message).not.toContain(SECRET);
  });
});
