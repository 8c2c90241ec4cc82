import { afterAll, describe, expect, it } from 'vitest';
import { createBff, type Bff } from '../bff';
import type { BffOptions } from '../config';
import { memoryRefreshCoordinator } from '../stores/memory-refresh-coordinator';
import { ONE_DAY, ONE_HOUR, ONE_MINUTE } from '../time';
import {
  APP, DEMO, SECRET, cookieHeaderFrom, deferred, fakeBackend, fakeClock, get, jsonPost, login, memoryStore, recordingLogger, testBff,
  type FakeBackend, type FakeClock,
} from '../testing/support';
import { sessionIdHash } from './emitter';
import type { BffEvent, BffEventType } from './events';

/** Every event any test below saw, for the final leak scan. */
const everything: BffEvent[] = [];
const cookiesSeen: string[] = [];

/** A test bff whose events are delivered right after each response (afterResponse runs the task at once). */
function observed(options: Partial<BffOptions> = {}, backendOptions: { accessTtl?: number } = {}) {
  const events: BffEvent[] = [];
  const t = testBff(
    {
      events: (e) => {
        events.push(e);
        everything.push(e);
      },
      afterResponse: (task) => void task(),
      openTelemetry: { api: false },
      ...options,
    },
    backendOptions,
  );
  const settle = () => new Promise((r) => setImmediate(r));
  const of = <T extends BffEventType>(type: T) => events.filter((e): e is Extract<BffEvent, { type: T }> => e.type === type);
  return { ...t, events, settle, of };
}

async function signIn(bff: Bff, headers: Record<string, string> = {}): Promise<string> {
  const { cookie } = await login(bff, { headers });
  cookiesSeen.push(cookie);
  return cookie;
}

async function sessionId(bff: Bff, cookie: string): Promise<string> {
  return (await bff.listSessions(cookie))[0]!.id;
}

