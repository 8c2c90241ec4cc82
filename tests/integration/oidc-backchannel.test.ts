/**
 * Back-channel logout tokens under attack: the bffkit core (server-side store) in-process, sessions
 * created through a fake provider of our own, which also signs the logout tokens.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair, type JWTPayload } from 'jose';
import { createBff, credentialsBackend, memorySessionStore, type Bff, type SessionStore } from '../../packages/bffkit/src/index';
import { oidcBackend } from '../../packages/bffkit/src/core/backends/oidc/backend';
import { startFakeOidc, type FakeOidc, type IdTokenRecipe } from '../support/fake-oidc';
import { cookieJar, type CookieJar } from '../support/http';
import { serveCore, type CoreServer } from '../support/oidc-process';
import { freePort } from '../support/ports';

const SECRET = 'oidc-backchannel-test-secret-0123456789-abc';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const quiet = { info() {}, warn() {}, error() {} };

let idp: FakeOidc;
let server: CoreServer;
let bff: Bff;
let store: SessionStore;

beforeAll(async () => {
  idp = await startFakeOidc();
  const port = await freePort();
  store = memorySessionStore();
  bff = createBff({
    secret: SECRET,
    baseUrl: `http://localhost:${port}`,
    backend: oidcBackend({ issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret }),
    session: { store },
    logger: quiet,
  });
  server = await serveCore((r) => bff.handleAuth(r), port);
});
afterAll(async () => {
  await server?.close();
  await idp?.close();
});

/** Signs in through the fake provider; the ID token names `sub` and `sid`. */
async function signIn(sub: string, sid: string): Promise<CookieJar> {
  const jar = cookieJar();
  const start = await fetch(`${server.url}/api/auth/oidc/login`, { redirect: 'manual' });
  jar.store(start);
  const recipe: IdTokenRecipe = { claims: { sub, sid } };
  const done = await fetch(idp.authorize(start.headers.get('location')!, recipe), { redirect: 'manual', headers: { cookie: jar.header() } });
  jar.store(done);
  expect(done.status).toBe(303);
  return jar;
}

async function isSignedIn(jar: CookieJar): Promise<boolean> {
  const res = await fetch(`${server.url}/api/auth/session`, { headers: { cookie: jar.header() } });
  return ((await res.json()) as { status: string }).status === 'authenticated';
}

function claims(over: Record<string, unknown> = {}, omit: string[] = []): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const c: Record<string, unknown> = { iss: idp.issuer, aud: idp.clientId, iat: now, exp: now + 120, jti: randomUUID(), sub: 'user-a', sid: 'sid-a1', events: { [EVENT]: {} }, ...over };
  for (const k of omit) delete c[k];
  return c;
}

