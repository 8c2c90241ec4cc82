/**
 * bffkit as a FAPI 2.0 client (issue 18), against the example provider in its FAPI 2.0 profile
 * (PAR required, private_key_jwt, DPoP-bound tokens, DPoP nonce at the token endpoint, `iss` in the
 * callback) and the example backend as a DPoP resource server, each its own process; bffkit's core
 * in-process (the example app in Chromium: tests/e2e/fapi.test.ts). Sign-in, forwarded calls and
 * server-side fetches with DPoP, the resource server's nonce retried once, a refresh storm with one
 * refresh, logout.
 */
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash, type RunningBackend } from '../support/backend-process';
import { clientOptions, CORE_SECRET, freePort, notesUpstream, providerFor, startCore, type CoreStack } from '../support/core-stack';
import { jsonPost, type CookieJar } from '../support/http';
import { OIDC_API_RESOURCE, signInThroughProvider, startResourceServer, type OidcProviderProcess } from '../support/oidc-process';
import { sessionInJar } from '../support/session-cookie';

const TTL = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const sessionIn = (jar: CookieJar) => sessionInJar(jar, CORE_SECRET);

let idp: OidcProviderProcess;
let api: RunningBackend;
let core: CoreStack;

beforeAll(async () => {
  const port = await freePort();
  idp = await providerFor(port, { profile: 'fapi2', accessTokenTtl: TTL });
  api = await startResourceServer(idp);
  core = await startCore(port, clientOptions(idp, { profile: 'fapi2' }), { api: notesUpstream(api) });
});
afterAll(async () => {
  await core?.stop();
  await api?.stop();
  await idp?.stop();
});

describe('bffkit under FAPI 2.0: sign-in', () => {
  it('verifies the provider at start-up: PAR, private_key_jwt, DPoP and iss are all offered', async () => {
    await expect(core.bff.verify()).resolves.toBeUndefined();
  });

  it('signs in with PAR (only client_id and request_uri in the browser), private_key_jwt and a DPoP key of the session', async () => {
    await idp.resetStats();
    const { response, appJar, visited } = await signInThroughProvider(core.url);
    expect(response.status).toBe(303);
    const authorize = new URL(visited[1]!);
    expect([...authorize.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const callback = new URL(visited.find((u) => u.includes('/oidc/callback'))!);
    expect(callback.searchParams.get('iss')).toBe(idp.issuer);
    expect(await idp.stats()).toMatchObject({ pushed_authorization_requests: 1, authorization_code: 1, grant_errors: 0 });

    const session = sessionIn(appJar)!;
    expect(session.tokens.tokenType).toBe('DPoP');
    expect(session.dpopKey).toMatchObject({ alg: 'ES256', x: expect.any(String), y: expect.any(String), d: expect.any(String) });
    // The access token is bound to the session's key (cnf.jkt = its thumbprint).
    const jkt = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: session.dpopKey!.x, y: session.dpopKey!.y });
    expect(decodeJwt(session.tokens.accessToken)).toMatchObject({ aud: OIDC_API_RESOURCE, cnf: { jkt } });
    // The browser's view: no token, no key; the sign-in level is there.
    const view = await (await fetch(`${core.url}/api/auth/session`, { headers: { cookie: appJar.header() } })).json();
    expect(JSON.stringify(view)).not.toContain(session.dpopKey!.d);
    expect(JSON.stringify(view)).not.toContain(session.tokens.accessToken);
    expect(view).toMatchObject({ status: 'authenticated', user: { id: 'u-1001', email: 'demo@example.com' } });
  });

  it('gives every session its own DPoP key', async () => {
    const [a, b] = await Promise.all([signInThroughProvider(core.url), signInThroughProvider(core.url)]);
    expect(sessionIn(a.appJar)!.dpopKey!.x).not.toBe(sessionIn(b.appJar)!.dpopKey!.x);
  });
});

