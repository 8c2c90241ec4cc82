/**
 * Payload CMS 3 through bffkit by configuration alone: the example app with BFF_BACKEND_PRESET=payload
 * in front of the real Payload process. Login, Server Component fetch, forwarding, one refresh (with
 * the current token) per storm, a token Payload refuses with 403 ending the session, logout after
 * which Payload itself refuses the token, wrong password, and `bffkit check-backend`'s report.
 * See docs/backends/payload.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from '../support/app-process';
import { api, dueAt, logOut, newSessionValue, runBffkit, sessionOf, signIn } from '../support/app-client';
import { getJson, jsonPost } from '../support/http';
import { startPayload, type PayloadBackend } from '../support/payload-process';
import { openSessionCookie } from '../support/session-cookie';

const TTL = 6;
const STORM = 20;
let payload: PayloadBackend;
let app: AppProcess;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alice = () => ({ email: payload.user.email, password: payload.user.password });
const refreshes = async () => ((await (await fetch(`${payload.url}/api/stats`)).json()) as { refreshes: number }).refreshes;
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}`, 'x-csrf': null, origin: null } });

beforeAll(async () => {
  payload = await startPayload({ tokenExpiration: TTL });
  app = await startApp({
    backendUrl: payload.url,
    env: { BFF_BACKEND_PRESET: 'payload', BFF_UPSTREAM_PATHS: '/api/notes', BFF_RESOURCE_PATH: '/api/notes' },
  });
});

afterAll(async () => {
  await app?.stop();
  await payload?.stop();
});

describe('Payload through bffkit (preset payload)', () => {
  it('signs in; the expiry is the answer\'s absolute exp; the display user comes from /api/users/me, mapped down', async () => {
    const s = await signIn(app.url, alice());
    expect(s.body.user).toEqual({ id: '1', email: payload.user.email, name: 'Test User' });
    expect(s.tokens.e - s.tokens.t).toBeLessThanOrEqual(TTL);
    expect(JSON.stringify(s.body)).not.toContain('sessions');
  });

  it('answers a wrong password with 401 login_failed', async () => {
    const res = await jsonPost(`${app.url}/api/auth/login`, { ...alice(), password: 'wrong-password' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('login_failed');
  });

  it("forwards the browser's calls with the token, and a Server Component fetches with it too", async () => {
    const s = await signIn(app.url, alice());
    const created = await api(app.url, s.cookie, 'POST', '/api/notes', { text: 'from bffkit to payload' });
    expect(created.status).toBe(201);
    const list = await api(app.url, s.cookie, 'GET', '/api/notes');
    expect(((await list.json()) as { docs: { text: string }[] }).docs.map((n) => n.text)).toContain('from bffkit to payload');
    const page = await getJson(`${app.url}/resource`, { cookie: s.cookie });
    const html = await page.text();
    expect(html).toMatch(/data-testid="resource-status">200</);
    expect(html).toContain('from bffkit to payload');
    expect(html).not.toContain(s.tokens.a);
  });

  it(`refreshes once (with the current token, before it expires) for ${STORM} parallel calls`, async () => {
    const s = await signIn(app.url, alice());
    // Due for bffkit (its clock is whole seconds) but not yet expired at Payload: it refuses to refresh an expired token.
    await sleep(Math.max(0, dueAt(s.tokens) * 1000 + 50 - Date.now()));
    const before = await refreshes();
    const responses = await Promise.all(Array.from({ length: STORM }, () => api(app.url, s.cookie, 'GET', '/api/notes')));
    expect(responses.map((r) => r.status)).toEqual(Array(STORM).fill(200));
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect((await refreshes()) - before).toBe(1);
    const tokens = new Set(responses.map(newSessionValue).filter((v): v is string => !!v).map((v) => openSessionCookie(v).a));
    expect(tokens.size).toBe(1);
  });

  it('a token Payload refuses with 403 (not 401) ends the session at the next forwarded call', async () => {
    const s = await signIn(app.url, alice());
    // Logged out at Payload behind bffkit's back: its resources now answer 403, and so does its refresh.
    expect((await jsonPost(`${payload.url}/api/users/logout`, {}, bearer(s.tokens.a))).status).toBe(200);
    const res = await api(app.url, s.cookie, 'GET', '/api/notes');
    expect(res.status).toBe(403);
    // Stateless mode without a shared coordinator: the answer leaves the cookie (another instance's
    // answer may have replaced it, docs/multi-instance.md); SessionProvider's check after a
    // session_expired answer (a renewal with ?check=expired, refreshing now) ends it.
    expect(res.headers.getSetCookie().some((c) => /^bffkit=/.test(c))).toBe(false);
    const renewal = await fetch(`${app.url}/api/auth/session?check=expired`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf': '1' } });
    expect(await renewal.json()).toEqual({ status: 'unauthenticated' });
    expect(renewal.headers.getSetCookie().some((c) => /^bffkit=;/.test(c))).toBe(true);
  });

  it('logout ends the Payload session: Payload itself refuses the token afterwards', async () => {
    const s = await signIn(app.url, alice());
    expect(await logOut(app.url, s.cookie)).toEqual({ status: 'unauthenticated' });
    expect(await (await getJson(`${payload.url}/api/users/me`, bearer(s.tokens.a))).json()).toEqual({ user: null, message: 'Account' });
    expect((await jsonPost(`${payload.url}/api/users/refresh-token`, {}, bearer(s.tokens.a))).status).toBe(403);
    expect((await getJson(`${payload.url}/api/notes`, bearer(s.tokens.a))).status).toBe(403);
    expect((await sessionOf(app.url, s.cookie)).status).toBe('unauthenticated');
  });

  it('bffkit check-backend reports every step fits', async () => {
    const { code, stdout } = await runBffkit(['check-backend', '--url', payload.url, '--preset', 'payload', '--user', payload.user.email], {
      BFFKIT_CHECK_PASSWORD: payload.user.password,
    });
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/^8 ok, 1 note, 0 warn, 0 fail$/m);
    expect(stdout).toMatch(/^after logout\s+the logged-out token is refused \(403\)/m);
    expect(stdout).not.toContain(payload.user.password);
    expect(stdout).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });
});
