/**
 * bffkit signing in through a real OpenID provider (examples/oidc-provider, panva's oidc-provider) in its
 * own process, with the example backend accepting the provider's access tokens and the example app in
 * front: sign-in, single-flight refresh at the token endpoint, RP-initiated logout, back-channel logout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieJar, getJson, jsonPost, setCookies, type CookieJar } from '../support/http';
import { signInThroughProvider, signOutAtProvider, startOidcStack, walkProvider, type OidcStack } from '../support/oidc-process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function session(stack: OidcStack, jar: CookieJar): Promise<Record<string, unknown>> {
  return (await (await getJson(`${stack.app.url}/api/auth/session`, { cookie: jar })).json()) as Record<string, unknown>;
}

describe('OIDC with a real provider, sessions in the cookie', () => {
  const TTL = 3;
  let stack: OidcStack;
  beforeAll(async () => {
    stack = await startOidcStack({ accessTokenTtl: TTL });
  });
  afterAll(() => stack?.stop());

  it("signs in through the provider's login page and reaches the backend with the provider's access token", async () => {
    const { response, appJar, visited } = await signInThroughProvider(stack.app.url, { returnTo: '/profile' });
    expect(visited.some((u) => u.startsWith(`${stack.idp.issuer}/interaction/`))).toBe(true);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${stack.app.url}/profile`);
    expect(await session(stack, appJar)).toMatchObject({ status: 'authenticated', user: { id: 'u-1001', email: 'demo@example.com', name: 'Demo User' } });
    // The backend found its own user by the e-mail in the provider's token.
    const me = await getJson(`${stack.app.url}/api/backend/auth/me`, { cookie: appJar });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: '1', email: 'demo@example.com', name: 'Demo User' });
    // The server-rendered profile page shows backend data.
    const page = await fetch(`${stack.app.url}/profile`, { headers: { cookie: appJar.header() } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toMatch(/data-testid="profile-email"[^>]*>demo@example.com</);
  });

  it('keeps the ID, access and refresh tokens in cookies the browser accepts (chunked when needed)', async () => {
    const { response } = await signInThroughProvider(stack.app.url);
    const session = setCookies(response).filter((c) => c.name === 'bffkit' || /^bffkit\.\d+$/.test(c.name));
    expect(session.length).toBeGreaterThan(0);
    for (const c of session) expect(c.name.length + c.value.length).toBeLessThan(4000);
    // Nothing but sealed values: no token text in any cookie.
    for (const c of session) expect(c.value).not.toMatch(/eyJ/);
  });

  it('makes exactly one token-endpoint refresh for 50 concurrent requests after the access token expired', async () => {
    const { appJar } = await signInThroughProvider(stack.app.url);
    await sleep((TTL + 0.5) * 1000);
    await stack.idp.resetStats();
    await stack.backend.resetStats();
    const cookie = appJar.header();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => fetch(`${stack.app.url}/api/backend/notes`, { headers: { cookie, accept: 'application/json' } })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    const stats = await stack.idp.stats();
    expect(stats.refresh_token).toBe(1);
    expect(stats.refresh_token_reuse).toBe(0);
    expect(stats.grant_errors).toBe(0);
    // bffkit never sent an expired token to the backend.
    expect((await stack.backend.stats()).expired_token_requests).toBe(0);

    // The rotated refresh token works for the next refresh (no loser of the race presented the old one).
    appJar.store(answers[0]!);
    await sleep((TTL + 0.5) * 1000);
    const next = await getJson(`${stack.app.url}/api/backend/notes`, { cookie: appJar });
    expect(next.status).toBe(200);
    const after = await stack.idp.stats();
    expect(after.refresh_token).toBe(2);
    expect(after.refresh_token_reuse).toBe(0);
  });

  it('RP-initiated logout ends both sessions: the app session, then the provider session, with the grant revoked', async () => {
    const { appJar, idpJar } = await signInThroughProvider(stack.app.url);
    // While the provider session lives, a new sign-in needs no password (single sign-on).
    const sso = await walkProvider(`${stack.app.url}/api/auth/oidc/login`, { appOrigin: stack.app.url, appJar: cookieJar(), idpJar, stopAt: (u) => u.origin === stack.app.url && u.pathname !== '/api/auth/oidc/login' && u.pathname !== '/api/auth/oidc/callback' });
    expect(sso.visited.at(-1)).toContain('/api/auth/oidc/callback');
    await stack.idp.resetStats();
    const oldCookie = appJar.header();

    const res = await jsonPost(`${stack.app.url}/api/auth/logout`, {}, { cookie: appJar });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; redirectTo: string };
    expect(body.status).toBe('unauthenticated');
    const end = new URL(body.redirectTo);
    expect(end.origin + end.pathname).toBe(`${stack.idp.issuer}/session/end`);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${stack.app.url}/`);
    expect(end.searchParams.get('client_id')).toBe('bffkit-example');
    expect(end.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
    expect(await session(stack, cookieJar())).toEqual({ status: 'unauthenticated' });
    const replay = await fetch(`${stack.app.url}/api/auth/session`, { headers: { cookie: oldCookie } });
    expect(await replay.json()).toEqual({ status: 'unauthenticated' });
    expect((await stack.idp.stats()).grants_revoked).toBeGreaterThanOrEqual(1);

    const done = await signOutAtProvider(body.redirectTo, idpJar);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${stack.app.url}/`);
    // The provider session is gone: signing in again shows its login page.
    const again = await walkProvider(`${stack.app.url}/api/auth/oidc/login`, { appOrigin: stack.app.url, appJar: cookieJar(), idpJar });
    expect(again.response.status).toBe(200);
    expect(await again.response.text()).toContain('data-testid="idp-login-form"');
  });

  it('answers a form logout with a 303 to the provider', async () => {
    const { appJar } = await signInThroughProvider(stack.app.url);
    const res = await fetch(`${stack.app.url}/api/auth/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: appJar.header(), 'content-type': 'application/x-www-form-urlencoded', origin: stack.app.url },
      body: '',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${stack.idp.issuer}/session/end\\?`));
  });

  it('cookie mode: the back-channel call is answered 501, and the session ends at its next refresh (grant revoked)', async () => {
    const { appJar, idpJar } = await signInThroughProvider(stack.app.url);
    await stack.idp.resetStats();
    await signOutAtProvider(`${stack.idp.issuer}/session/end`, idpJar);
    const stats = await stack.idp.stats();
    expect(stats.backchannel_error).toBe(1);
    expect(stats.last_backchannel_error).toContain('501');
    // Documented: a stateless cookie cannot be ended from the server; it lives until the next refresh.
    expect(await session(stack, appJar)).toMatchObject({ status: 'authenticated' });
    await sleep((TTL + 0.5) * 1000);
    const ended = await getJson(`${stack.app.url}/api/backend/notes`, { cookie: appJar });
    expect(ended.status).toBe(401);
    expect(((await ended.json()) as { code: string }).code).toBe('session_expired');
  });

  it('sends a cancelled sign-in back to the login page with a fixed error code', async () => {
    const appJar = cookieJar();
    const idpJar = cookieJar();
    const login = await walkProvider(`${stack.app.url}/api/auth/oidc/login?returnTo=%2Fnotes`, { appOrigin: stack.app.url, appJar, idpJar });
    const uid = /action="\/interaction\/([^/"]+)\/abort"/.exec(await login.response.text())![1];
    const cancel = await fetch(`${stack.idp.issuer}/interaction/${uid}/abort`, { method: 'POST', redirect: 'manual', headers: { cookie: idpJar.header() } });
    idpJar.store(cancel);
    const back = await walkProvider(new URL(cancel.headers.get('location')!, stack.idp.issuer).href, {
      appOrigin: stack.app.url,
      appJar,
      idpJar,
      stopAt: (u) => u.pathname === '/login',
    });
    expect(back.response.status).toBe(303);
    expect(back.response.headers.get('location')).toBe(`${stack.app.url}/login?error=access_denied&returnTo=%2Fnotes`);
    expect(await session(stack, appJar)).toEqual({ status: 'unauthenticated' });
  });
});

describe('OIDC with a real provider, sessions in Redis', () => {
  let stack: OidcStack;
  beforeAll(async () => {
    stack = await startOidcStack({ redisSessions: true });
  });
  afterAll(() => stack?.stop());

  it("a back-channel logout token from the provider ends the app session on the next request, and only that user's", async () => {
    const demo = await signInThroughProvider(stack.app.url);
    const second = await signInThroughProvider(stack.app.url, { email: 'second@example.com', password: 'second-password' });
    expect(await session(stack, demo.appJar)).toMatchObject({ status: 'authenticated', user: { id: 'u-1001' } });
    await stack.idp.resetStats();

    // The user signs out at the provider itself (not through the app).
    await signOutAtProvider(`${stack.idp.issuer}/session/end`, demo.idpJar);
    expect(await stack.idp.stats()).toMatchObject({ backchannel_success: 1, backchannel_error: 0 });

    expect(await session(stack, demo.appJar)).toEqual({ status: 'unauthenticated' });
    const api = await getJson(`${stack.app.url}/api/backend/notes`, { cookie: demo.appJar });
    expect(api.status).toBe(401);
    expect(await session(stack, second.appJar)).toMatchObject({ status: 'authenticated', user: { id: 'u-1002' } });
  });

  it('ends only the session the provider names when the user signed in from two browsers', async () => {
    const first = await signInThroughProvider(stack.app.url);
    const other = await signInThroughProvider(stack.app.url); // another browser: another provider session (sid)
    await signOutAtProvider(`${stack.idp.issuer}/session/end`, first.idpJar);
    expect(await session(stack, first.appJar)).toEqual({ status: 'unauthenticated' });
    expect(await session(stack, other.appJar)).toMatchObject({ status: 'authenticated', user: { id: 'u-1001' } });
  });

  it('RP-initiated logout deletes the stored session; the provider back-channel call afterwards is answered 200', async () => {
    const { appJar, idpJar } = await signInThroughProvider(stack.app.url);
    const oldCookie = appJar.header();
    const res = await jsonPost(`${stack.app.url}/api/auth/logout`, {}, { cookie: appJar });
    const { redirectTo } = (await res.json()) as { redirectTo: string };
    const replay = await fetch(`${stack.app.url}/api/auth/session`, { headers: { cookie: oldCookie } });
    expect(await replay.json()).toEqual({ status: 'unauthenticated' });
    await stack.idp.resetStats();
    const done = await signOutAtProvider(redirectTo, idpJar);
    expect(done.headers.get('location')).toBe(`${stack.app.url}/`);
    expect(await stack.idp.stats()).toMatchObject({ backchannel_success: 1, backchannel_error: 0, end_sessions: 1 });
  });
});
