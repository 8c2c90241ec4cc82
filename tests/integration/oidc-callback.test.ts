/**
 * The OpenID Connect login and callback under attack, against a fake provider of our own that hands
 * out crafted ID tokens. Runs twice: against the bffkit core served in-process, and against the built
 * example app (BFF_BACKEND=oidc). Every attack must answer 400 with no session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBff } from '../../packages/bffkit/src/index';
import { oidcBackend } from '../../packages/bffkit/src/core/backends/oidc/backend';
import { startApp, type AppProcess } from '../support/app-process';
import { startFakeOidc, type FakeOidc, type IdTokenRecipe } from '../support/fake-oidc';
import { cookieJar, setCookies, type CookieJar } from '../support/http';
import { serveCore, type CoreServer } from '../support/oidc-process';
import { freePort } from '../support/ports';

const SECRET = 'oidc-callback-test-secret-0123456789-abcdef';
const REJECTED = { code: 'invalid_request', message: 'The sign-in response could not be verified. Start the sign-in again.' };

interface Target {
  url: string;
  /** Where the app goes after login without a returnTo. */
  defaultReturnTo: string;
  stop(): Promise<void>;
}

let idp: FakeOidc;
beforeAll(async () => {
  idp = await startFakeOidc();
});
afterAll(() => idp?.close());

const targets: [string, () => Promise<Target>][] = [
  [
    'the core in-process',
    async () => {
      const port = await freePort();
      const bff = createBff({
        secret: SECRET,
        baseUrl: `http://localhost:${port}`,
        backend: oidcBackend({ issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret }),
        logger: { info() {}, warn() {}, error() {} },
      });
      const server: CoreServer = await serveCore((r) => bff.handleAuth(r), port);
      return { url: server.url, defaultReturnTo: '/', stop: () => server.close() };
    },
  ],
  [
    'the example app',
    async () => {
      const app: AppProcess = await startApp({
        backendUrl: 'http://127.0.0.1:9', // never called here
        env: { BFF_BACKEND: 'oidc', OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret },
      });
      return { url: app.url, defaultReturnTo: '/profile', stop: () => app.stop() };
    },
  ],
];

