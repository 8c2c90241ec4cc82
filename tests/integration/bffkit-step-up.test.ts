/**
 * Step-up (RFC 9470, issue 19) through bffkit's core, over HTTP: the example provider with two
 * levels (`acr_values`, the one-time code) and the example API's `POST /payments`, which answers a
 * password-level token with `insufficient_user_authentication`. bffkit turns that into
 * `step_up_required`, the step-up sign-in comes back with the stronger level recorded in the session,
 * and the retried call succeeds. (In Chromium, with the example app: tests/e2e/step-up.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBackend } from '../support/backend-process';
import { clientOptions, CORE_SECRET, freePort, notesUpstream, providerFor, startCore, type CoreStack } from '../support/core-stack';
import { jsonPost, type CookieJar } from '../support/http';
import { OIDC_ACR, OIDC_OTP_CODE, signInThroughProvider, startResourceServer, walkProvider, type OidcProviderProcess } from '../support/oidc-process';
import { sessionInJar } from '../support/session-cookie';

let idp: OidcProviderProcess;
let api: RunningBackend;
let core: CoreStack;

beforeAll(async () => {
  const port = await freePort();
  idp = await providerFor(port, { stepUp: true });
  api = await startResourceServer(idp);
  core = await startCore(port, clientOptions(idp), { api: notesUpstream(api) });
});
afterAll(async () => {
  await core?.stop();
  await api?.stop();
  await idp?.stop();
});

const pay = (jar: CookieJar) => jsonPost(`${core.url}/api/backend/payments`, { to: 'ACME Ltd', amount: 4200 }, { cookie: jar });

/** Follows a step-up start URL through the provider (single sign-on: the code only) back to the app. */
async function stepUp(start: string, appJar: CookieJar, idpJar: CookieJar): Promise<{ response: Response; visited: string[] }> {
  let done = false;
  return walkProvider(new URL(start, core.url).href, {
    appOrigin: core.url,
    appJar,
    idpJar,
    otp: OIDC_OTP_CODE,
    stopAt: (next) => {
      if (done) return true;
      if (next.pathname === '/api/auth/oidc/callback') done = true;
      return false;
    },
  });
}

