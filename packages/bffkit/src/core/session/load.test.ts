import { describe, expect, it } from 'vitest';
import type { BackendResult } from '../backends/adapter';
import { createBff } from '../bff';
import { memoryRefreshCoordinator } from '../stores/memory-refresh-coordinator';
import type { LoadedSession } from './load';
import {
  APP,
  cookieHeaderFrom,
  deferred,
  DEMO_USER,
  fakeBackend,
  fakeClock,
  isClearing,
  jsonPost,
  login,
  memoryStore,
  OTHER_SECRET,
  recordingLogger,
  SECRET,
  testBff,
  setCookieLine,
} from '../testing/support';
import { ONE_DAY, ONE_HOUR, SEVEN_DAYS } from '../time';
import type { TokenSet } from '../types';

const LONG_TOKENS = { accessTtl: 30 * ONE_DAY };

/** Another app instance in front of the same backend and clock, with its own in-process state. */
function otherInstance(t: ReturnType<typeof testBff>, options: Partial<Parameters<typeof createBff>[0]> = {}) {
  return createBff({ secret: SECRET, baseUrl: APP, backend: t.backend, clock: t.clock, logger: recordingLogger(), ...options });
}

function active(loaded: LoadedSession) {
  if (loaded.kind !== 'active') throw new Error(`expected an active session, got ${loaded.kind}`);
  return loaded;
}

