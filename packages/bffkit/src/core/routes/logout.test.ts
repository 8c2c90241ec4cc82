import { describe, expect, it } from 'vitest';
import { APP, DEMO_USER, formPost, get, isClearing, jsonPost, login, memoryStore, setCookieName, testBff } from '../testing/support';

const LOGOUT = '/api/auth/logout';

/** A bodyless POST as `fetch(url, { method: 'POST', headers })` sends it. */
const bareLogout = (headers: Record<string, string>) => new Request(`${APP}${LOGOUT}`, { method: 'POST', headers });

describe('POST /logout', () => {
  it('clears the cookie (Max-Age=0, same name and path), revokes the refresh token and answers unauthenticated', async () => {
    const { bff, backend } = testBff();
    const { cookie } = await login(bff);
    const loaded = await bff.loadSession(cookie, 'never');
    if (loaded.kind !== 'active') throw new Error('no session');
    const res = await bff.handleAuth(jsonPost(LOGOUT, {}, { cookie }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await res.json()).toEqual({ status: 'unauthenticated' });
    const lines = res.headers.getSetCookie();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bffkit=; Path=\/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/);
    expect(backend.revoked.map((t) => t.refreshToken)).toEqual([loaded.session.tokens.refreshToken]);
  });

  it('makes a replayed cookie anonymous afterwards', async () => {
    const { bff } = testBff();
    const { cookie } = await login(bff);
    await bff.handleAuth(jsonPost(LOGOUT, {}, { cookie }));
    expect(await (await bff.handleAuth(get('/api/auth/session', { cookie }))).json()).toEqual({ status: 'unauthenticated' });
  });

  it('deletes the session from the store in store mode', async () => {
    const store = memoryStore();
    const { bff } = testBff({ session: { store } });
    const { cookie } = await login(bff);
    expect(store.sessions.size).toBe(1);
    await bff.handleAuth(jsonPost(LOGOUT, {}, { cookie }));
    expect(store.sessions.size).toBe(0);
    expect((await bff.loadSession(cookie)).kind).toBe('anonymous');
  });

  it('accepts a bodyless POST carrying the anti-forgery header', async () => {
    const { bff } = testBff();
    const { cookie } = await login(bff);
    const res = await bff.handleAuth(bareLogout({ 'x-csrf': '1', origin: APP, cookie }));
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().every(isClearing)).toBe(true);
  });

  it('refuses a logout without the anti-forgery header (403) and keeps the session', async () => {
    const { bff, backend } = testBff();
    const { cookie } = await login(bff);
    for (const req of [jsonPost(LOGOUT, {}, { cookie, csrf: false }), bareLogout({ origin: APP, cookie })]) {
      const res = await bff.handleAuth(req);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('csrf_failed');
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(backend.calls.revoke).toBe(0);
    expect((await bff.loadSession(cookie)).kind).toBe('active');
  });

  it('refuses a cross-site logout (403) and keeps the session', async () => {
    const { bff, backend } = testBff();
    const { cookie } = await login(bff);
    for (const opts of [{ origin: 'https://evil.example' }, { origin: 'null' }, { headers: { 'sec-fetch-site': 'cross-site' } }]) {
      const res = await bff.handleAuth(jsonPost(LOGOUT, {}, { cookie, ...opts }));
      expect(res.status).toBe(403);
    }
    expect(backend.calls.revoke).toBe(0);
    expect((await bff.loadSession(cookie)).kind).toBe('active');
  });

  it('answers 200 and clears the default cookie name without a session', async () => {
    const { bff, backend } = testBff();
    const res = await bff.handleAuth(jsonPost(LOGOUT, {}));
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().map(setCookieName)).toEqual(['bffkit']);
    expect(backend.calls.revoke).toBe(0);
  });

  it('clears every chunk of a chunked session', async () => {
    const { bff, backend } = testBff();
    backend.nextUser.push({ ok: true, value: { ...DEMO_USER, bio: 'x'.repeat(6000) } });
    const { cookie } = await login(bff);
    expect(cookie).toContain('bffkit.1=');
    const res = await bff.handleAuth(jsonPost(LOGOUT, {}, { cookie }));
    const lines = res.headers.getSetCookie();
    expect(lines.every(isClearing)).toBe(true);
    expect(lines.map(setCookieName)).toEqual(cookie.split('; ').map((p) => p.slice(0, p.indexOf('='))));
  });

  it('ends the local session even when revocation at the backend fails', async () => {
    const { bff, backend } = testBff();
    const { cookie } = await login(bff);
    backend.revoke = async () => {
      throw new Error('backend down');
    };
    const res = await bff.handleAuth(jsonPost(LOGOUT, {}, { cookie }));
    expect(res.status).toBe(200);
    expect((await bff.loadSession(cookie)).kind).toBe('anonymous');
  });

  it('as an HTML form with a matching Origin, answers 303 to / (or a safe returnTo)', async () => {
    const { bff } = testBff();
    const { cookie } = await login(bff);
    const res = await bff.handleAuth(formPost(LOGOUT, {}, { cookie }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${APP}/`);
    expect(res.headers.getSetCookie().every(isClearing)).toBe(true);
    const back = await bff.handleAuth(formPost(LOGOUT, { returnTo: '/bye' }));
    expect(back.headers.get('location')).toBe(`${APP}/bye`);
    const evil = await bff.handleAuth(formPost(LOGOUT, { returnTo: '//evil.example' }));
    expect(evil.headers.get('location')).toBe(`${APP}/`);
  });

  it('refuses a form logout without Origin (403)', async () => {
    const { bff } = testBff();
    const { cookie } = await login(bff);
    expect((await bff.handleAuth(formPost(LOGOUT, {}, { cookie, origin: null }))).status).toBe(403);
    expect((await bff.loadSession(cookie)).kind).toBe('active');
  });

  it('is not reachable with GET (405), so a link or image cannot sign anyone out', async () => {
    const { bff, backend } = testBff();
    const { cookie } = await login(bff);
    const res = await bff.handleAuth(get(LOGOUT, { cookie }));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(backend.calls.revoke).toBe(0);
  });
});