describe('audit events: base fields', () => {
  it('login.succeeded carries the timestamp, outcome, session id hash, user id and user agent, and no client address without trustProxy', async () => {
    const { bff, settle, of } = observed();
    const before = Date.now();
    const cookie = await signIn(bff, { 'user-agent': 'TestAgent/1.0', 'x-forwarded-for': '203.0.113.9' });
    await settle();
    const [event] = of('login.succeeded');
    expect(event).toMatchObject({
      type: 'login.succeeded', method: 'credentials', outcome: 'success', userId: 'u1', userAgent: 'TestAgent/1.0', clientAddress: null,
      sessionIdHash: sessionIdHash(await sessionId(bff, cookie)),
    });
    expect(Date.parse(event!.timestamp)).toBeGreaterThanOrEqual(before - 1);
    expect(event!.sessionIdHash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(event!.sessionIdHash).not.toBe(await sessionId(bff, cookie));
  });

  it('names the client address from X-Forwarded-For only with trustProxy, and trims the user agent', async () => {
    const { bff, settle, of } = observed({ trustProxy: 1 });
    await signIn(bff, { 'x-forwarded-for': '198.51.100.1, 203.0.113.9', 'user-agent': `A${'x'.repeat(400)}\u0007` });
    await settle();
    const [event] = of('login.succeeded');
    expect(event!.clientAddress).toBe('203.0.113.9');
    expect(event!.userAgent).toHaveLength(256);
  });

  it('emits config.warning once at start-up for plain-http localhost', async () => {
    const { settle, of } = observed();
    await settle();
    expect(of('config.warning')).toEqual([expect.objectContaining({ code: 'insecure_cookies', outcome: 'unknown', sessionIdHash: null, userId: null })]);
  });
});

describe('audit events: sign-in and sign-out', () => {
  it('login.failed says the reason class only: rejected, invalid_request, unavailable, timeout', async () => {
    const { bff, backend, settle, of } = observed();
    await bff.handleAuth(jsonPost('/api/auth/login', { email: DEMO.email, password: 'wrong-password' }));
    await bff.handleAuth(jsonPost('/api/auth/login', { email: DEMO.email }));
    backend.nextLogin.push({ ok: false, reason: 'unavailable' }, { ok: false, reason: 'timeout' });
    await bff.handleAuth(jsonPost('/api/auth/login', DEMO));
    await bff.handleAuth(jsonPost('/api/auth/login', DEMO));
    await settle();
    expect(of('login.failed').map((e) => [e.reason, e.outcome, e.userId])).toEqual([
      ['rejected', 'failure', null], ['invalid_request', 'failure', null], ['unavailable', 'failure', null], ['timeout', 'failure', null],
    ]);
    expect(JSON.stringify(of('login.failed'))).not.toContain(DEMO.email);
  });

  it('rate_limited after too many failures for one account, with Retry-After', async () => {
    const { bff, settle, of } = observed();
    for (let i = 0; i < 6; i++) await bff.handleAuth(jsonPost('/api/auth/login', { email: DEMO.email, password: `wrong-${i}` }));
    await settle();
    expect(of('login.failed')).toHaveLength(5);
    expect(of('rate_limited')).toEqual([expect.objectContaining({ attempt: 'login', outcome: 'failure', retryAfter: expect.any(Number) })]);
    expect(of('rate_limited')[0]!.retryAfter).toBeGreaterThan(0);
  });

  it('logout names the session it ended; a logout without one says so', async () => {
    const { bff, settle, of } = observed();
    const cookie = await signIn(bff);
    const hash = sessionIdHash(await sessionId(bff, cookie));
    await bff.handleAuth(jsonPost('/api/auth/logout', {}, { cookie }));
    await bff.handleAuth(jsonPost('/api/auth/logout', {}));
    await settle();
    expect(of('logout')).toEqual([
      expect.objectContaining({ hadSession: true, providerLogout: false, sessionIdHash: hash, userId: 'u1' }),
      expect.objectContaining({ hadSession: false, sessionIdHash: null, userId: null }),
    ]);
  });

  it('csrf.rejected for a missing anti-forgery header and for a foreign Origin (method and path, no query)', async () => {
    const { bff, settle, of } = observed();
    await bff.handleAuth(jsonPost('/api/auth/logout?token=abc', {}, { csrf: false }));
    await bff.handleAuth(jsonPost('/api/auth/login', DEMO, { origin: 'https://evil.example' }));
    await settle();
    expect(of('csrf.rejected').map((e) => [e.code, e.method, e.path])).toEqual([
      ['csrf_failed', 'POST', '/api/auth/logout'],
      ['forbidden_origin', 'POST', '/api/auth/login'],
    ]);
  });

  it('session.cookie_rejected for a tampered cookie', async () => {
    const { bff, settle, of } = observed();
    await bff.handleAuth(get('/api/auth/session', { cookie: 'bffkit=not-a-sealed-value' }));
    await settle();
    expect(of('session.cookie_rejected')).toEqual([expect.objectContaining({ reason: 'tampered', outcome: 'failure' })]);
  });
});

describe('audit events: sessions ending', () => {
  it('session.ended idle, once per request, with the session it was', async () => {
    const { bff, clock, settle, of } = observed();
    const cookie = await signIn(bff);
    const hash = sessionIdHash(await sessionId(bff, cookie));
    clock.advance(ONE_DAY + 1);
    await bff.handleAuth(get('/api/auth/session', { cookie }));
    await settle();
    expect(of('session.ended')).toEqual([expect.objectContaining({ reason: 'idle', sessionIdHash: hash, userId: 'u1', outcome: 'failure' })]);
  });

  it('session.ended absolute when the absolute timeout passed while the session stayed active', async () => {
    const { bff, clock, settle, of } = observed({ session: { idleTimeout: ONE_HOUR, absoluteTimeout: 2 * ONE_HOUR } });
    let cookie = await signIn(bff);
    for (let i = 0; i < 3; i++) {
      clock.advance(50 * ONE_MINUTE);
      const res = await bff.handleAuth(get('/api/auth/session', { cookie }));
      const next = cookieHeaderFrom(res.headers.getSetCookie());
      if (next) cookie = next;
    }
    await settle();
    expect(of('session.ended').map((e) => e.reason)).toEqual(['absolute']);
  });

  it('session.ended revoked when a cookie comes back after logout', async () => {
    const { bff, settle, of } = observed();
    const cookie = await signIn(bff);
    await bff.handleAuth(jsonPost('/api/auth/logout', {}, { cookie }));
    await bff.handleAuth(get('/api/auth/session', { cookie }));
    await settle();
    expect(of('session.ended').map((e) => e.reason)).toEqual(['revoked']);
  });

  it('refresh.rejected and session.ended refresh_rejected when the backend refuses the refresh token', async () => {
    const { bff, backend, clock, settle, of } = observed();
    const cookie = await signIn(bff);
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    clock.advance(301);
    await bff.handleAuth(get('/api/auth/session', { cookie }));
    await settle();
    expect(of('refresh.rejected')).toEqual([expect.objectContaining({ userId: 'u1', outcome: 'failure', durationMs: expect.any(Number) })]);
    expect(of('session.ended').map((e) => e.reason)).toEqual(['refresh_rejected']);
  });

  it('session.ended no_refresh_token when the access token expires and there is nothing to refresh with', async () => {
    const { bff, backend, clock, settle, of } = observed();
    backend.nextLogin.push({ ok: true, value: { accessToken: 'access-no-refresh', expiresAt: clock() + 300, issuedAt: clock() } });
    backend.nextUser.push({ ok: true, value: { id: 'u1' } });
    const cookie = await signIn(bff);
    clock.advance(301);
    await bff.handleAuth(get('/api/auth/session', { cookie }));
    await settle();
    expect(of('session.ended').map((e) => e.reason)).toEqual(['no_refresh_token']);
  });

  it('sessions.signed_out_everywhere, and session.revoked by the user and by an admin (store mode)', async () => {
    const { bff, settle, of } = observed({ session: { store: memoryStore() } });
    const a = await signIn(bff);
    const b = await signIn(bff);
    const c = await signIn(bff);
    await bff.endSession(a, await sessionId(bff, b));
    await bff.endUserSessions('u1');
    const d = await signIn(bff);
    await bff.endAllSessions(d);
    await settle();
    expect(of('session.revoked').map((e) => [e.by, e.count])).toEqual([['user', 1], ['admin', 2]]);
    expect(of('sessions.signed_out_everywhere')).toEqual([expect.objectContaining({ ended: 1, userId: 'u1' })]);
    void c;
  });
});

describe('audit events: refresh', () => {
  it('refresh.succeeded with its duration, for the session that refreshed', async () => {
    const { bff, clock, settle, of } = observed();
    const cookie = await signIn(bff);
    clock.advance(301);
    await bff.handleAuth(get('/api/auth/session', { cookie }));
    await settle();
    expect(of('refresh.succeeded')).toEqual([expect.objectContaining({ userId: 'u1', sessionIdHash: sessionIdHash(await sessionId(bff, cookie)) })]);
  });

  it('refresh.failed (session kept) when the backend is down', async () => {
    const { bff, backend, clock, settle, of } = observed();
    const cookie = await signIn(bff);
    backend.nextRefresh.push({ ok: false, reason: 'unavailable' });
    clock.advance(301);
    await bff.handleAuth(get('/api/auth/session', { cookie }));
    await settle();
    expect(of('refresh.failed')).toEqual([expect.objectContaining({ reason: 'unavailable' })]);
    expect(of('session.ended')).toEqual([]);
  });

  it('refresh.successor_used when the pre-rotation cookie comes back within the successor TTL', async () => {
    const { bff, backend, clock, settle, of } = observed();
    const cookie = await signIn(bff);
    clock.advance(301);
    await bff.handleAuth(get('/api/auth/session', { cookie }));
    await bff.handleAuth(get('/api/auth/session', { cookie }));
    await settle();
    expect(backend.calls.refresh).toBe(1);
    expect(of('refresh.successor_used')).toHaveLength(1);
  });

  it('refresh.reuse_suspected when an already rotated refresh token comes back after its successor record expired', async () => {
    let ms = Date.now();
    const coordinator = memoryRefreshCoordinator({ now: () => ms });
    const { bff, clock, settle, of } = observed({ refresh: { coordinator, successorTtl: 60 } });
    const old = await signIn(bff);
    clock.advance(301);
    await bff.handleAuth(get('/api/auth/session', { cookie: old }));
    ms += 61_000;
    await bff.handleAuth(get('/api/auth/session', { cookie: old }));
    await settle();
    expect(of('refresh.reuse_suspected')).toEqual([expect.objectContaining({ outcome: 'failure', userId: 'u1' })]);
    // The fake backend, like the example one, refuses a rotated token: the session ends.
    expect(of('session.ended').map((e) => e.reason)).toEqual(['refresh_rejected']);
  });

  it('refresh.lock_waited and successor_used on the instance that found the lock held by another', async () => {
    const clock = fakeClock();
    const backend = fakeBackend(clock);
    const coordinator = memoryRefreshCoordinator();
    const events: BffEvent[] = [];
    const make = (): Bff =>
      createBff({
        secret: SECRET, baseUrl: APP, backend, clock, logger: recordingLogger(), refresh: { coordinator }, openTelemetry: { api: false },
        events: (e) => void events.push(e), afterResponse: (task) => void task(),
      });
    const [a, b] = [make(), make()];
    const cookie = await signIn(a);
    const gate = deferred<void>();
    const real = backend.refresh.bind(backend);
    backend.refresh = async (token) => {
      await gate.promise;
      return real(token);
    };
    clock.advance(301);
    const first = a.handleAuth(get('/api/auth/session', { cookie }));
    await new Promise((r) => setTimeout(r, 20));
    const second = b.handleAuth(get('/api/auth/session', { cookie }));
    await new Promise((r) => setTimeout(r, 60));
    gate.resolve();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    await new Promise((r) => setImmediate(r));
    everything.push(...events);
    const waited = events.filter((e) => e.type === 'refresh.lock_waited');
    expect(waited).toEqual([expect.objectContaining({ result: 'successor', waitedMs: expect.any(Number), userId: 'u1' })]);
    expect(events.filter((e) => e.type === 'refresh.successor_used')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'refresh.succeeded')).toHaveLength(1);
  });
});