describe('loadSession: reading', () => {
  it('reads back the session a login created, without writing a cookie on a plain read', async () => {
    const { bff, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(60);
    const loaded = active(await bff.loadSession(cookie));
    expect(loaded.session.user).toEqual(DEMO_USER);
    expect(loaded.cookies).toEqual([]);
  });

  it('answers anonymous without any Set-Cookie when there is no cookie', async () => {
    const { bff } = testBff();
    expect(await bff.loadSession(null)).toEqual({ kind: 'anonymous', cookies: [] });
    expect(await bff.loadSession('theme=dark')).toEqual({ kind: 'anonymous', cookies: [] });
  });

  it.each([
    ['garbage', 'bffkit=garbage'],
    ['empty', 'bffkit='],
    ['an 8 KB value', `bffkit=${'A'.repeat(8192)}`],
  ])('treats a %s cookie as anonymous and clears it', async (_label, header) => {
    const { bff } = testBff();
    const loaded = await bff.loadSession(header);
    expect(loaded.kind).toBe('anonymous');
    if (loaded.kind !== 'anonymous') return;
    expect(loaded.cookies).toHaveLength(1);
    expect(isClearing(loaded.cookies[0]!)).toBe(true);
  });

  it('treats a tampered, a foreign-secret and a duplicated cookie as anonymous and clears it', async () => {
    const { bff } = testBff();
    const { cookie } = await login(bff);
    const value = cookie.slice('bffkit='.length);
    const tampered = `bffkit=${value.slice(0, 30)}${value[30] === 'x' ? 'y' : 'x'}${value.slice(31)}`;
    const foreign = testBff({ secret: OTHER_SECRET });
    const foreignCookie = (await login(foreign.bff)).cookie;
    for (const header of [tampered, foreignCookie, `${cookie}; ${cookie}`]) {
      const loaded = await bff.loadSession(header);
      expect(loaded.kind).toBe('anonymous');
      expect(loaded.kind === 'anonymous' && loaded.cookies.every(isClearing) && loaded.cookies.length > 0).toBe(true);
    }
  });

  it('answers store_unavailable (a transient error, session kept) when the store is down', async () => {
    const store = memoryStore();
    const { bff } = testBff({ session: { store } });
    const { cookie } = await login(bff);
    store.down = true;
    const loaded = await bff.loadSession(cookie);
    expect(loaded.kind === 'unavailable' && loaded.error.code).toBe('store_unavailable');
    store.down = false;
    expect((await bff.loadSession(cookie)).kind).toBe('active');
  });
});

describe('loadSession: idle and absolute timeouts', () => {
  const lifetimes = { session: { idleTimeout: ONE_HOUR, absoluteTimeout: 3 * ONE_HOUR } };

  it('moves the rolling window only once the renewal interval has passed', async () => {
    const { bff, clock } = testBff(lifetimes, LONG_TOKENS);
    const { cookie } = await login(bff);
    clock.advance(149); // renewal interval: ONE_HOUR / 24 = 150 s
    expect(active(await bff.loadSession(cookie)).cookies).toEqual([]);
    clock.advance(1);
    const renewed = active(await bff.loadSession(cookie));
    expect(renewed.session.lastActiveAt).toBe(clock.now);
    expect(renewed.cookies).toHaveLength(1);
    expect(setCookieLine(renewed.cookies[0]!)).toContain(`Max-Age=${ONE_HOUR};`);
  });

  it('ends a session left idle for the idle timeout and clears its cookie', async () => {
    const { bff, clock } = testBff(lifetimes, LONG_TOKENS);
    const { cookie } = await login(bff);
    clock.advance(ONE_HOUR - 1);
    expect((await bff.loadSession(cookie, 'never')).kind).toBe('active');
    clock.advance(1);
    const loaded = await bff.loadSession(cookie);
    expect(loaded.kind).toBe('anonymous');
    expect(loaded.kind === 'anonymous' && loaded.cookies.some(isClearing)).toBe(true);
  });

  it('refuses a replayed old cookie after its idle window, while the renewed session lives on', async () => {
    const { bff, clock } = testBff(lifetimes, LONG_TOKENS);
    const old = (await login(bff)).cookie;
    clock.advance(50 * 60);
    const renewed = cookieHeaderFrom(active(await bff.loadSession(old)).cookies);
    clock.advance(20 * 60);
    expect((await bff.loadSession(old)).kind).toBe('anonymous');
    expect((await bff.loadSession(renewed)).kind).toBe('active');
  });

  it('enforces the absolute timeout however active the user is, and renewal never points past it', async () => {
    const { bff, clock } = testBff(lifetimes, LONG_TOKENS);
    let cookie = (await login(bff)).cookie;
    const absoluteEnd = clock.now + 3 * ONE_HOUR;
    for (;;) {
      clock.advance(50 * 60);
      const loaded = await bff.loadSession(cookie);
      if (clock.now >= absoluteEnd) {
        expect(loaded.kind).toBe('anonymous');
        break;
      }
      const setCookies = active(loaded).cookies.map(setCookieLine);
      const maxAge = Number(/Max-Age=(\d+)/.exec(setCookies[0]!)![1]);
      expect(clock.now + maxAge).toBeLessThanOrEqual(absoluteEnd);
      const client = await bff.readSession(cookieHeaderFrom(setCookies));
      expect(client.status === 'authenticated' && client.expiresAt).toBeLessThanOrEqual(absoluteEnd * 1000);
      cookie = cookieHeaderFrom(setCookies);
    }
  });
});

describe('loadSession: refresh', () => {
  it('refreshes a due access token once and seals the new tokens into a new cookie', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    const before = active(await bff.loadSession(cookie, 'never')).session.tokens;
    // No shared coordinator: the server refreshes only a token that is no longer usable (1 s margin).
    clock.advance(300 - 2);
    expect(active(await bff.loadSession(cookie)).cookies).toEqual([]);
    clock.advance(1);
    const refreshed = active(await bff.loadSession(cookie));
    expect(backend.calls.refresh).toBe(1);
    expect(backend.refreshedWith).toEqual([before.refreshToken]);
    expect(refreshed.session.tokens.accessToken).not.toBe(before.accessToken);
    expect(refreshed.cookies).toHaveLength(1);
    const next = cookieHeaderFrom(refreshed.cookies);
    expect(active(await bff.loadSession(next)).session.tokens).toEqual(refreshed.session.tokens);
    expect(backend.calls.refresh).toBe(1);
  });

  it('does not refresh a token that is not due yet, nor with mode never', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(269);
    await bff.loadSession(cookie);
    clock.advance(100);
    await bff.loadSession(cookie, 'never');
    expect(backend.calls.refresh).toBe(0);
  });

  it('refreshes once for many concurrent requests carrying the same due cookie', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    const loads = await Promise.all(Array.from({ length: 20 }, () => bff.loadSession(cookie)));
    expect(backend.calls.refresh).toBe(1);
    expect(new Set(loads.map((l) => active(l).session.tokens.accessToken)).size).toBe(1);
  });

  it('gives a request still carrying the pre-refresh cookie the refreshed tokens, never re-presenting the rotated token', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    const first = active(await bff.loadSession(cookie));
    const stale = active(await bff.loadSession(cookie));
    expect(backend.calls.refresh).toBe(1);
    expect(stale.session.tokens).toEqual(first.session.tokens);
  });

  it('with a shared coordinator, the server refreshes at the configured skew', async () => {
    const { bff, backend, clock } = testBff({ refresh: { coordinator: { ...memoryRefreshCoordinator(), shared: true } } });
    const { cookie } = await login(bff);
    clock.advance(300 - 31);
    await bff.loadSession(cookie);
    expect(backend.calls.refresh).toBe(0);
    clock.advance(1); // default skew: 30 s
    expect(active(await bff.loadSession(cookie)).cookies).toHaveLength(1);
    expect(backend.calls.refresh).toBe(1);
  });

  it('ends the session when the backend rejects the refresh token (shared coordinator): cookie cleared, no retry', async () => {
    const { bff, backend, clock, logger } = testBff({ refresh: { coordinator: { ...memoryRefreshCoordinator(), shared: true } } });
    const { cookie } = await login(bff);
    clock.advance(300);
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const loaded = await bff.loadSession(cookie);
    expect(loaded.kind).toBe('ended');
    expect(loaded.kind === 'ended' && loaded.cookies.length === 1 && isClearing(loaded.cookies[0]!)).toBe(true);
    expect(logger.lines.some((l) => l.message.includes('refresh token rejected'))).toBe(true);
    expect((await bff.loadSession(cookie)).kind).toBe('anonymous');
    expect(backend.calls.refresh).toBe(1);
  });

  it('without a shared coordinator, a rejection ends the session but leaves the cookie (a concurrent response may have replaced it) and the session id alive', async () => {
    const t = testBff();
    const { bff, backend, clock, logger } = t;
    const { cookie } = await login(bff);
    clock.advance(300);
    // Another instance refreshed the same session a moment ago: this one's refresh is refused.
    const winner = active(await otherInstance(t).loadSession(cookie));
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const loaded = await bff.loadSession(cookie);
    expect(loaded).toEqual({ kind: 'ended', cookies: [] });
    expect(logger.lines.some((l) => l.message.includes('refresh token rejected'))).toBe(true);
    // The refused token is not presented again by this instance (the same answer, no backend call) …
    expect((await bff.loadSession(cookie)).kind).toBe('ended');
    expect(backend.calls.refresh).toBe(2);
    // … and the winner's cookie, with the same session id and the new tokens, still works here.
    const next = cookieHeaderFrom(winner.cookies.map((c) => setCookieLine(c)));
    expect(active(await bff.loadSession(next)).session.id).toBe(winner.session.id);
  });

  it("the browser's own renewal (mode 'ahead') clears a cookie whose refresh token was refused", async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const loaded = await bff.loadSession(cookie, 'ahead');
    expect(loaded.kind === 'ended' && loaded.cookies.length === 1 && isClearing(loaded.cookies[0]!)).toBe(true);
  });

  it('with a store, a refused refresh goes on with the session as stored when another instance refreshed it meanwhile', async () => {
    const store = memoryStore();
    const t = testBff({ session: { store } });
    const { bff, backend, clock } = t;
    const { cookie } = await login(bff);
    clock.advance(300);
    // Both instances read the old session; this one's refresh is still at the backend when the other
    // instance (its own in-process coordinator) refreshes and stores the session; then this one's is refused.
    const other = otherInstance(t, { session: { store } });
    const held = deferred<BackendResult<TokenSet>>();
    backend.nextRefresh.push(() => held.promise);
    const racing = bff.loadSession(cookie);
    while (backend.calls.refresh < 1) await new Promise((r) => setImmediate(r));
    const refreshed = active(await other.loadSession(cookie));
    held.resolve({ ok: false, reason: 'rejected' });
    const loaded = active(await racing);
    expect(loaded.session.tokens).toEqual(refreshed.session.tokens);
    expect(backend.calls.refresh).toBe(2);
    expect(store.sessions.size).toBe(1);
  });

  it('ends a due session that has no refresh token', async () => {
    const { bff, backend, clock } = testBff();
    backend.nextLogin.push({ ok: true, value: { accessToken: 'lonely-access', expiresAt: clock.now + 300, issuedAt: clock.now } });
    backend.nextUser.push({ ok: true, value: DEMO_USER });
    const { cookie } = await login(bff);
    clock.advance(300);
    expect((await bff.loadSession(cookie)).kind).toBe('ended');
    expect(backend.calls.refresh).toBe(0);
  });

  it.each([
    ['unavailable', 'upstream_unavailable', 502],
    ['timeout', 'upstream_timeout', 504],
  ] as const)('keeps the session when the backend is %s, and refreshes once it is back', async (reason, code, status) => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    backend.nextRefresh.push({ ok: false, reason });
    const down = await bff.loadSession(cookie);
    expect(down.kind).toBe('unavailable');
    expect(down.kind === 'unavailable' && [down.error.code, down.error.status]).toEqual([code, status]);
    expect((await bff.readSession(cookie)).status).toBe('authenticated');
    const back = active(await bff.loadSession(cookie));
    expect(back.cookies).toHaveLength(1);
    expect(backend.calls.refresh).toBe(2);
  });

  it('turns a backend adapter that throws during refresh into a transient failure, not a crash', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    backend.nextRefresh.push(() => Promise.reject(new Error('adapter bug')));
    const loaded = await bff.loadSession(cookie);
    expect(loaded.kind).toBe('unavailable');
    expect(loaded.kind === 'unavailable' && loaded.error.status).toBeGreaterThanOrEqual(500);
    expect((await bff.readSession(cookie)).status).toBe('authenticated');
  });

  it('cannot resurrect a session when logout wins the race against an in-flight refresh', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    const gate = deferred<BackendResult<TokenSet>>();
    backend.nextRefresh.push(() => gate.promise);
    const racing = bff.loadSession(cookie);
    for (let i = 0; i < 100 && backend.calls.refresh === 0; i++) await new Promise((r) => setImmediate(r));
    const logout = await bff.handleAuth(jsonPost('/api/auth/logout', {}, { cookie }));
    expect(logout.status).toBe(200);
    gate.resolve({ ok: true, value: { accessToken: 'late-access', refreshToken: 'late-refresh', expiresAt: clock.now + 300, issuedAt: clock.now } });
    const loaded = await racing;
    expect(loaded.kind).toBe('ended');
    expect(loaded.kind === 'ended' && loaded.cookies.every(isClearing)).toBe(true);
    expect((await bff.loadSession(cookie)).kind).toBe('anonymous');
  });

  it('cannot resurrect a store session when logout wins the race against an in-flight refresh', async () => {
    const store = memoryStore();
    const { bff, backend, clock } = testBff({ session: { store } });
    const { cookie } = await login(bff);
    clock.advance(300);
    const gate = deferred<BackendResult<TokenSet>>();
    backend.nextRefresh.push(() => gate.promise);
    const racing = bff.loadSession(cookie);
    for (let i = 0; i < 100 && backend.calls.refresh === 0; i++) await new Promise((r) => setImmediate(r));
    await bff.handleAuth(jsonPost('/api/auth/logout', {}, { cookie }));
    gate.resolve({ ok: true, value: { accessToken: 'late-access', refreshToken: 'late-refresh', expiresAt: clock.now + 300, issuedAt: clock.now } });
    expect((await racing).kind).toBe('ended');
    expect(store.sessions.size).toBe(0);
  });
});

