/**
 * Attacks on bffkit as a FAPI 2.0 client (issue 18), against real processes: the example provider in
 * its FAPI 2.0 profile, the example backend as the DPoP resource server (behind a recording proxy, so
 * the proofs bffkit sent can be replayed), bffkit's core in-process, and the built example app for the
 * start-up check.
 * - a stolen access token is useless without the session's DPoP key;
 * - a proof bffkit sent cannot be replayed, nor used for another URL or method;
 * - a callback with a wrong or missing `iss` (RFC 9207) is refused and starts no session;
 * - a provider without PAR, while PAR is required, stops the start with a clear message.
 */
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBff } from '../../packages/bffkit/src/index';
import { oidcBackend } from '../../packages/bffkit/src/core/backends/oidc/backend';
import { startApp } from '../support/app-process';
import { startBackend, tokenHash, type RunningBackend } from '../support/backend-process';
import { clientOptions, CORE_SECRET, freePort, notesUpstream, providerFor, startCore, type CoreStack } from '../support/core-stack';
import { cookieJar, setCookies, type CookieJar } from '../support/http';
import { OIDC_API_RESOURCE, OIDC_CLIENT, signInThroughProvider, startOidcProvider, walkProvider, type OidcProviderProcess } from '../support/oidc-process';
import { sessionInJar } from '../support/session-cookie';

