/**
 * Shared helpers for the core's unit tests (not part of the public API, never imported by library code):
 * a scriptable fake backend adapter with call counters, a fake clock, request builders and cookie helpers.
 * It deliberately imports no test framework, so it type-checks with the library.
 */
import type { BackendAdapter, BackendResult, LoginCredentials } from '../backends/adapter';
import { createBff, type Bff } from '../bff';
import type { BffOptions } from '../config';
import { BffError } from '../errors';
import type { Logger } from '../logger';
import type { SessionStore } from '../stores/session-store';
import type { SessionData, SessionUser, TokenSet } from '../types';
import { APP, OTHER_SECRET, SECRET, START } from './constants';
import { cookieHeaderFrom, formPost, get, isClearing, jsonPost, setCookieLine, setCookieName, type CookieLike, type RequestOptions } from './requests';

export { APP, OTHER_SECRET, SECRET, START };
export { cookieHeaderFrom, formPost, get, isClearing, jsonPost, setCookieLine, setCookieName };
export type { CookieLike, RequestOptions };

/** A settable clock in epoch seconds that counts how often it was read. */
export interface FakeClock {
  (): number;
  now: number;
  reads: number;
  advance(seconds: number): void;
}

/**
 * A fake clock for `clock` options.
 *
 * @example
 * const clock = fakeClock(); clock.advance(ONE_HOUR);
 */
export function fakeClock(start = START): FakeClock {
  const clock = (() => {
    clock.reads += 1;
    return clock.now;
  }) as FakeClock;
  clock.now = start;
  clock.reads = 0;
  clock.advance = (seconds) => {
    clock.now += seconds;
  };
  return clock;
}

/** A promise you resolve from outside. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A scripted answer: a fixed failure, or a function producing the answer (may wait on a Deferred). */
export type Scripted<T> = BackendResult<T> | (() => Promise<BackendResult<T>>);

/** The fake backend: an adapter plus what it saw. */
export interface FakeBackend extends BackendAdapter {
  login(credentials: LoginCredentials): Promise<BackendResult<TokenSet>>;
  revoke(tokens: TokenSet): Promise<void>;
  calls: { login: number; refresh: number; revoke: number; user: number };
  /** Refresh tokens passed to refresh(), in order. */
  refreshedWith: string[];
  /** Token sets passed to revoke(), in order. */
  revoked: TokenSet[];
  /** Every token string the fake ever issued (for "no token leaks" assertions). */
  issued: string[];
  /** Queued outcomes for the next refresh() calls (consumed first); otherwise a normal rotation. */
  nextRefresh: Scripted<TokenSet>[];
  /** Queued outcomes for the next login() calls. */
  nextLogin: Scripted<TokenSet>[];
  /** Queued outcomes for the next user() calls. */
  nextUser: Scripted<SessionUser>[];
  /** Access token lifetime in seconds for tokens it issues. */
  accessTtl: number;
  /** Whether refresh answers a new refresh token (and rejects reuse of the old one). */
  rotate: boolean;
}

export const DEMO = { email: 'demo@example.com', password: 'demo-password' } as const;
export const DEMO_USER: SessionUser = { id: 'u1', email: DEMO.email, name: 'Demo User' };

/**
 * A fake backend adapter: one user (demo@example.com / demo-password), rotating refresh tokens with
 * reuse detection, counters for every call, and queues to script failures.
 *
 * @example
 * const backend = fakeBackend(clock); backend.nextRefresh.push({ ok: false, reason: 'unavailable' });
 */
