/**
 * Django REST framework + simplejwt through bffkit by configuration alone: the example app with
 * BFF_BACKEND_PRESET=simplejwt (plus the test project's /api/me/ as the user endpoint) in front of
 * the real Django process. Login, Server Component fetch, forwarding, one refresh per storm, logout
 * that the backend itself enforces, wrong password, and `bffkit check-backend`'s report.
 * See docs/backends/django-simplejwt.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from '../support/app-process';
import { api, dueAt, logOut, newSessionValue, runBffkit, sessionOf, signIn } from '../support/app-client';
import { startDjango, type DjangoBackend } from '../support/django-process';
import { getJson, jsonPost } from '../support/http';
import { openSessionCookie } from '../support/session-cookie';

const TTL = 6;
const STORM = 20;
let django: DjangoBackend;
let app: AppProcess;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const refreshesSoFar = () => (django.output().match(/"POST \/api\/token\/refresh\/ HTTP\/1\.1" 200/g) ?? []).length;
const alice = () => ({ email: django.user.username, password: django.user.password });

beforeAll(async () => {
  django = await startDjango({ accessTokenTtl: TTL });
  app = await startApp({
    backendUrl: django.url,
    env: {
      BFF_BACKEND_PRESET: 'simplejwt',
      BFF_BACKEND_CONFIG: JSON.stringify({ user: { path: '/api/me/' } }),
      // Next.js drops a trailing slash from the browser's URL; Django's routes need it back.
      BFF_UPSTREAM_TRAILING_SLASH: '1',
      BFF_UPSTREAM_PATHS: '/api/notes',
      BFF_RESOURCE_PATH: '/api/notes',
    },
  });
});

afterAll(async () => {
  await app?.stop();
  await django?.stop();
});

describe('Django + simplejwt through bffkit (preset simplejwt)', () => {
  it('signs in with the username typed into the email field; the display user comes from /api/me/', async () => {
    const s = await signIn(app.url, alice());
    expect(s.body.user).toEqual({ id: '1', email: django.user.email, name: django.user.username });
    expect(s.tokens.e - s.tokens.t).toBeLessThanOrEqual(TTL);
    expect(s.tokens.r).toBeTruthy();
  });

  it('answers a wrong password with 401 login_failed', async () => {
    const res = await jsonPost(`${app.url}/api/auth/login`, { ...alice(), password: 'wrong-password' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'login_failed', message: 'Invalid email or password.' });
  });

  it('forwards the browser\'s calls with the access token, and a Server Component fetches with it too', async () => {
    const s = await signIn(app.url, alice());
    const created = await api(app.url, s.cookie, 'POST', '/api/notes', { text: 'from bffkit to django' });
    expect(created.status).toBe(201);
    const list = await api(app.url, s.cookie, 'GET', '/api/notes');
    expect(list.status).toBe(200);
    expect(((await list.json()) as { text: string }[]).map((n) => n.text)).toContain('from bffkit to django');
    const page = await getJson(`${app.url}/resource`, { cookie: s.cookie });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toMatch(/data-testid="resource-status">200</);
    expect(html).toContain('from bffkit to django');
    expect(html).not.toContain(s.tokens.a);
  });

  it(`refreshes once for ${STORM} parallel calls with a due access token, and keeps the rotated refresh token`, async () => {
    const s = await signIn(app.url, alice());
    // Due for bffkit (its clock is whole seconds) but not yet expired at Django.
    await sleep(Math.max(0, dueAt(s.tokens) * 1000 + 50 - Date.now()));
    const before = refreshesSoFar();
    const responses = await Promise.all(Array.from({ length: STORM }, () => api(app.url, s.cookie, 'GET', '/api/notes')));
    expect(responses.map((r) => r.status)).toEqual(Array(STORM).fill(200));
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    // Django writes its access-log line after answering: give the pipe a moment before counting.
    for (let i = 0; i < 20 && refreshesSoFar() === before; i++) await sleep(100);
    await sleep(300);
    expect(refreshesSoFar() - before).toBe(1);
    const values = new Set(responses.map(newSessionValue).filter((v): v is string => !!v).map((v) => openSessionCookie(v).r));
    expect(values.size).toBe(1);
    expect([...values][0]).not.toBe(s.tokens.r);
  });

  it('logout blacklists the refresh token: Django itself refuses it afterwards', async () => {
    const s = await signIn(app.url, alice());
    expect(await logOut(app.url, s.cookie)).toEqual({ status: 'unauthenticated' });
    const again = await jsonPost(`${django.url}/api/token/refresh/`, { refresh: s.tokens.r }, { headers: { 'x-csrf': null, origin: null } });
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    expect((await sessionOf(app.url, s.cookie)).status).toBe('unauthenticated');
  });

  it('bffkit check-backend reports every step fits', async () => {
    const { code, stdout } = await runBffkit(
      ['check-backend', '--url', django.url, '--preset', 'simplejwt', '--config', configFile({ user: { path: '/api/me/' } }), '--user', django.user.username],
      { BFFKIT_CHECK_PASSWORD: django.user.password },
    );
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/^8 ok, 1 note, 0 warn, 0 fail$/m);
    expect(stdout).toMatch(/^after logout\s+the revoked refresh token is refused \(401\)/m);
    expect(stdout).not.toContain(django.user.password);
    expect(stdout).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });
});

function configFile(options: unknown): string {
  const path = join(django.dataDir, 'backend.json');
  writeFileSync(path, JSON.stringify(options));
  return path;
}