describe('audit events: forwarding and handoff', () => {
  it('forward.refused for a path, a method and a traversal outside the allow-list, before any upstream call', async () => {
    const { bff, settle, of } = observed({ upstreams: { api: { url: 'http://127.0.0.1:9', mount: '/api/backend', allow: [{ path: '/notes', methods: ['GET'] }] } } });
    const cookie = await signIn(bff);
    await bff.forward(get('/api/backend/admin?secret=1', { cookie }), 'api');
    await bff.forward(new Request(`${APP}/api/backend/notes`, { method: 'DELETE', headers: { cookie, 'x-csrf': '1', origin: APP } }), 'api');
    await bff.forward(get('/api/backend/notes/..%2f..%2fadmin', { cookie }), 'api');
    await settle();
    expect(of('forward.refused').map((e) => [e.upstream, e.method, e.path, e.code])).toEqual([
      ['api', 'GET', '/api/backend/admin', 'path_not_allowed'],
      ['api', 'DELETE', '/api/backend/notes', 'method_not_allowed'],
      ['api', 'GET', '/api/backend/notes/..%2f..%2fadmin', 'invalid_request'],
    ]);
  });

  it('handoff.accepted for a verified token, handoff.refused (reason class) otherwise', async () => {
    const clock = fakeClock();
    const backend: FakeBackend = { ...fakeBackend(clock), userVerifiesToken: true } as FakeBackend;
    const { bff, settle, of } = observed({ backend, clock, handoff: { verify: 'userinfo' } });
    const issued = await backend.login(DEMO);
    if (!issued.ok) throw new Error('no tokens');
    const ok = await bff.handleAuth(jsonPost('/api/auth/handoff', { access_token: issued.value.accessToken, refresh_token: issued.value.refreshToken }));
    expect(ok.status).toBe(200);
    cookiesSeen.push(cookieHeaderFrom(ok.headers.getSetCookie()));
    await bff.handleAuth(jsonPost('/api/auth/handoff', { access_token: 'forged-token' }));
    await bff.handleAuth(jsonPost('/api/auth/handoff', { access_token: 42 }));
    await settle();
    expect(of('handoff.accepted')).toEqual([expect.objectContaining({ userId: 'u1', outcome: 'success' })]);
    expect(of('handoff.refused').map((e) => e.reason)).toEqual(['rejected', 'invalid_request']);
  });
});

