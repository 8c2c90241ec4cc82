/**
 * Attacks on step-up and per-upstream tokens (issue 19), against real processes (the example
 * provider, the example backend in its roles, a fake provider for what a certified one never does)
 * and bffkit's core in-process:
 * - a step-up return URL is validated like returnTo (the whole corpus, over HTTP);
 * - a forged `acr` from an unverified source (userinfo, the access token, a tampered cookie, an ID
 *   token not signed by the provider) never satisfies a requirement;
 * - an upstream never receives another upstream's token, whatever the browser sends.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import corpusJson from '../../packages/bffkit/src/core/http/fixtures/return-to-corpus.json';
import { safeReturnTo } from '../../packages/bffkit/src/core/http/return-to';
import { deriveKeyRing } from '../../packages/bffkit/src/core/crypto/keys';
import { unsealJson } from '../../packages/bffkit/src/core/crypto/seal';
import { createBff } from '../../packages/bffkit/src/index';
import { oidcBackend } from '../../packages/bffkit/src/core/backends/oidc/backend';
import { tokenHash, type RunningBackend } from '../support/backend-process';
import { billingUpstream, clientOptions, CORE_SECRET, freePort, notesUpstream, providerFor, startCore, type CoreStack } from '../support/core-stack';
import { startFakeOidc, type FakeOidc } from '../support/fake-oidc';
import { cookieJar, setCookies, type CookieJar } from '../support/http';
import { OIDC_ACR, OIDC_API_RESOURCE, OIDC_BILLING_RESOURCE, OIDC_OTP_CODE, signInThroughProvider, startResourceServer, walkProvider, type OidcProviderProcess } from '../support/oidc-process';
import { serveCore, type CoreServer } from '../support/oidc-process';
import { sessionInJar } from '../support/session-cookie';
import { item } from './items';

const MFA = OIDC_ACR.mfa;

describe(`${item(17)}: the step-up return URL`, () => {
  let idp: OidcProviderProcess;
  let core: CoreStack;
  beforeAll(async () => {
    const port = await freePort();
    idp = await providerFor(port, { stepUp: true });
    core = await startCore(port, clientOptions(idp), {});
  });
  afterAll(async () => {
    await core?.stop();
    await idp?.stop();
  });

  const ring = deriveKeyRing([CORE_SECRET], 'transaction');
  const cases = corpusJson as { input: string; safe: boolean; expected?: string }[];

  it(`keeps only same-origin paths in the step-up transaction, for all ${cases.length} corpus entries (GET query and JSON body)`, async () => {
    for (const { input } of cases) {
      const query = new URLSearchParams({ acr_values: MFA, max_age: '300', returnTo: input });
      const viaGet = await fetch(`${core.url}/api/auth/oidc/login?${query}`, { redirect: 'manual' });
      const viaJson = await fetch(`${core.url}/api/auth/oidc/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json', 'x-csrf': '1', origin: core.url }, body: JSON.stringify({ acrValues: [MFA], maxAge: 300, returnTo: input }) });
      for (const res of [viaGet, viaJson]) {
        expect([303, 200], input).toContain(res.status);
        const tx = setCookies(res).find((c) => c.name === 'bffkit-tx')!;
        const wire = unsealJson<{ r: string }>(ring, tx.value)!;
        expect(wire.r, input).toBe(safeReturnTo(input, '/'));
      }
    }
  });

  it('a step-up started with an evil returnTo ends, after the stronger sign-in, on the default path', async () => {
    const { appJar, idpJar } = await signInThroughProvider(core.url);
    let landed: URL | undefined;
    let back = false;
    await walkProvider(`${core.url}/api/auth/oidc/login?${new URLSearchParams({ acr_values: MFA, returnTo: '/\\evil.example/x' })}`, {
      appOrigin: core.url,
      appJar,
      idpJar,
      otp: OIDC_OTP_CODE,
      stopAt: (u) => {
        if (back) return ((landed = u), true);
        if (u.pathname === '/api/auth/oidc/callback') back = true;
        return false;
      },
    });
    expect(landed?.href).toBe(`${core.url}/`);
    expect(sessionInJar(appJar, CORE_SECRET)?.auth?.acr).toBe(MFA);
  });

  it('checkAuth and stepUpLocation never build a location off the app', async () => {
    for (const { input } of cases) {
      const location = core.bff.stepUpLocation({ acrValues: [MFA], maxAge: 60 }, input);
      expect(new URL(location, core.url).origin).toBe(core.url);
      const returnTo = new URL(location, core.url).searchParams.get('returnTo')!;
      expect(returnTo).toBe(safeReturnTo(input, '/'));
    }
  });
});

describe('a forged acr from an unverified source never satisfies a requirement', () => {
  let fake: FakeOidc;
  let server: CoreServer;
  let bff: ReturnType<typeof createBff>;
  let url: string;

  beforeAll(async () => {
    fake = await startFakeOidc();
    const port = await freePort();
    url = `http://localhost:${port}`;
    bff = createBff({
      secret: CORE_SECRET,
      baseUrl: url,
      // With userinfo on, the display user merges userinfo claims: the level must still come from the ID token only.
      backend: oidcBackend({ issuer: fake.issuer, clientId: fake.clientId, clientSecret: fake.clientSecret, userinfo: true }),
      logger: { info() {}, warn() {}, error() {} },
    });
    server = await serveCore((r) => bff.handleAuth(r), port);
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  async function signIn(recipe: Parameters<FakeOidc['authorize']>[1]): Promise<{ res: Response; jar: CookieJar }> {
    const jar = cookieJar();
    const start = await fetch(`${url}/api/auth/oidc/login`, { redirect: 'manual' });
    jar.store(start);
    const callback = fake.authorize(start.headers.get('location')!, recipe);
    const res = await fetch(callback, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(res);
    return { res, jar };
  }

  it('userinfo and the access token claiming mfa: the session keeps the ID token\'s level, and the requirement sends the user to step up', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forgedAccess = await new SignJWT({ acr: MFA, amr: ['mfa'], auth_time: now }).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
    const { res, jar } = await signIn({ claims: { acr: OIDC_ACR.pwd, amr: ['pwd'], auth_time: now - 10 }, userinfo: { acr: MFA, amr: ['mfa'], auth_time: now }, accessToken: forgedAccess });
    expect(res.status).toBe(303);
    const session = sessionInJar(jar, CORE_SECRET)!;
    expect(session.auth).toEqual({ acr: OIDC_ACR.pwd, amr: ['pwd'], authTime: now - 10 });
    expect(await bff.checkAuth(jar.header(), { acr: MFA }, '/pay')).toMatchObject({ ok: false, reason: 'step_up_required' });
    expect(await bff.checkAuth(jar.header(), { acr: OIDC_ACR.pwd }, '/pay')).toMatchObject({ ok: true });
  });

  it('no acr in the ID token: no level at all (an unknown level fails every acr and maxAge requirement)', async () => {
    const { jar } = await signIn({ userinfo: { acr: MFA, auth_time: Math.floor(Date.now() / 1000) } });
    expect(sessionInJar(jar, CORE_SECRET)!.auth).toBeUndefined();
    expect(await bff.checkAuth(jar.header(), { acr: MFA }, '/')).toMatchObject({ ok: false });
    expect(await bff.checkAuth(jar.header(), { maxAge: 3600 }, '/')).toMatchObject({ ok: false });
  });

  it('an ID token claiming mfa but not signed by the provider (foreign key, alg none) starts no session', async () => {
    for (const signing of ['foreign', 'none'] as const) {
      const { res, jar } = await signIn({ claims: { acr: MFA, auth_time: Math.floor(Date.now() / 1000) }, signing });
      expect(res.status, signing).toBe(400);
      expect(sessionInJar(jar, CORE_SECRET), signing).toBeNull();
    }
  });

  it('a session cookie edited to claim mfa is no session at all', async () => {
    const { jar } = await signIn({ claims: { acr: OIDC_ACR.pwd } });
    const value = jar.get('bffkit')!;
    for (let i = 10; i < value.length; i += Math.ceil(value.length / 25)) {
      const flipped = value.slice(0, i) + (value[i] === 'A' ? 'B' : 'A') + value.slice(i + 1);
      expect(await bff.checkAuth(`bffkit=${flipped}`, { acr: OIDC_ACR.pwd }, '/')).toMatchObject({ ok: false, reason: 'unauthenticated' });
    }
  });
});

describe('an upstream never receives another upstream\'s token', () => {
  let idp: OidcProviderProcess;
  let api: RunningBackend;
  let billing: RunningBackend;
  let core: CoreStack;
  beforeAll(async () => {
    const port = await freePort();
    idp = await providerFor(port, { billing: true, accessTokenTtl: 30 });
    [api, billing] = await Promise.all([startResourceServer(idp), startResourceServer(idp, { role: 'billing' })]);
    core = await startCore(port, clientOptions(idp, { resource: [OIDC_API_RESOURCE, OIDC_BILLING_RESOURCE] }), {
      api: notesUpstream(api),
      billing: billingUpstream(billing, { token: { resource: OIDC_BILLING_RESOURCE } }),
    });
  });
  afterAll(async () => {
    await core?.stop();
    await Promise.all([api?.stop(), billing?.stop()]);
    await idp?.stop();
  });

  it('whatever the browser sends (another API\'s token, an Authorization header, path tricks), each API receives only its own token', async () => {
    const { appJar } = await signInThroughProvider(core.url);
    await Promise.all([api.resetStats(), billing.resetStats()]);
    const first = await fetch(`${core.url}/api/billing/invoices`, { headers: { cookie: appJar.header() } });
    expect(first.status).toBe(200);
    appJar.store(first);
    const session = sessionInJar(appJar, CORE_SECRET)!;
    const own = session.tokens.accessToken;
    const billingToken = session.upstreamTokens?.[`r:${OIDC_BILLING_RESOURCE}`]?.accessToken;
    expect(billingToken).toBeTruthy();
    const attempts: [string, Record<string, string>][] = [
      ['/api/backend/notes', { authorization: `Bearer ${billingToken}` }],
      ['/api/billing/invoices', { authorization: `Bearer ${own}` }],
      ['/api/billing/invoices', { dpop: 'x', 'x-forwarded-authorization': `Bearer ${own}` }],
      ['/api/billing/..%2f..%2fapi/backend/notes', {}],
      ['/api/billing/invoices/..%2f..%2fnotes', {}],
    ];
    for (const [path, headers] of attempts) {
      await fetch(`${core.url}${path}`, { headers: { cookie: appJar.header(), ...headers } });
    }
    const atApi = (await api.stats()).received_tokens.map((t) => t.sha256);
    const atBilling = (await billing.stats()).received_tokens.map((t) => t.sha256);
    expect(atApi.length).toBeGreaterThan(0);
    expect(atBilling.length).toBeGreaterThan(0);
    expect(new Set(atApi)).toEqual(new Set([tokenHash(own)]));
    expect(new Set(atBilling)).toEqual(new Set([tokenHash(billingToken!)]));
  });

  it('after the billing API refuses its token, the retry gets a new billing token, never the session\'s', async () => {
    const { appJar } = await signInThroughProvider(core.url);
    const first = await fetch(`${core.url}/api/billing/invoices`, { headers: { cookie: appJar.header() } });
    expect(first.status).toBe(200);
    appJar.store(first);
    // A session whose cached billing token the billing API refuses (as if revoked): bffkit gets a fresh one.
    const session = sessionInJar(appJar, CORE_SECRET)!;
    const { encodeSession } = await import('../../packages/bffkit/src/core/session/codec');
    const { seal } = await import('../../packages/bffkit/src/core/crypto/seal');
    const broken = { ...session, upstreamTokens: { [`r:${OIDC_BILLING_RESOURCE}`]: { ...session.upstreamTokens![`r:${OIDC_BILLING_RESOURCE}`]!, accessToken: 'revoked.token.value' } } };
    const cookie = `bffkit=${seal(deriveKeyRing([CORE_SECRET], 'session'), encodeSession(broken))}`;
    await billing.resetStats();
    const res = await fetch(`${core.url}/api/billing/invoices`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const received = (await billing.stats()).received_tokens;
    expect(received.map((t) => t.accepted)).toEqual([false, true]);
    expect(received.map((t) => t.sha256)).not.toContain(tokenHash(session.tokens.accessToken));
  });
});
