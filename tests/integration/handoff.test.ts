/**
 * Token handoff (issue 8) against the real example backend and app: the browser-obtained tokens are
 * verified (JWKS signature, issuer, audience, expiry) before a session is created, and a rejected
 * token never sets a cookie.
 *
 * To isolate each claim check, extra backend processes share the main backend's signing key
 * (JWT_PRIVATE_JWK) but differ in JWT_AUDIENCE, JWT_ISSUER or ACCESS_TOKEN_TTL: their tokens verify
 * against the main backend's JWKS and fail only on the claim under test.
 */
import { SignJWT, UnsecuredJWT, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from '../support/app-process';
import { startBackend, type RunningBackend, type TokenResponse } from '../support/backend-process';
import { cookieJar, getJson, jsonPost, type CookieJar } from '../support/http';
import { freePort } from '../support/ports';

const DEMO = { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' };
const SECOND = { email: 'second@example.com', password: 'second-password', name: 'Second User' };
const ISSUER = 'bffkit-example-backend';
const AUDIENCE = 'bffkit-example-api';
const REJECTED = { code: 'token_rejected', message: 'The token was not accepted.' };

let backend: RunningBackend;
let otherAudience: RunningBackend;
let otherIssuer: RunningBackend;
let shortLived: RunningBackend;
let app: AppProcess;
let appWithoutHandoff: AppProcess;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const sharedKey = JSON.stringify({ ...(await exportJWK(privateKey)), alg: 'ES256' });
  // The app's port is needed before the backend starts: the backend's CORS allows exactly its origin.
  const appPort = await freePort();
  const appUrl = `http://localhost:${appPort}`;
  [backend, otherAudience, otherIssuer, shortLived] = await Promise.all([
    startBackend({ env: { CORS_ORIGIN: appUrl, JWT_PRIVATE_JWK: sharedKey } }),
    startBackend({ env: { JWT_PRIVATE_JWK: sharedKey, JWT_AUDIENCE: 'another-api' } }),
    startBackend({ env: { JWT_PRIVATE_JWK: sharedKey, JWT_ISSUER: 'another-backend' } }),
    startBackend({ accessTokenTtl: 1, env: { JWT_PRIVATE_JWK: sharedKey } }),
  ]);
  [app, appWithoutHandoff] = await Promise.all([
    startApp({ backendUrl: backend.url, port: appPort, env: { BFF_HANDOFF: '1' } }),
    startApp({ backendUrl: backend.url }),
  ]);
});

afterAll(async () => {
  await Promise.all([app?.stop(), appWithoutHandoff?.stop()]);
  await Promise.all([backend, otherAudience, otherIssuer, shortLived].map((b) => b?.stop()));
});

function handOff(tokens: Partial<TokenResponse> | Record<string, unknown>, jar?: CookieJar, base = app.url) {
  const { access_token, refresh_token, expires_in } = tokens as TokenResponse;
  return jsonPost(`${base}/api/auth/handoff`, { access_token, refresh_token, expires_in }, jar ? { cookie: jar } : {});
}

async function session(jar: CookieJar) {
  return (await (await getJson(`${app.url}/api/auth/session`, { cookie: jar })).json()) as {
    status: string;
    user?: { email?: string };
  };
}

async function profileEmail(jar: CookieJar): Promise<string | null> {
  const res = await getJson(`${app.url}/profile`, { cookie: jar, headers: { accept: 'text/html' } });
  if (res.status !== 200) return null;
  const html = await res.text();
  return /data-testid="profile-email"[^>]*>([^<]*)</.exec(html)?.[1] ?? null;
}

