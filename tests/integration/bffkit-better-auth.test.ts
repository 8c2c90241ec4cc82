/**
 * better-auth through bffkit by configuration alone: the example app with BFF_BACKEND_PRESET=betterAuth
 * in front of the real better-auth process (production mode, its own rate limit on). Login (with its
 * Origin check passed and the client address forwarded for its per-IP limit), Server Component fetch,
 * forwarding, logout after which better-auth itself refuses the session token, wrong password, and
 * `bffkit check-backend`'s report. No refresh storm: better-auth has no refresh.
 * See docs/backends/better-auth.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from '../support/app-process';
import { api, logOut, runBffkit, sessionOf, signIn } from '../support/app-client';
import { startBetterAuth, type BetterAuthBackend } from '../support/better-auth-process';
import { getJson, jsonPost } from '../support/http';

let auth: BetterAuthBackend;
let app: AppProcess;
let client = 0;
/** A distinct client address per sign-in: better-auth limits 3 sign-ins per 10 s per address. */
const from = () => ({ 'x-forwarded-for': `203.0.113.${++client}` });
const alice = () => ({ email: auth.user.email, password: auth.user.password });

beforeAll(async () => {
  auth = await startBetterAuth();
  app = await startApp({
    backendUrl: auth.url,
    env: { BFF_BACKEND_PRESET: 'betterAuth', BFF_TRUST_PROXY: '1', BFF_UPSTREAM_PATHS: '/api/notes', BFF_RESOURCE_PATH: '/api/notes' },
  });
});

afterAll(async () => {
  await app?.stop();
  await auth?.stop();
});

describe('better-auth through bffkit (preset betterAuth)', () => {
  it('signs in (Origin sent for its Fetch Metadata check); the display user comes from get-session', async () => {
    const s = await signIn(app.url, alice(), from());
    expect(s.body.user).toEqual({ id: expect.any(String), email: auth.user.email, name: auth.user.name });
    expect(s.tokens.r).toBeUndefined();
    expect(s.tokens.e - s.tokens.t).toBe(7 * 24 * 3600);
  });

  it('answers a wrong password with 401 login_failed', async () => {
    const res = await jsonPost(`${app.url}/api/auth/login`, { ...alice(), password: 'wrong-password' }, { headers: from() });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('login_failed');
  });

  it('sends the client address, so its per-IP limit counts per client, not one bucket for the app', async () => {
    // Four sign-ins within 10 s would hit better-auth's shared bucket (3 per 10 s) without an address.
    for (let i = 0; i < 4; i++) await signIn(app.url, alice(), from());
  });

  it("forwards the browser's calls with the session token, and a Server Component fetches with it too", async () => {
    const s = await signIn(app.url, alice(), from());
    const created = await api(app.url, s.cookie, 'POST', '/api/notes', { text: 'from bffkit to better-auth' });
    expect(created.status).toBe(201);
    const list = await api(app.url, s.cookie, 'GET', '/api/notes');
    expect(((await list.json()) as { text: string }[]).map((n) => n.text)).toContain('from bffkit to better-auth');
    const page = await getJson(`${app.url}/resource`, { cookie: s.cookie });
    const html = await page.text();
    expect(html).toMatch(/data-testid="resource-status">200</);
    expect(html).toContain('from bffkit to better-auth');
    expect(html).not.toContain(s.tokens.a);
  });

  it('logout signs out at better-auth: the session token is refused there afterwards', async () => {
    const s = await signIn(app.url, alice(), from());
    expect(await logOut(app.url, s.cookie)).toEqual({ status: 'unauthenticated' });
    const session = await getJson(`${auth.url}/api/auth/get-session`, { headers: { authorization: `Bearer ${s.tokens.a}` } });
    expect(await session.json()).toBeNull();
    const notes = await getJson(`${auth.url}/api/notes`, { headers: { authorization: `Bearer ${s.tokens.a}` } });
    expect(notes.status).toBe(401);
    expect((await sessionOf(app.url, s.cookie)).status).toBe('unauthenticated');
  });

  it('a session revoked at better-auth ends the bffkit session at the next forwarded call (the browser\'s renewal clears the cookie)', async () => {
    const s = await signIn(app.url, alice(), from());
    await jsonPost(`${auth.url}/api/auth/sign-out`, {}, { headers: { authorization: `Bearer ${s.tokens.a}`, 'x-csrf': null, origin: null } });
    const res = await api(app.url, s.cookie, 'GET', '/api/notes');
    expect(res.status).toBe(401);
    // Stateless mode without a shared coordinator: the answer leaves the cookie (another instance's
    // answer may have replaced it, docs/multi-instance.md); SessionProvider's check after a
    // session_expired answer (a renewal with ?check=expired, refreshing now) ends it.
    expect(res.headers.getSetCookie().some((c) => /^bffkit=/.test(c))).toBe(false);
    const renewal = await fetch(`${app.url}/api/auth/session?check=expired`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf': '1' } });
    expect(await renewal.json()).toEqual({ status: 'unauthenticated' });
    expect(renewal.headers.getSetCookie().some((c) => /^bffkit=;/.test(c))).toBe(true);
  });

  it('bffkit check-backend reports every step fits', async () => {
    const { code, stdout } = await runBffkit(['check-backend', '--url', auth.url, '--preset', 'betterAuth', '--user', auth.user.email], {
      BFFKIT_CHECK_PASSWORD: auth.user.password,
    });
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/^5 ok, 1 note, 0 warn, 0 fail$/m);
    expect(stdout).toMatch(/^access after logout\s+the session token is refused \(signed-out\)/m);
    expect(stdout).not.toContain(auth.user.password);
  });
});