describe('loadSession: secret rotation', () => {
  it('reads old cookies when the new secret is listed first, and drops them once the old secret is removed', async () => {
    const clock = fakeClock();
    const backend = fakeBackend(clock);
    const make = (secret: string | string[]) => createBff({ secret, baseUrl: APP, backend, clock, logger: recordingLogger() });
    const { cookie } = await login(make(SECRET));
    expect((await make([OTHER_SECRET, SECRET]).loadSession(cookie)).kind).toBe('active');
    const removed = await make(OTHER_SECRET).loadSession(cookie);
    expect(removed.kind).toBe('anonymous');
    expect(removed.kind === 'anonymous' && removed.cookies.every(isClearing) && removed.cookies.length).toBe(1);
  });
});

describe('loadSession: absolute deadline wins over the idle one near the end', () => {
  it('keeps the idle deadline from reaching past the absolute one on the last renewal', async () => {
    const { bff, clock } = testBff({ session: { idleTimeout: ONE_DAY, absoluteTimeout: SEVEN_DAYS } }, { accessTtl: 10 * ONE_DAY });
    let cookie = (await login(bff)).cookie;
    const end = clock.now + SEVEN_DAYS;
    for (let i = 0; i < 7; i++) {
      clock.advance(ONE_DAY - ONE_HOUR);
      const loaded = await bff.loadSession(cookie);
      if (loaded.kind !== 'active') break;
      const session = await bff.readSession(cookieHeaderFrom(loaded.cookies));
      expect(session.status === 'authenticated' && session.expiresAt <= end * 1000).toBe(true);
      cookie = cookieHeaderFrom(loaded.cookies);
    }
    clock.now = end;
    expect((await bff.loadSession(cookie)).kind).toBe('anonymous');
  });
});