describe('step-up through bffkit', () => {
  it('records the level of the sign-in from the validated ID token: acr, amr, auth_time', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { appJar } = await signInThroughProvider(core.url);
    const session = sessionInJar(appJar, CORE_SECRET)!;
    expect(session.auth).toEqual({ acr: OIDC_ACR.pwd, amr: ['pwd'], authTime: expect.any(Number) });
    expect(session.auth!.authTime).toBeGreaterThanOrEqual(before - 1);
    const view = await (await fetch(`${core.url}/api/auth/session`, { headers: { cookie: appJar.header() } })).json();
    expect(view.auth).toEqual(session.auth);
  });

  it('turns the API\'s insufficient_user_authentication into step_up_required, keeping the session and not refreshing', async () => {
    const { appJar } = await signInThroughProvider(core.url);
    await idp.resetStats();
    await api.resetStats();
    const res = await pay(appJar);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'step_up_required', message: expect.any(String), acrValues: [OIDC_ACR.mfa], maxAge: 300, signIn: 'redirect' });
    // The upstream's challenge header and body are not relayed; no cookie changes; no refresh was tried.
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect((await idp.stats()).refresh_token).toBe(0);
    expect((await api.stats()).step_up_challenges).toBe(1);
    // The session is intact: ordinary calls still work.
    expect((await fetch(`${core.url}/api/backend/notes`, { headers: { cookie: appJar.header() } })).status).toBe(200);
  });

  it('steps up with the one-time code only, records mfa, returns to where the user was, and the retried call succeeds', async () => {
    const { appJar, idpJar } = await signInThroughProvider(core.url);
    const first = sessionInJar(appJar, CORE_SECRET)!;
    const challenge = (await (await pay(appJar)).json()) as { acrValues: string[]; maxAge: number };
    const check = await core.bff.checkAuth(appJar.header(), { acr: challenge.acrValues, maxAge: challenge.maxAge }, '/payments?draft=1');
    expect(check).toEqual({ ok: false, reason: 'step_up_required', location: `/api/auth/oidc/login?acr_values=${encodeURIComponent(OIDC_ACR.mfa)}&max_age=300&returnTo=${encodeURIComponent('/payments?draft=1')}` });
    if (check.ok) throw new Error('unreachable');

    await idp.resetStats();
    const { response, visited } = await stepUp(check.location, appJar, idpJar);
    // The provider asked for the second factor only (single sign-on), then the app sent the user back.
    expect(visited.some((u) => u.endsWith('/otp'))).toBe(true);
    expect(visited.some((u) => u.endsWith('/login') && !u.includes('/api/auth/'))).toBe(false);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${core.url}/payments?draft=1`);
    expect((await idp.stats()).pushed_authorization_requests).toBe(1); // PAR, because the provider advertises it

    const stepped = sessionInJar(appJar, CORE_SECRET)!;
    expect(stepped.id).not.toBe(first.id); // a fresh session, as after every sign-in
    expect(stepped.user.id).toBe(first.user.id);
    expect(stepped.auth).toMatchObject({ acr: OIDC_ACR.mfa, amr: ['pwd', 'otp', 'mfa'] });
    expect(await core.bff.checkAuth(appJar.header(), { acr: OIDC_ACR.mfa, maxAge: 300 }, '/payments')).toMatchObject({ ok: true });

    const retried = await pay(appJar);
    expect(retried.status).toBe(201);
    // The replaced session's refresh token was not revoked: the provider shares one grant between the
    // user's two sign-ins, and revoking it would have killed the stepped-up session too.
    expect((await idp.stats()).grants_revoked).toBe(0);
    expect((await core.bff.loadSession(appJar.header(), 'never')).kind).toBe('active');
    expect(await retried.json()).toMatchObject({ to: 'ACME Ltd', amount: 4200, status: 'accepted', acr: OIDC_ACR.mfa });
  });

  it('answers checkAuth without a session with the login page, and a step-up return URL is validated like returnTo', async () => {
    expect(await core.bff.checkAuth(null, { maxAge: 60 }, '/payments')).toEqual({ ok: false, reason: 'unauthenticated', location: '/login?returnTo=%2Fpayments' });
    const { appJar } = await signInThroughProvider(core.url);
    const evil = await core.bff.checkAuth(appJar.header(), { acr: OIDC_ACR.mfa }, '//evil.example/x');
    expect(evil).toMatchObject({ ok: false, location: expect.stringMatching(/&returnTo=%2F$/) });
  });
});

describe('step-up for a credentials backend: a configured equivalent and re-authentication with the password', () => {
  let backend: RunningBackend;
  let sensitive: import('node:http').Server;
  let server: import('../support/oidc-process').CoreServer;
  let url: string;
  const seen: string[] = [];

  beforeAll(async () => {
    const { startBackend } = await import('../support/backend-process');
    const { createServer } = await import('node:http');
    const { createBff, credentialsBackend } = await import('../../packages/bffkit/src/index');
    const { serveCore } = await import('../support/oidc-process');
    backend = await startBackend();
    // A sensitive API of the app's own: it wants a re-authentication for the first token it sees,
    // and answers in its own words (no RFC 9470), as many backends do.
    sensitive = createServer((req, res) => {
      const token = req.headers.authorization ?? '';
      if (!seen.includes(token)) seen.push(token);
      const first = seen.indexOf(token) === 0;
      res.writeHead(first ? 403 : 200, { 'content-type': 'application/json' });
      res.end(first ? '{"code":"reauth_required","max_age":60}' : '{"ok":true}');
    });
    await new Promise<void>((r) => sensitive.listen(0, '127.0.0.1', r));
    const port = await freePort();
    url = `http://localhost:${port}`;
    const address = sensitive.address() as import('node:net').AddressInfo;
    const bff = createBff({
      secret: CORE_SECRET,
      baseUrl: url,
      backend: credentialsBackend({ url: backend.url }),
      upstreams: { sensitive: { url: `http://127.0.0.1:${address.port}`, mount: '/api/sensitive', allow: [{ path: '/transfer', methods: ['POST'] }], stepUp: { status: 403, code: 'reauth_required' } } },
      logger: { info() {}, warn() {}, error() {} },
    });
    server = await serveCore((r) => (new URL(r.url).pathname.startsWith('/api/sensitive') ? bff.forward(r, 'sensitive') : bff.handleAuth(r)), port);
  });
  afterAll(async () => {
    await server?.close();
    await new Promise<void>((r) => (sensitive ? sensitive.close(() => r()) : r()));
    await backend?.stop();
  });

  it('answers step_up_required with signIn "form"; a new sign-in with the password, then the retried call succeeds', async () => {
    const { cookieJar: jarOf } = await import('../support/http');
    const jar = jarOf();
    const login = () => jsonPost(`${url}/api/auth/login`, { email: 'demo@example.com', password: 'demo-password' }, { cookie: jar });
    jar.store(await login());
    const transfer = () => jsonPost(`${url}/api/sensitive/transfer`, { amount: 1 }, { cookie: jar });
    const refused = await transfer();
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ code: 'step_up_required', message: expect.any(String), acrValues: [], maxAge: 60, signIn: 'form' });
    // The session is kept (no sign-out), and the recorded sign-in time is what a maxAge requirement reads.
    const before = sessionInJar(jar, CORE_SECRET)!;
    expect(before.auth).toEqual({ amr: ['pwd'], authTime: expect.any(Number) });
    // Re-authentication: the login form again (useStepUp().reauthenticate does this), then the retry.
    jar.store(await login());
    expect(sessionInJar(jar, CORE_SECRET)!.id).not.toBe(before.id);
    const retried = await transfer();
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual({ ok: true });
  });
});