describe('audit events: delivery never touches the response', () => {
  async function exchange(options: Partial<BffOptions>, clock: FakeClock) {
    const backend = fakeBackend(clock);
    const bff = createBff({ secret: SECRET, baseUrl: APP, backend, clock, logger: recordingLogger(), openTelemetry: { api: false }, ...options });
    const login = await bff.handleAuth(jsonPost('/api/auth/login', DEMO));
    const cookie = cookieHeaderFrom(login.headers.getSetCookie());
    const failed = await bff.handleAuth(jsonPost('/api/auth/login', { email: DEMO.email, password: 'nope' }));
    clock.advance(301);
    const session = await bff.handleAuth(get('/api/auth/session', { cookie }));
    return [login, failed, session];
  }
  const shapeOf = async (r: Response) => ({ status: r.status, body: (await r.text()).replace(/"expiresAt":\d+/, ''), cookies: r.headers.getSetCookie().map((c) => c.split('=')[0]) });

  it('a throwing handler changes no status, body or cookie, and is logged once', async () => {
    const logger = recordingLogger();
    const plain = await Promise.all((await exchange({}, fakeClock())).map(shapeOf));
    const throwing = await exchange({ logger, events: () => { throw new Error('SIEM down'); } }, fakeClock());
    expect(await Promise.all(throwing.map(shapeOf))).toEqual(plain);
    await new Promise((r) => setTimeout(r, 10));
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('responses arrive while a handler that takes 2 s is still pending', async () => {
    let finished = 0;
    const started: string[] = [];
    const responses = await exchange({
      events: async (e) => {
        started.push(e.type);
        await new Promise((r) => setTimeout(r, 2_000));
        finished += 1;
      },
    }, fakeClock());
    expect(responses.map((r) => r.status)).toEqual([200, 401, 200]);
    // Every response is in hand; delivery starts on the next turn and is still on its first event.
    await new Promise((r) => setImmediate(r));
    expect(started.length).toBeGreaterThan(0);
    expect(finished).toBe(0);
  });
});

afterAll(() => {
  // Nothing secret in any event: tokens the fake backend issued, passwords, cookie values, the secret.
  const text = JSON.stringify(everything);
  expect(everything.length).toBeGreaterThan(40);
  const needles = [SECRET, DEMO.password, 'wrong-password', 'not-a-sealed-value', ...cookiesSeen.flatMap((c) => c.split('; ').map((p) => p.split('=')[1]!))];
  for (const needle of needles) if (needle && needle.length >= 8) expect(text).not.toContain(needle);
  expect(text).not.toMatch(/access-token-|refresh-token-|access-no-refresh|forged-token/);
});
