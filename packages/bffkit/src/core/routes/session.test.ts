import { describe, expect, it } from 'vitest';
import { memoryRefreshCoordinator } from '../stores/memory-refresh-coordinator';
import { APP, cookieHeaderFrom, DEMO_USER, get, isClearing, login, memoryStore, testBff } from '../testing/support';

const SESSION = '/api/auth/session';

function expectPrivateJson(res: Response) {
  expect(res.headers.get('cache-control')).toBe('private, no-store');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
}

describe('GET /session', () => {
  it('answers unauthenticated, private and no-store, without any Set-Cookie when there is no cookie', async () => {
    const { bff } = testBff();
    const res = await bff.handleAuth(get(SESSION));
    expect(res.status).toBe(200);
    expectPrivateJson(res);
    expect(await res.json()).toEqual({ status: 'unauthenticated' });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('answers the user and the session end, and no token', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    const res = await bff.handleAuth(get(SESSION, { cookie }));
    expectPrivateJson(res);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      status: 'authenticated',
      user: DEMO_USER,
      expiresAt: (clock.now + 86_400) * 1000,
      auth: { amr: ['pwd'], authTime: clock.now },
      refreshAt: (clock.now + 270) * 1000,
    });
    for (const token of backend.issued) expect(text).not.toContain(token);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('answers unauthenticated and clears a garbage cookie', async () => {
    const { bff } = testBff();
    const res = await bff.handleAuth(get(SESSION, { cookie: 'bffkit=garbage' }));
    expectPrivateJson(res);
    expect(await res.json()).toEqual({ status: 'unauthenticated' });
    expect(res.headers.getSetCookie().every(isClearing)).toBe(true);
    expect(res.headers.getSetCookie()).toHaveLength(1);
  });

  it('refreshes a due token here and hands the browser the new cookie', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    const res = await bff.handleAuth(get(SESSION, { cookie }));
    expect(((await res.json()) as { status: string }).status).toBe('authenticated');
    expect(backend.calls.refresh).toBe(1);
    const next = cookieHeaderFrom(res.headers.getSetCookie());
    expect(next).not.toBe(cookie);
    expect((await bff.handleAuth(get(SESSION, { cookie: next }))).headers.getSetCookie()).toEqual([]);
    expect(backend.calls.refresh).toBe(1);
  });

  it('turns unauthenticated when the refresh token is rejected; clears the cookie with a shared coordinator', async () => {
    const { bff, backend, clock } = testBff({ refresh: { coordinator: { ...memoryRefreshCoordinator(), shared: true } } });
    const { cookie } = await login(bff);
    clock.advance(300);
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const res = await bff.handleAuth(get(SESSION, { cookie }));
    expect(await res.json()).toEqual({ status: 'unauthenticated' });
    expect(res.headers.getSetCookie()).toHaveLength(1);
    expect(res.headers.getSetCookie().every(isClearing)).toBe(true);
  });

  it('without a shared coordinator, a rejection answers unauthenticated and leaves the cookie to the browser\'s renewal', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const res = await bff.handleAuth(get(SESSION, { cookie }));
    expect(await res.json()).toEqual({ status: 'unauthenticated' });
    expect(res.headers.getSetCookie()).toEqual([]);
    const renewal = await bff.handleAuth(renew(cookie));
    expect(await renewal.json()).toEqual({ status: 'unauthenticated' });
    expect(renewal.headers.getSetCookie()).toHaveLength(1);
    expect(renewal.headers.getSetCookie().every(isClearing)).toBe(true);
    expect(backend.calls.refresh).toBe(1);
  });

  it('says when the browser renews (refreshAt) only without a shared coordinator', async () => {
    const { bff } = testBff({ refresh: { coordinator: { ...memoryRefreshCoordinator(), shared: true } } });
    const { cookie } = await login(bff);
    expect(await (await bff.handleAuth(get(SESSION, { cookie }))).json()).not.toHaveProperty('refreshAt');
  });

  it('still answers the user when the backend is down (the session is kept)', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    backend.nextRefresh.push({ ok: false, reason: 'unavailable' });
    const res = await bff.handleAuth(get(SESSION, { cookie }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('authenticated');
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('answers 503 store_unavailable, not "signed out", when the session store is down', async () => {
    const store = memoryStore();
    const { bff } = testBff({ session: { store } });
    const { cookie } = await login(bff);
    store.down = true;
    const res = await bff.handleAuth(get(SESSION, { cookie }));
    expect(res.status).toBe(503);
    expectPrivateJson(res);
    expect(((await res.json()) as { code: string }).code).toBe('store_unavailable');
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('does not accept PUT (405, Allow: GET, POST)', async () => {
    const { bff } = testBff();
    const res = await bff.handleAuth(new Request(`${APP}${SESSION}`, { method: 'PUT', headers: { 'x-csrf': '1' } }));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });
});

/** The browser's renewal request, as SessionProvider sends it. */
function renew(cookie?: string, headers: Record<string, string> = { 'x-csrf': '1' }) {
  return new Request(`${APP}${SESSION}`, { method: 'POST', headers: { ...headers, ...(cookie ? { cookie } : {}) } });
}

describe('POST /session (the browser\'s renewal)', () => {
  it('needs the anti-forgery header and a same-origin request, and never refreshes without them', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(260);
    for (const req of [renew(cookie, {}), renew(cookie, { 'x-csrf': '1', origin: 'https://evil.example' }), renew(cookie, { 'x-csrf': '1', 'sec-fetch-site': 'cross-site' })]) {
      const res = await bff.handleAuth(req);
      expect(res.status).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(backend.calls.refresh).toBe(0);
  });

  it('renews at the browser\'s time, ahead of the server\'s (GET would not yet), and answers the next refreshAt', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(269);
    const early = await bff.handleAuth(renew(cookie));
    expect(backend.calls.refresh).toBe(0);
    expect(((await early.json()) as { refreshAt: number }).refreshAt).toBe((clock.now + 1) * 1000);
    clock.advance(1);
    expect((await bff.handleAuth(get(SESSION, { cookie }))).headers.getSetCookie()).toEqual([]);
    expect(backend.calls.refresh).toBe(0);
    const res = await bff.handleAuth(renew(cookie));
    expectPrivateJson(res);
    expect(backend.calls.refresh).toBe(1);
    const body = (await res.json()) as { status: string; refreshAt: number };
    expect(body).toMatchObject({ status: 'authenticated', refreshAt: (clock.now + 270) * 1000 });
    const next = cookieHeaderFrom(res.headers.getSetCookie());
    expect(next).not.toBe(cookie);
    // Another tab's renewal right after, with the renewed cookie: nothing to do.
    expect((await bff.handleAuth(renew(next))).headers.getSetCookie()).toEqual([]);
    expect(backend.calls.refresh).toBe(1);
  });

  it('with ?check=expired (a call was answered session_expired) refreshes now: a refused token ends the session and clears the cookie', async () => {
    const { bff, backend } = testBff();
    const { cookie } = await login(bff);
    // Not due at all: an upstream refused the token (revoked at the backend), then the refresh too.
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const check = new Request(`${APP}${SESSION}?check=expired`, { method: 'POST', headers: { 'x-csrf': '1', cookie } });
    const res = await bff.handleAuth(check);
    expect(await res.json()).toEqual({ status: 'unauthenticated' });
    expect(res.headers.getSetCookie().length).toBeGreaterThan(0);
    expect(res.headers.getSetCookie().every(isClearing)).toBe(true);
    expect(backend.calls.refresh).toBe(1);
    // A live session (another response renewed the cookie meanwhile) comes back renewed.
    const second = await login(bff);
    const live = await bff.handleAuth(new Request(`${APP}${SESSION}?check=expired`, { method: 'POST', headers: { 'x-csrf': '1', cookie: second.cookie } }));
    expect(await live.json()).toMatchObject({ status: 'authenticated' });
    expect(backend.calls.refresh).toBe(2);
  });

  it('answers unauthenticated without a session', async () => {
    const { bff } = testBff();
    const res = await bff.handleAuth(renew());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'unauthenticated' });
  });
});