async function refreshAtBackend(refreshToken: string): Promise<number> {
  const res = await fetch(`${backend.url}/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('token handoff', () => {
  it('turns a valid backend token into a session that works for /profile and forwarding', async () => {
    const tokens = await backend.login(DEMO.email, DEMO.password);
    const jar = cookieJar();
    const res = await handOff(tokens, jar);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ status: 'authenticated', user: { email: DEMO.email, name: DEMO.name } });
    expect(typeof JSON.parse(text).expiresAt).toBe('number');
    // Never a token in the answer.
    expect(text).not.toContain(tokens.access_token);
    expect(text).not.toContain(tokens.refresh_token);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const cookie = res.headers.getSetCookie().find((line) => line.startsWith('bffkit='));
    expect(cookie).toMatch(/HttpOnly/i);

    expect(await profileEmail(jar)).toBe(DEMO.email);
    const notes = await getJson(`${app.url}/api/backend/notes`, { cookie: jar });
    expect(notes.status).toBe(200);
    expect(Array.isArray(await notes.json())).toBe(true);
  });

  it('answers 404 when the app did not enable handoff', async () => {
    const tokens = await backend.login(DEMO.email, DEMO.password);
    const res = await handOff(tokens, undefined, appWithoutHandoff.url);
    expect(res.status).toBe(404);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  describe('rejects with 401 token_rejected and no cookie', () => {
    /** Also proves WHY it was rejected: the app logs one line with the reason category (never the token). */
    async function expectRejected(accessToken: string, category: string, extra: Record<string, unknown> = {}) {
      const logged = app.output().split(`handoff rejected: ${category}`).length;
      const jar = cookieJar();
      const res = await handOff({ access_token: accessToken, refresh_token: 'x'.repeat(43), ...extra }, jar);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(REJECTED);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await session(jar)).toEqual({ status: 'unauthenticated' });
      await expect.poll(() => app.output().split(`handoff rejected: ${category}`).length).toBe(logged + 1);
      expect(app.output()).not.toContain(accessToken);
    }

    it('a token signed by another key (same kid, same claims)', async () => {
      const real = await backend.login(DEMO.email, DEMO.password);
      const { kid } = decodeProtectedHeader(real.access_token);
      const { privateKey } = await generateKeyPair('ES256');
      const now = Math.floor(Date.now() / 1000);
      const forged = await new SignJWT({ email: DEMO.email, name: DEMO.name })
        .setProtectedHeader({ alg: 'ES256', kid: kid!, typ: 'JWT' })
        .setSubject('1')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey);
      await expectRejected(forged, 'bad signature');
    });

    it('an expired token from the backend', async () => {
      const tokens = await shortLived.login(DEMO.email, DEMO.password);
      const { exp } = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()) as { exp: number };
      while (Date.now() / 1000 < exp + 1) await sleep(200);
      await expectRejected(tokens.access_token, 'expired', { expires_in: tokens.expires_in });
    });

    it('a token for another audience (same key, same issuer)', async () => {
      const tokens = await otherAudience.login(DEMO.email, DEMO.password);
      await expectRejected(tokens.access_token, 'claim aud invalid');
    });

    it('a valid token from a different issuer (same key, same audience)', async () => {
      const tokens = await otherIssuer.login(DEMO.email, DEMO.password);
      await expectRejected(tokens.access_token, 'claim iss invalid');
    });

    it.each([
      ['garbage', 'garbage', 'malformed'],
      ['three garbage segments', 'aaa.bbb.ccc', 'malformed'],
      ['an unsigned token', new UnsecuredJWT({ iss: ISSUER, aud: AUDIENCE, sub: '1', exp: 4_000_000_000 }).encode(), 'algorithm not allowed'],
    ])('%s', async (_name, token, category) => {
      await expectRejected(token, category);
    });
  });

  it('keeps the current session when a handoff is rejected', async () => {
    const jar = cookieJar();
    await handOff(await backend.login(DEMO.email, DEMO.password), jar);
    const tokens = await otherIssuer.login(SECOND.email, SECOND.password);
    const res = await handOff(tokens, jar);
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await session(jar)).toMatchObject({ status: 'authenticated', user: { email: DEMO.email } });
  });

  it('replaces the session of another user entirely: old cookie anonymous, old refresh token revoked', async () => {
    const second = await backend.login(SECOND.email, SECOND.password);
    const jar = cookieJar();
    expect((await handOff(second, jar)).status).toBe(200);
    const oldCookie = cookieJar();
    for (const name of jar.names()) oldCookie.set(name, jar.get(name)!);
    expect(await profileEmail(oldCookie)).toBe(SECOND.email);

    const demo = await backend.login(DEMO.email, DEMO.password);
    const res = await handOff(demo, jar);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { email: DEMO.email } });

    expect(await session(oldCookie)).toEqual({ status: 'unauthenticated' });
    expect(await refreshAtBackend(second.refresh_token)).toBe(401);
    expect(await session(jar)).toMatchObject({ status: 'authenticated', user: { email: DEMO.email } });
    expect(await profileEmail(jar)).toBe(DEMO.email);
  });

  it('replaces a regular login session the same way', async () => {
    const jar = cookieJar();
    const login = await jsonPost(`${app.url}/api/auth/login`, { email: SECOND.email, password: SECOND.password }, { cookie: jar });
    expect(login.status).toBe(200);
    const oldCookie = cookieJar();
    for (const name of jar.names()) oldCookie.set(name, jar.get(name)!);
    await backend.resetStats();

    expect((await handOff(await backend.login(DEMO.email, DEMO.password), jar)).status).toBe(200);
    // The old refresh token was revoked at the backend (POST /auth/logout).
    expect((await backend.stats()).logouts).toBe(1);
    expect(await session(oldCookie)).toEqual({ status: 'unauthenticated' });
    expect(await profileEmail(jar)).toBe(DEMO.email);
  });

  it('refuses a form post, a request without the anti-forgery header and a foreign origin', async () => {
    const tokens = await backend.login(DEMO.email, DEMO.password);
    const url = `${app.url}/api/auth/handoff`;
    const form = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
      body: new URLSearchParams({ access_token: tokens.access_token }),
      redirect: 'manual',
    });
    expect(form.status).toBe(415);
    expect((await jsonPost(url, { access_token: tokens.access_token }, { headers: { 'x-csrf': null } })).status).toBe(403);
    expect((await jsonPost(url, { access_token: tokens.access_token }, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await jsonPost(url, { access_token: tokens.access_token, pad: 'x'.repeat(20_000) })).status).toBe(413);
    expect((await jsonPost(url, { access_token: 42 })).status).toBe(400);
  });

  it('lets the backend accept the browser login from the app origin only (CORS)', async () => {
    const preflight = (origin: string) =>
      fetch(`${backend.url}/auth/login`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    expect((await preflight(app.url)).headers.get('access-control-allow-origin')).toBe(app.url);
    expect((await preflight('http://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