describe.each(targets)('OIDC callback attacks against %s', (_name, start) => {
  let target: Target;
  beforeAll(async () => {
    target = await start();
  });
  afterAll(() => target?.stop());

  /** GET /api/auth/oidc/login in a browser (jar); answers the provider authorization URL. */
  async function beginLogin(jar: CookieJar, returnTo?: string): Promise<string> {
    const url = new URL('/api/auth/oidc/login', target.url);
    if (returnTo !== undefined) url.searchParams.set('returnTo', returnTo);
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    expect(res.status).toBe(303);
    jar.store(res);
    return res.headers.get('location')!;
  }

  async function callback(jar: CookieJar, url: URL | string): Promise<Response> {
    const res = await fetch(url, { redirect: 'manual', headers: jar.header() ? { cookie: jar.header() } : {} });
    jar.store(res);
    return res;
  }

  async function sessionOf(jar: CookieJar): Promise<Record<string, unknown>> {
    const res = await fetch(new URL('/api/auth/session', target.url), { headers: { cookie: jar.header() } });
    return (await res.json()) as Record<string, unknown>;
  }

  /** 400 with the one fixed message, the transaction cookie cleared, no session cookie set. */
  async function expectRejected(res: Response, jar: CookieJar): Promise<void> {
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(REJECTED);
    const cookies = setCookies(res);
    expect(cookies.filter((c) => c.name === 'bffkit' || c.name.startsWith('bffkit.'))).toEqual([]);
    expect(cookies.find((c) => c.name === 'bffkit-tx')?.attributes['max-age']).toBe('0');
    // bffkit sends no-referrer; the example app's own header policy (next.config) may replace it with
    // one that also keeps the code and state out of cross-origin Referers.
    expect(['no-referrer', 'strict-origin-when-cross-origin']).toContain(res.headers.get('referrer-policy'));
    expect(await sessionOf(jar)).toEqual({ status: 'unauthenticated' });
  }

  it('starts a login with PKCE S256, state and nonce in a sealed, HttpOnly, Lax transaction cookie', async () => {
    const jar = cookieJar();
    const res = await fetch(new URL('/api/auth/oidc/login?returnTo=%2Fnotes', target.url), { redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(`${idp.issuer}/authorize`);
    const p = location.searchParams;
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('state')).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(p.get('nonce')).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(p.get('scope')!.split(' ')).toContain('openid');
    expect(p.get('redirect_uri')).toBe(new URL('/api/auth/oidc/callback', target.url).href);
    const tx = setCookies(res).find((c) => c.name === 'bffkit-tx')!;
    expect(tx.attributes).toMatchObject({ path: '/', httponly: true, samesite: 'Lax', 'max-age': '600' });
    // Sealed: neither the state nor the PKCE verifier is readable in it.
    expect(tx.value).not.toContain(p.get('state'));
    jar.store(res);
    expect(jar.names()).toEqual(['bffkit-tx']);
  });

  it('signs in: 303 to the returnTo, a fresh session with the ID token claims, transaction cookie cleared', async () => {
    const jar = cookieJar();
    const res = await callback(jar, idp.authorize(await beginLogin(jar, '/notes?x=1')));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(new URL('/notes?x=1', target.url).href);
    expect(setCookies(res).find((c) => c.name === 'bffkit-tx')?.attributes['max-age']).toBe('0');
    expect(await sessionOf(jar)).toMatchObject({ status: 'authenticated', user: { id: 'fake-user-1', email: 'fake@example.com', name: 'Fake User' } });
  });

  it('keeps working with a large token set: the session cookie is chunked, every chunk under the browser limit', async () => {
    const jar = cookieJar();
    const groups = Array.from({ length: 150 }, (_, i) => `directory-group-${i}-with-a-long-name`);
    const res = await callback(jar, idp.authorize(await beginLogin(jar), { claims: { groups } }));
    expect(res.status).toBe(303);
    const chunks = setCookies(res).filter((c) => /^bffkit\.\d$/.test(c.name));
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.name.length + c.value.length).toBeLessThan(4000);
    expect(await sessionOf(jar)).toMatchObject({ status: 'authenticated', user: { id: 'fake-user-1' } });
  });

  it('falls back to the default page for an unsafe returnTo', async () => {
    const jar = cookieJar();
    const res = await callback(jar, idp.authorize(await beginLogin(jar, '//evil.example/x')));
    expect(res.headers.get('location')).toBe(new URL(target.defaultReturnTo, target.url).href);
  });

  it('refuses a callback without state', async () => {
    const jar = cookieJar();
    const url = idp.authorize(await beginLogin(jar));
    url.searchParams.delete('state');
    await expectRejected(await callback(jar, url), jar);
  });

  it('refuses a callback with another state', async () => {
    const jar = cookieJar();
    const url = idp.authorize(await beginLogin(jar));
    url.searchParams.set('state', 'A'.repeat(43));
    await expectRejected(await callback(jar, url), jar);
  });

  it('refuses a replayed callback, even with the old transaction cookie kept by an attacker', async () => {
    const jar = cookieJar();
    const url = idp.authorize(await beginLogin(jar));
    const stolenTx = jar.get('bffkit-tx')!;
    expect((await callback(jar, url)).status).toBe(303);
    const attacker = cookieJar({ 'bffkit-tx': stolenTx });
    await expectRejected(await callback(attacker, url), attacker);
  });

  it('refuses a used code replayed into a new login of the same browser', async () => {
    const jar = cookieJar();
    const first = idp.authorize(await beginLogin(jar));
    expect((await callback(jar, first)).status).toBe(303);
    const fresh = cookieJar();
    const second = new URL(idp.authorize(await beginLogin(fresh)));
    second.searchParams.set('code', first.searchParams.get('code')!);
    const before = idp.tokenCalls.authorization_code;
    await expectRejected(await callback(fresh, second), fresh);
    expect(idp.tokenCalls.authorization_code).toBe(before + 1); // the provider refused the used code
  });

  it("refuses another browser's callback (login CSRF): foreign transaction cookie, or none", async () => {
    const victim = cookieJar();
    const attacker = cookieJar();
    const attackersCallback = idp.authorize(await beginLogin(attacker));
    await beginLogin(victim); // the victim has a login of their own in progress
    await expectRejected(await callback(victim, attackersCallback), victim);
    const noCookie = cookieJar();
    await expectRejected(await callback(noCookie, attackersCallback), noCookie);
  });

  it('refuses a transaction cookie that is a session cookie (purpose keys)', async () => {
    const jar = cookieJar();
    await callback(jar, idp.authorize(await beginLogin(jar)));
    const session = jar.get('bffkit')!;
    const other = cookieJar();
    const url = idp.authorize(await beginLogin(other));
    other.set('bffkit-tx', session);
    const res = await callback(other, url);
    expect(res.status).toBe(400);
  });

  const tokenAttacks: [string, IdTokenRecipe][] = [
    ['a nonce mismatch', { claims: { nonce: 'not-the-nonce-we-sent' } }],
    ['no nonce', { omit: ['nonce'] }],
    ['another issuer', { claims: { iss: 'https://evil.example' } }],
    ['another audience', { claims: { aud: 'someone-else' } }],
    ['several audiences without azp', { claims: { aud: ['fake-client', 'someone-else'] } }],
    ['alg: none', { signing: 'none' }],
    ['a signature by another key', { signing: 'foreign' }],
    ['an expired ID token', { claims: { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 } }],
    ['no subject', { omit: ['sub'] }],
  ];
  it.each(tokenAttacks)('refuses an ID token with %s', async (_n, recipe) => {
    const jar = cookieJar();
    const res = await callback(jar, idp.authorize(await beginLogin(jar), recipe));
    await expectRejected(res, jar);
  });

  it('refuses a response naming another issuer (mix-up defence, RFC 9207)', async () => {
    const jar = cookieJar();
    const url = idp.authorize(await beginLogin(jar));
    url.searchParams.set('iss', 'https://evil.example');
    await expectRejected(await callback(jar, url), jar);
  });

  it('sends a provider error to the login page with a fixed code, never the raw text', async () => {
    const jar = cookieJar();
    const auth = new URL(await beginLogin(jar, '/notes'));
    const url = new URL('/api/auth/oidc/callback', target.url);
    url.searchParams.set('error', 'access_denied');
    url.searchParams.set('error_description', '<script>alert(1)</script>');
    url.searchParams.set('state', auth.searchParams.get('state')!);
    url.searchParams.set('iss', idp.issuer);
    const res = await callback(jar, url);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(new URL('/login?error=access_denied&returnTo=%2Fnotes', target.url).href);

    const other = cookieJar();
    const auth2 = new URL(await beginLogin(other));
    url.searchParams.set('error', 'evil_<b>code</b>');
    url.searchParams.set('state', auth2.searchParams.get('state')!);
    const res2 = await callback(other, url);
    expect(new URL(res2.headers.get('location')!).searchParams.get('error')).toBe('provider_error');
    expect(await sessionOf(other)).toEqual({ status: 'unauthenticated' });
  });

  it('replaces a session the browser already had: the old cookie stops working', async () => {
    const jar = cookieJar();
    await callback(jar, idp.authorize(await beginLogin(jar)));
    const oldCookie = `bffkit=${jar.get('bffkit')}`;
    const res = await callback(jar, idp.authorize(await beginLogin(jar), { claims: { sub: 'fake-user-2', email: 'two@example.com' } }));
    expect(res.status).toBe(303);
    expect(await sessionOf(jar)).toMatchObject({ status: 'authenticated', user: { id: 'fake-user-2' } });
    const old = await fetch(new URL('/api/auth/session', target.url), { headers: { cookie: oldCookie } });
    expect(await old.json()).toEqual({ status: 'unauthenticated' });
  });

  it('answers JSON { redirectTo } to a fetch login and refuses a cross-site form post', async () => {
    const json = await fetch(new URL('/api/auth/oidc/login', target.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf': '1', origin: target.url },
      body: JSON.stringify({ returnTo: '/notes' }),
    });
    expect(json.status).toBe(200);
    expect(((await json.json()) as { redirectTo: string }).redirectTo).toMatch(new RegExp(`^${idp.issuer}/authorize\\?`));
    const evil = await fetch(new URL('/api/auth/oidc/login', target.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: 'returnTo=%2F',
    });
    expect(evil.status).toBe(403);
    expect(setCookies(evil)).toEqual([]);
  });
});