describe('bffkit under FAPI 2.0: calls with DPoP', () => {
  let jar: CookieJar;
  beforeAll(async () => {
    jar = (await signInThroughProvider(core.url)).appJar;
  });

  it('forwards a browser call with Authorization: DPoP and a proof the resource server accepts', async () => {
    await api.resetStats();
    const res = await fetch(`${core.url}/api/backend/notes`, { headers: { cookie: jar.header() } });
    jar.store(res);
    expect(res.status).toBe(200);
    const token = sessionIn(jar)!.tokens.accessToken;
    const stats = await api.stats();
    expect(stats).toMatchObject({ dpop_requests: 1, dpop_rejections: 0 });
    expect(stats.received_tokens).toEqual([expect.objectContaining({ sha256: tokenHash(token), scheme: 'DPoP', path: '/notes', accepted: true })]);
    // The proof is sent upstream only; nothing of it comes back to the browser.
    expect(res.headers.get('dpop-nonce')).toBeNull();
  });

  it('fetches from the server (fetchBackend) with DPoP too, a fresh proof per call', async () => {
    await api.resetStats();
    for (let i = 0; i < 3; i++) {
      const { response } = await core.bff.fetchBackend(jar.header(), 'api', '/auth/me');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ email: 'demo@example.com' });
    }
    // Three proofs, each with its own jti: none refused as a replay.
    expect(await api.stats()).toMatchObject({ dpop_requests: 3, dpop_rejections: 0 });
  });

  it('refreshes with DPoP under a storm: 20 concurrent calls after expiry cause one refresh, all succeed with a bound token', async () => {
    const { appJar } = await signInThroughProvider(core.url);
    const before = sessionIn(appJar)!;
    await sleep((TTL - 0.5) * 1000);
    await idp.resetStats();
    await api.resetStats();
    const cookie = appJar.header();
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${core.url}/api/backend/notes`, { headers: { cookie } })));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await idp.stats()).toMatchObject({ refresh_token: 1, grant_errors: 0 });
    appJar.store(answers[0]!);
    const after = sessionIn(appJar)!;
    expect(after.tokens.accessToken).not.toBe(before.tokens.accessToken);
    expect(after.dpopKey).toEqual(before.dpopKey);
    expect(after.tokens.tokenType).toBe('DPoP');
    expect(after.tokens.refreshToken).toBe(before.tokens.refreshToken); // FAPI 2.0: no rotation
    const stats = await api.stats();
    expect(stats.expired_token_requests).toBe(0);
    expect(stats).toMatchObject({ dpop_requests: 20, dpop_rejections: 0 });
    // And the next round refreshes again (a non-rotating provider: the old successor record is not reused).
    await sleep((TTL - 0.5) * 1000);
    await idp.resetStats();
    const next = await fetch(`${core.url}/api/backend/notes`, { headers: { cookie: appJar.header() } });
    expect(next.status).toBe(200);
    expect((await idp.stats()).refresh_token).toBe(1);
  });

  it('logs out: the grant is revoked, the cookie cleared, a replayed cookie is anonymous', async () => {
    const { appJar } = await signInThroughProvider(core.url);
    const old = appJar.header();
    await idp.resetStats();
    const res = await jsonPost(`${core.url}/api/auth/logout`, {}, { cookie: appJar });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { redirectTo: string }).redirectTo).toContain(`${idp.issuer}/session/end`);
    expect((await idp.stats()).grants_revoked).toBe(1);
    const replay = await fetch(`${core.url}/api/backend/notes`, { headers: { cookie: old } });
    expect(replay.status).toBe(401);
  });
});

describe('bffkit under FAPI 2.0: the resource server demands DPoP nonces (DPOP_NONCE=1)', () => {
  let strict: RunningBackend;
  let strictCore: CoreStack;
  let jar: CookieJar;
  beforeAll(async () => {
    strict = await startResourceServer(idp, { dpopNonce: true });
    // A second core in front of the strict API; it opens the first core's sessions (same secret and
    // cookie name), so the sign-in goes through the first core, whose URL the provider has registered.
    strictCore = await startCore(await freePort(), clientOptions(idp, { profile: 'fapi2' }), { api: notesUpstream(strict) });
    jar = (await signInThroughProvider(core.url)).appJar;
  });
  afterAll(async () => {
    await strictCore?.stop();
    await strict?.stop();
  });

  it('retries once with the nonce the resource server gave, then uses it without being refused again', async () => {
    await strict.resetStats();
    const first = await fetch(`${strictCore.url}/api/backend/notes`, { headers: { cookie: jar.header() } });
    expect(first.status).toBe(200);
    expect(await strict.stats()).toMatchObject({ dpop_requests: 1, dpop_rejections: 1 });
    const second = await fetch(`${strictCore.url}/api/backend/auth/me`, { headers: { cookie: jar.header() } });
    expect(second.status).toBe(200);
    // The handle kept the nonce: no second refusal.
    expect(await strict.stats()).toMatchObject({ dpop_requests: 2, dpop_rejections: 1 });
  });
});
