import { describe, expect, it } from 'vitest';
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
    expect(JSON.parse(text)).toEqual({ status: 'authenticated', user: DEMO_USER, expiresAt: (clock.now + 86_400) * 1000, auth: { amr: ['pwd'], authTime: clock.now } });
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

  it('turns unauthenticated and clears the cookie when the refresh token is rejected', async () => {
    const { bff, backend, clock } = testBff();
    const { cookie } = await login(bff);
    clock.advance(300);
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const res = await bff.handleAuth(get(SESSION, { cookie }));
    expect(await res.json()).toEqual({ status: 'unauthenticated' });
    expect(res.headers.getSetCookie().every(isClearing)).toBe(true);
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

  it('does not accept POST (405)', async () => {
    const { bff } = testBff();
    const res = await bff.handleAuth(new Request(`${APP}${SESSION}`, { method: 'POST', headers: { 'x-csrf': '1' } }));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});