async function postLogout(token: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
  return fetch(`${server.url}/api/auth/oidc/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: body ?? new URLSearchParams({ logout_token: token }).toString(),
  });
}

describe('POST /api/auth/oidc/backchannel-logout', () => {
  it("ends the session the token names (sub + sid), server to server without the anti-forgery header, and no other", async () => {
    const a1 = await signIn('user-a', 'sid-a1');
    const a2 = await signIn('user-a', 'sid-a2');
    const b = await signIn('user-b', 'sid-b1');
    const res = await postLogout(await idp.sign(claims(), { typ: 'logout+jwt' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await isSignedIn(a1)).toBe(false);
    expect(await isSignedIn(a2)).toBe(true);
    expect(await isSignedIn(b)).toBe(true);
  });

  it('ends every session of the subject when the token has no sid', async () => {
    const c1 = await signIn('user-c', 'sid-c1');
    const c2 = await signIn('user-c', 'sid-c2');
    const res = await postLogout(await idp.sign(claims({ sub: 'user-c' }, ['sid'])));
    expect(res.status).toBe(200);
    expect(await isSignedIn(c1)).toBe(false);
    expect(await isSignedIn(c2)).toBe(false);
    expect(await store.listByUser('user-c')).toEqual([]);
  });

  it('answers 200 when no session matches (the user already signed out here)', async () => {
    expect((await postLogout(await idp.sign(claims({ sub: 'nobody' })))).status).toBe(200);
  });

  const foreignKey = generateKeyPair('ES256');
  const attacks: [string, () => Promise<string>][] = [
    ['for another audience', () => idp.sign(claims({ aud: 'other-client' }))],
    ['from another issuer', () => idp.sign(claims({ iss: 'https://evil.example' }))],
    ['issued too long ago', () => idp.sign(claims({ iat: Math.floor(Date.now() / 1000) - 3600 }))],
    ['without the back-channel logout event', () => idp.sign(claims({}, ['events']))],
    ['with another event', () => idp.sign(claims({ events: { 'http://schemas.openid.net/event/other': {} } }))],
    ['with an event that is not an object', () => idp.sign(claims({ events: { [EVENT]: 'yes' } }))],
    ['with a nonce (an ID token, not a logout token)', () => idp.sign(claims({ nonce: 'n' }))],
    ['without sub and sid', () => idp.sign(claims({}, ['sub', 'sid']))],
    ['without jti', () => idp.sign(claims({}, ['jti']))],
    ['typed as an access token', () => idp.sign(claims(), { typ: 'at+jwt' })],
    ['with alg: none', async () => {
      const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return `${enc({ alg: 'none' })}.${enc(claims())}.`;
    }],
    ['signed with HS256 and the client secret', () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(idp.clientSecret))],
    ['signed by another key', async () => new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'fake-key-1' }).sign((await foreignKey).privateKey)],
    ['that is garbage', async () => 'not.a.token'],
  ];
  it.each(attacks)('refuses a token %s with 400 and ends nothing', async (_n, make) => {
    const jar = await signIn('user-a', 'sid-a1');
    const res = await postLogout(await make());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('invalid_request');
    expect(await isSignedIn(jar)).toBe(true);
  });

  it('refuses a replayed token (same jti)', async () => {
    const token = await idp.sign(claims({ sub: 'user-r' }));
    expect((await postLogout(token)).status).toBe(200);
    const jar = await signIn('user-r', 'sid-a1');
    expect((await postLogout(token)).status).toBe(400);
    expect(await isSignedIn(jar)).toBe(true);
  });

  it('refuses a token with sid but no sub (sessions are found by subject; documented)', async () => {
    const res = await postLogout(await idp.sign(claims({}, ['sub'])));
    expect(res.status).toBe(400);
  });

  it.each([
    ['JSON', { 'content-type': 'application/json' }, JSON.stringify({ logout_token: 'x' })],
    ['two logout tokens', {}, 'logout_token=a&logout_token=b'],
    ['no logout token', {}, 'foo=bar'],
  ])('refuses %s with 400', async (_n, headers, body) => {
    const res = await postLogout('', headers, body);
    expect(res.status).toBe(400);
  });

  it('refuses GET with 405', async () => {
    expect((await fetch(`${server.url}/api/auth/oidc/backchannel-logout`)).status).toBe(405);
  });

  it('answers 501 with a clear code in cookie mode (no store to end sessions in), 404 for a credentials backend', async () => {
    const request = (b: Bff) =>
      b.handleAuth(new Request('http://localhost:3000/api/auth/oidc/backchannel-logout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'logout_token=x' }));
    const cookieMode = createBff({ secret: SECRET, baseUrl: 'http://localhost:3000', backend: oidcBackend({ issuer: idp.issuer, clientId: 'c', clientSecret: 's' }), logger: quiet });
    const res = await request(cookieMode);
    expect(res.status).toBe(501);
    expect(((await res.json()) as { code: string }).code).toBe('backchannel_logout_unsupported');
    const credentials = createBff({ secret: SECRET, baseUrl: 'http://localhost:3000', backend: credentialsBackend({ url: 'http://127.0.0.1:9' }), session: { store: memorySessionStore() }, logger: quiet });
    expect((await request(credentials)).status).toBe(404);
  });
});