export function fakeBackend(clock: () => number, options: { accessTtl?: number; rotate?: boolean } = {}): FakeBackend {
  let serial = 0;
  const live = new Map<string, SessionUser>(); // refresh token → user
  const access = new Map<string, SessionUser>(); // access token → user
  const issue = (user: SessionUser): TokenSet => {
    serial += 1;
    const now = clock();
    const accessToken = `access-token-${serial}-${Math.random().toString(36).slice(2)}`;
    const refreshToken = `refresh-token-${serial}-${Math.random().toString(36).slice(2)}`;
    backend.issued.push(accessToken, refreshToken);
    access.set(accessToken, user);
    live.set(refreshToken, user);
    return { accessToken, refreshToken, expiresAt: now + backend.accessTtl, issuedAt: now };
  };
  const take = async <T>(queue: Scripted<T>[]): Promise<BackendResult<T> | undefined> => {
    const next = queue.shift();
    if (next === undefined) return undefined;
    return typeof next === 'function' ? next() : next;
  };

  const backend: FakeBackend = {
    kind: 'fake',
    calls: { login: 0, refresh: 0, revoke: 0, user: 0 },
    refreshedWith: [],
    revoked: [],
    issued: [],
    nextRefresh: [],
    nextLogin: [],
    nextUser: [],
    accessTtl: options.accessTtl ?? 300,
    rotate: options.rotate ?? true,
    async login(credentials) {
      backend.calls.login += 1;
      const scripted = await take(backend.nextLogin);
      if (scripted) return scripted;
      if (credentials.email !== DEMO.email || credentials.password !== DEMO.password) return { ok: false, reason: 'rejected' };
      return { ok: true, value: issue(DEMO_USER) };
    },
    async refresh(refreshToken) {
      backend.calls.refresh += 1;
      backend.refreshedWith.push(refreshToken);
      const scripted = await take(backend.nextRefresh);
      if (scripted) return scripted;
      const user = live.get(refreshToken);
      if (!user) return { ok: false, reason: 'rejected' };
      if (!backend.rotate) {
        const tokens = issue(user);
        live.delete(tokens.refreshToken!);
        return { ok: true, value: { ...tokens, refreshToken } };
      }
      live.delete(refreshToken); // rotation: the old one is now spent (reuse → rejected)
      return { ok: true, value: issue(user) };
    },
    async revoke(tokens) {
      backend.calls.revoke += 1;
      backend.revoked.push(tokens);
      if (tokens.refreshToken) live.delete(tokens.refreshToken);
    },
    async user(tokens) {
      backend.calls.user += 1;
      const scripted = await take(backend.nextUser);
      if (scripted) return scripted;
      const user = access.get(tokens.accessToken);
      return user ? { ok: true, value: user } : { ok: false, reason: 'rejected' };
    },
  };
  return backend;
}

/** A logger that keeps every line. */
export interface RecordingLogger extends Logger {
  lines: { level: 'info' | 'warn' | 'error'; message: string }[];
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  return {
    lines,
    info: (message) => void lines.push({ level: 'info', message }),
    warn: (message) => void lines.push({ level: 'warn', message }),
    error: (message) => void lines.push({ level: 'error', message }),
  };
}

/** A Bff wired to a fake backend, a fake clock and a recording logger. */
export interface TestBff {
  bff: Bff;
  backend: FakeBackend;
  clock: FakeClock;
  logger: RecordingLogger;
}

/**
 * createBff with test defaults (http://localhost:3000, fake backend and clock); `options` override them.
 *
 * @example
 * const { bff, backend, clock } = testBff({ session: { idleTimeout: ONE_HOUR } });
 */
export function testBff(
  options: Partial<BffOptions> = {},
  backendOptions: { accessTtl?: number; rotate?: boolean } = {},
): TestBff {
  const clock = fakeClock();
  const logger = recordingLogger();
  const backend = fakeBackend(clock, backendOptions);
  const bff = createBff({ secret: SECRET, baseUrl: APP, backend, clock, logger, ...options });
  return { bff, backend, clock, logger };
}

/** Logs in as the demo user through the login route; answers the Cookie header and the response. */
export async function login(bff: Bff, opts: RequestOptions & { body?: Record<string, unknown> } = {}): Promise<{ cookie: string; response: Response }> {
  const response = await bff.handleAuth(jsonPost('/api/auth/login', opts.body ?? DEMO, opts));
  if (response.status !== 200) throw new Error(`login failed in test: ${response.status}`);
  return { cookie: cookieHeaderFrom(response.headers.getSetCookie()), response };
}

/**
 * A minimal in-memory SessionStore for store-mode tests; `down = true` makes every call fail like an
 * unreachable store would.
 */
export function memoryStore(): SessionStore & { sessions: Map<string, SessionData>; down: boolean } {
  const sessions = new Map<string, SessionData>();
  const store = {
    kind: 'memory-test',
    sessions,
    down: false,
    check() {
      if (store.down) throw new BffError('store_unavailable', 'The session store is unavailable.');
    },
    async get(id: string) {
      store.check();
      return sessions.get(id) ?? null;
    },
    async set(session: SessionData, _ttl: number, mode: 'create' | 'update') {
      store.check();
      if (mode === 'update' && !sessions.has(session.id)) return false;
      sessions.set(session.id, session);
      return true;
    },
    async delete(id: string) {
      store.check();
      sessions.delete(id);
    },
    async listByUser(userId: string) {
      store.check();
      return [...sessions.values()].filter((s) => s.user.id === userId);
    },
    async deleteByUser(userId: string) {
      store.check();
      let n = 0;
      for (const [id, s] of sessions) if (s.user.id === userId && sessions.delete(id)) n++;
      return n;
    },
  };
  return store;
}

/** Unsigned JWT-shaped token with the given claims (the core never verifies backend tokens itself). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.sig`;
}