/** Forwards to `target` and keeps the headers of every request (the proofs bffkit sent). */
async function recordingProxy(port: number, target: () => string): Promise<{ server: Server; seen: { method: string; path: string; headers: Record<string, string> }[] }> {
  const seen: { method: string; path: string; headers: Record<string, string> }[] = [];
  const server = createServer(async (req, res) => {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    seen.push({ method: req.method!, path: req.url!, headers });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const { host: _host, connection: _c, ...rest } = headers;
    const upstream = await fetch(`${target()}${req.url}`, { method: req.method, headers: rest, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, seen };
}

async function thiefProof(claims: Record<string, unknown>): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return new SignJWT({ iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
    .sign(privateKey);
}

describe('FAPI 2.0: DPoP-bound tokens and proofs under attack', () => {
  let idp: OidcProviderProcess;
  let api: RunningBackend;
  let core: CoreStack;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let jar: CookieJar;
  let proxyUrl: string;

  beforeAll(async () => {
    const appPort = await freePort();
    const proxyPort = await freePort();
    proxyUrl = `http://127.0.0.1:${proxyPort}`;
    idp = await providerFor(appPort, { profile: 'fapi2' });
    // Proofs name the proxy's URL (that is where bffkit sends them): the backend accepts that origin.
    api = await startBackend({ env: { OIDC_ISSUER: idp.issuer, OIDC_JWKS_URL: `${idp.issuer}/jwks`, OIDC_AUDIENCE: OIDC_API_RESOURCE, PUBLIC_ORIGIN: proxyUrl } });
    proxy = await recordingProxy(proxyPort, () => api.url);
    core = await startCore(appPort, clientOptions(idp, { profile: 'fapi2' }), { api: notesUpstream({ ...api, url: proxyUrl }) });
    jar = (await signInThroughProvider(core.url)).appJar;
    const res = await fetch(`${core.url}/api/backend/notes`, { headers: { cookie: jar.header() } });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await core?.stop();
    await new Promise<void>((r) => (proxy ? proxy.server.close(() => r()) : r()));
    await api?.stop();
    await idp?.stop();
  });

  const sent = () => proxy.seen.find((r) => r.path === '/notes' && r.headers.dpop)!;

  it('sent the token with the DPoP scheme and a proof (ath bound to the token)', () => {
    const call = sent();
    const token = sessionInJar(jar, CORE_SECRET)!.tokens.accessToken;
    expect(call.headers.authorization).toBe(`DPoP ${token}`);
    const proof = JSON.parse(Buffer.from(call.headers.dpop!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(proof).toMatchObject({ htm: 'GET', htu: `${proxyUrl}/notes`, ath: tokenHash(token), jti: expect.any(String), iat: expect.any(Number) });
  });

  it('a stolen access token replayed without the key is refused: as Bearer, with no proof, with a thief\'s proof', async () => {
    const token = sessionInJar(jar, CORE_SECRET)!.tokens.accessToken;
    await api.resetStats();
    const asBearer = await fetch(`${api.url}/notes`, { headers: { authorization: `Bearer ${token}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    const noProof = await fetch(`${api.url}/notes`, { headers: { authorization: `DPoP ${token}` } });
    expect(noProof.status).toBe(401);
    const thief = await fetch(`${api.url}/notes`, { headers: { authorization: `DPoP ${token}`, dpop: await thiefProof({ htm: 'GET', htu: `${proxyUrl}/notes`, ath: tokenHash(token) }) } });
    expect(thief.status).toBe(401);
    expect(await thief.json()).toMatchObject({ code: 'invalid_dpop_proof', message: expect.stringContaining('cnf.jkt') });
    expect((await api.stats()).dpop_requests).toBe(0);
  });

  it('a proof bffkit sent cannot be replayed, nor used for another URL or another method', async () => {
    const { authorization, dpop } = sent().headers;
    const replay = await fetch(`${api.url}/notes`, { headers: { authorization: authorization!, dpop: dpop! } });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'invalid_dpop_proof', message: expect.stringContaining('jti') });
    const otherUrl = await fetch(`${api.url}/auth/me`, { headers: { authorization: authorization!, dpop: dpop! } });
    expect(otherUrl.status).toBe(401);
    expect(await otherUrl.json()).toMatchObject({ code: 'invalid_dpop_proof', message: expect.stringContaining('htu') });
    const otherMethod = await fetch(`${api.url}/notes`, { method: 'POST', headers: { authorization: authorization!, dpop: dpop!, 'content-type': 'application/json' }, body: '{"title":"x","body":"y"}' });
    expect(otherMethod.status).toBe(401);
    expect(await otherMethod.json()).toMatchObject({ code: 'invalid_dpop_proof', message: expect.stringContaining('htm') });
  });

  it('never sends the same proof twice: every call bffkit makes has its own jti', async () => {
    for (let i = 0; i < 5; i++) await fetch(`${core.url}/api/backend/notes`, { headers: { cookie: jar.header() } });
    const jtis = proxy.seen.filter((r) => r.headers.dpop).map((r) => JSON.parse(Buffer.from(r.headers.dpop!.split('.')[1]!, 'base64url').toString()).jti);
    expect(jtis.length).toBeGreaterThanOrEqual(6);
    expect(new Set(jtis).size).toBe(jtis.length);
  });

  it('the browser cannot supply its own DPoP proof or Authorization: bffkit\'s replace them', async () => {
    const forged = await thiefProof({ htm: 'GET', htu: `${proxyUrl}/notes` });
    const before = proxy.seen.length;
    const res = await fetch(`${core.url}/api/backend/notes`, { headers: { cookie: jar.header(), dpop: forged, authorization: 'DPoP stolen' } });
    expect(res.status).toBe(200);
    const call = proxy.seen.slice(before).find((r) => r.path === '/notes')!;
    expect(call.headers.dpop).not.toBe(forged);
    expect(call.headers.authorization).not.toBe('DPoP stolen');
  });
});

describe('RFC 9207: a callback with a wrong or missing iss starts no session', () => {
  let idp: OidcProviderProcess;
  let other: OidcProviderProcess;
  let core: CoreStack;

  beforeAll(async () => {
    const port = await freePort();
    [idp, other] = await Promise.all([providerFor(port, { profile: 'fapi2' }), providerFor(port)]);
    core = await startCore(port, clientOptions(idp, { profile: 'fapi2' }), {});
  });
  afterAll(async () => {
    await core?.stop();
    await Promise.all([idp?.stop(), other?.stop()]);
  });

  /** A real authorization response for a login this browser started, not yet delivered to the app. */
  async function pendingCallback(): Promise<{ callback: URL; jar: CookieJar }> {
    const jar = cookieJar();
    let callback: URL | undefined;
    await walkProvider(`${core.url}/api/auth/oidc/login`, {
      appOrigin: core.url,
      appJar: jar,
      idpJar: cookieJar(),
      login: { email: 'demo@example.com', password: 'demo-password' },
      stopAt: (u) => (u.pathname === '/api/auth/oidc/callback' ? ((callback = u), true) : false),
    });
    return { callback: callback!, jar };
  }

  async function deliver(callback: URL, jar: CookieJar): Promise<Response> {
    return fetch(callback, { redirect: 'manual', headers: { cookie: jar.header() } });
  }

  function expectNoSession(res: Response): void {
    expect(res.status).toBe(400);
    expect(setCookies(res).filter((c) => c.name === 'bffkit' || c.name.startsWith('bffkit.'))).toEqual([]);
    expect(setCookies(res).find((c) => c.name === 'bffkit-tx')?.attributes['max-age']).toBe('0');
  }

  it('refuses a missing iss', async () => {
    const { callback, jar } = await pendingCallback();
    expect(callback.searchParams.get('iss')).toBe(idp.issuer);
    callback.searchParams.delete('iss');
    expectNoSession(await deliver(callback, jar));
  });

  it('refuses the iss of another provider (mix-up), and a look-alike issuer', async () => {
    for (const iss of [other.issuer, `${idp.issuer}/`, idp.issuer.replace('localhost', '127.0.0.1')]) {
      const { callback, jar } = await pendingCallback();
      callback.searchParams.set('iss', iss);
      expectNoSession(await deliver(callback, jar));
    }
  });

  it('refuses two iss values, and accepts the untouched answer (the same flow, for contrast)', async () => {
    const twice = await pendingCallback();
    twice.callback.searchParams.append('iss', idp.issuer);
    expectNoSession(await deliver(twice.callback, twice.jar));
    const { callback, jar } = await pendingCallback();
    const ok = await deliver(callback, jar);
    expect(ok.status).toBe(303);
    expect(setCookies(ok).some((c) => c.name === 'bffkit')).toBe(true);
  });
});

describe('PAR required, but the provider has none: refused at start-up with a clear message', () => {
  let idp: OidcProviderProcess;
  beforeAll(async () => {
    idp = await startOidcProvider({ appUrl: `http://localhost:${await freePort()}`, par: false });
  });
  afterAll(() => idp?.stop());

  it('bff.verify() names the missing endpoint; a login answers 502 and logs the same sentence, never falling back to a plain request', async () => {
    const logs: string[] = [];
    const bff = createBff({
      secret: CORE_SECRET,
      baseUrl: 'http://localhost:3000',
      backend: oidcBackend({ issuer: idp.issuer, clientId: OIDC_CLIENT.id, clientSecret: OIDC_CLIENT.secret, par: true }),
      logger: { info() {}, warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    });
    await expect(bff.verify()).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining(`the provider ${idp.issuer} advertises no pushed_authorization_request_endpoint, but pushed authorization requests are required`),
    });
    const res = await bff.handleAuth(new Request('http://localhost:3000/api/auth/oidc/login'));
    expect(res.status).toBe(502);
    expect(res.headers.get('location')).toBeNull();
    expect(logs.join('\n')).toContain('advertises no pushed_authorization_request_endpoint');
    // Without the requirement ('auto', the default) the same provider signs in with a plain request.
    const relaxed = createBff({ secret: CORE_SECRET, baseUrl: 'http://localhost:3000', backend: oidcBackend({ issuer: idp.issuer, clientId: OIDC_CLIENT.id, clientSecret: OIDC_CLIENT.secret }), logger: { info() {}, warn() {}, error() {} } });
    await expect(relaxed.verify()).resolves.toBeUndefined();
  });

  it('the example app with OIDC_PAR=1 does not start: next start exits with the message', async () => {
    const error = await startApp({
      backendUrl: 'http://127.0.0.1:9',
      env: { BFF_BACKEND: 'oidc', OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: OIDC_CLIENT.id, OIDC_CLIENT_SECRET: OIDC_CLIENT.secret, OIDC_PAR: '1' },
    }).then(
      async (app) => {
        await app.stop();
        return null;
      },
      (e: Error) => e,
    );
    expect(error?.message).toContain('process exited before');
    expect(error?.message).toContain('bffkit cannot start: invalid configuration: `backend` the provider');
    expect(error?.message).toContain('advertises no pushed_authorization_request_endpoint');
    expect(error?.message).not.toContain(OIDC_CLIENT.secret);
  });
});
