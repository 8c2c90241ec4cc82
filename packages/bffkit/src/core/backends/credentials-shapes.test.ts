/**
 * credentialsBackend v2 against the backend shapes that configuration alone must cover (issue
 * "Any real backend by configuration alone", its "Why" list), one scripted HTTP server per test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeJwt, START } from '../testing/support';
import { scriptedServer, type ScriptedServer } from '../testing/scripted-server';
import { SEVEN_DAYS } from '../time';
import { credentialsBackend, type CredentialsBackendOptions } from './credentials';

let server: ScriptedServer;
beforeEach(async () => {
  server = await scriptedServer();
});
afterEach(() => server.close());

const clock = () => START;
const adapter = (extra: Partial<CredentialsBackendOptions> = {}) => credentialsBackend({ url: server.url, clock, timeout: 2, ...extra });
const body = (i = 0) => JSON.parse(server.seen[i]!.body) as Record<string, unknown>;
const tokens = (extra = {}) => ({ accessToken: 'at', refreshToken: 'rt', expiresAt: START + 300, issuedAt: START, ...extra });

describe('tokens nested in a wrapper object', () => {
  it('reads every token and the expiry through field paths', async () => {
    server.routes.set('POST /auth/login', { json: { data: { access_token: 'at-1', refresh_token: 'rt-1', expires_in: 90 } } });
    const backend = adapter({ tokens: { access: 'data.access_token', refresh: 'data.refresh_token', expiry: { path: 'data.expires_in', unit: 'seconds' } } });
    expect(await backend.login({ email: 'e', password: 'p' })).toEqual({
      ok: true,
      value: { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: START + 90, issuedAt: START },
    });
  });

  it('without the path configured, fails with a diagnostic that names the path the token is at', async () => {
    server.routes.set('POST /auth/login', { json: { data: { access_token: 'secret-at', refresh_token: 'secret-rt' } } });
    const result = await adapter().login({ email: 'e', password: 'p' });
    expect(result).toEqual({ ok: false, reason: 'unavailable' });
    const d = !result.ok ? result.diagnostic : undefined;
    expect(d).toMatchObject({ step: 'login', kind: 'missing-field', status: 200, request: 'POST /auth/login' });
    expect(d!.problem).toBe('POST /auth/login answered 200 without a string at `access_token` (the answer has keys: data)');
    expect(d!.hint).toBe("set tokens.access: 'data.access_token'");
    expect(JSON.stringify(d)).not.toMatch(/secret-/);
  });
});

describe('expiry in a declared unit', () => {
  it.each([
    ['seconds', 300, START + 300],
    ['milliseconds', 300_000, START + 300],
    ['epoch-seconds', START + 120, START + 120],
    ['epoch-ms', (START + 120) * 1000, START + 120],
    ['iso', new Date((START + 60) * 1000).toISOString(), START + 60],
  ] as const)('%s', async (unit, value, expected) => {
    server.routes.set('POST /auth/login', { json: { token: 'opaque', ttl: value } });
    const result = await adapter({ tokens: { access: 'token', refresh: false, expiry: { path: 'ttl', unit } }, refresh: { mode: 'none' }, logout: { mode: 'bearer' } }).login({ email: 'e', password: 'p' });
    expect(result).toMatchObject({ ok: true, value: { accessToken: 'opaque', expiresAt: expected } });
  });

  it('is still capped by an earlier JWT exp', async () => {
    const access = fakeJwt({ exp: START + 30 });
    server.routes.set('POST /auth/login', { json: { access_token: access, expires_at: START + 600 } });
    expect(await adapter({ tokens: { expiry: { path: 'expires_at', unit: 'epoch-seconds' } } }).login({ email: 'e', password: 'p' })).toMatchObject({
      value: { expiresAt: START + 30 },
    });
  });

  it('takes a fixed lifetime for a session token with no expiry in the answer', async () => {
    server.routes.set('POST /auth/login', { json: { token: 'session' } });
    const backend = adapter({ tokens: { access: 'token', refresh: false, expiry: { lifetime: SEVEN_DAYS } }, refresh: { mode: 'none' }, logout: { mode: 'bearer' } });
    expect(await backend.login({ email: 'e', password: 'p' })).toMatchObject({ value: { expiresAt: START + SEVEN_DAYS, refreshToken: undefined } });
  });
});

describe('a login field with another name', () => {
  it('sends the browser fields under the backend names, and nothing else', async () => {
    server.routes.set('POST /auth/login', { json: { access_token: 'at' } });
    const backend = adapter({ login: { fields: { identifier: 'email', password: 'password' } } });
    expect(backend.loginForm).toEqual({ fields: ['email', 'password'], identity: 'email' });
    await backend.login({ email: 'a@example.com', password: 'pw', identifier: 'other@example.com', returnTo: '/x' });
    expect(body()).toEqual({ identifier: 'a@example.com', password: 'pw' });
  });

  it('sends them form-encoded when told', async () => {
    server.routes.set('POST /auth/login', { json: { access_token: 'at' } });
    await adapter({ login: { fields: { username: 'email', password: 'password' }, encoding: 'form' } }).login({ email: 'alice', password: 'p w&x' });
    expect(server.seen[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(server.seen[0]!.body).toBe('username=alice&password=p+w%26x');
  });

  it('diagnoses a 400 (the backend wanted another field) as a refused request naming the fields sent', async () => {
    server.routes.set('POST /auth/login', { status: 400, json: { username: ['This field is required.'] } });
    const result = await adapter().login({ email: 'e', password: 'p' });
    expect(result).toEqual({ ok: false, reason: 'rejected' });
    expect(!result.ok && result.diagnostic).toMatchObject({ kind: 'refused-request', level: 'info', hint: expect.stringContaining('login.fields (sent: email, password)') });
  });
});

describe('refresh styles', () => {
  it('bearer: the refresh token as the Authorization credential, no body', async () => {
    server.routes.set('POST /auth/refresh', { json: { access_token: 'at-2', refresh_token: 'rt-2' } });
    expect(await adapter({ refresh: { mode: 'bearer' } }).refresh('rt-1')).toMatchObject({ ok: true, value: { accessToken: 'at-2', refreshToken: 'rt-2' } });
    expect(server.seen[0]!.headers.authorization).toBe('Bearer rt-1');
    expect(server.seen[0]!.body).toBe('');
  });

  it('access-token: the current access token buys the next one, under another answer field; it is kept as the refresh credential', async () => {
    server.routes.set('POST /api/users/login', { json: { token: 'jwt-1', exp: START + 100, user: { id: 1 } } });
    server.routes.set('POST /api/users/refresh-token', { json: { refreshedToken: 'jwt-2', exp: START + 200 } });
    const backend = adapter({ preset: 'payload' });
    const login = await backend.login({ email: 'e', password: 'p' });
    expect(login).toMatchObject({ ok: true, value: { accessToken: 'jwt-1', refreshToken: 'jwt-1', expiresAt: START + 100 } });
    const refreshed = await backend.refresh('jwt-1');
    expect(refreshed).toMatchObject({ ok: true, value: { accessToken: 'jwt-2', refreshToken: 'jwt-2', expiresAt: START + 200 } });
    expect(server.seen[1]!.headers.authorization).toBe('Bearer jwt-1');
  });

  it('none: never calls the backend and answers rejected (the session ends when its token is due)', async () => {
    expect(await adapter({ preset: 'betterAuth' }).refresh('x')).toEqual({ ok: false, reason: 'rejected' });
    expect(server.seen).toHaveLength(0);
  });

  it('rotates: true refuses an answer without a new refresh token, naming the field', async () => {
    server.routes.set('POST /auth/refresh', { json: { access_token: 'at-2' } });
    const result = await adapter({ refresh: { rotates: true } }).refresh('rt-1');
    expect(result).toEqual({ ok: false, reason: 'unavailable' });
    expect(!result.ok && result.diagnostic).toMatchObject({ kind: 'missing-field', step: 'refresh', hint: expect.stringContaining('refresh.tokens.refresh') });
  });
});

describe('logout styles', () => {
  it('body: the refresh token in the body and no Authorization (a backend that refuses an expired Bearer)', async () => {
    server.routes.set('POST /auth/logout', (req) => (req.headers.authorization ? { status: 401 } : { status: 200, json: {} }));
    expect(await adapter({ logout: { mode: 'body' } }).revoke(tokens({ expiresAt: START - 10 }))).toEqual({ ok: true, value: 'revoked' });
    expect(server.seen[0]!.headers.authorization).toBeUndefined();
    expect(body()).toEqual({ refresh_token: 'rt' });
  });

  it('bearer with requiresLiveToken: refreshes an expired access token first, then logs out with the fresh one', async () => {
    server.routes.set('POST /auth/refresh', { json: { access_token: 'at-live', refresh_token: 'rt-2', expires_in: 300 } });
    server.routes.set('POST /auth/logout', (req) => (req.headers.authorization === 'Bearer at-live' ? { status: 204 } : { status: 401 }));
    expect(await adapter({ logout: { mode: 'bearer', requiresLiveToken: true } }).revoke(tokens({ expiresAt: START - 1 }))).toEqual({ ok: true, value: 'revoked' });
    expect(server.seen.map((s) => s.path)).toEqual(['/auth/refresh', '/auth/logout']);
    expect(server.seen[1]!.body).toBe('');
  });

  it('bearer with requiresLiveToken and access-token refresh: an expired token leaves nothing live, so no call', async () => {
    expect(await adapter({ preset: 'payload' }).revoke(tokens({ expiresAt: START - 1 }))).toEqual({ ok: true, value: 'not-needed' });
    expect(server.seen).toHaveLength(0);
  });

  it('reports a refused logout with a diagnostic instead of dropping it', async () => {
    server.routes.set('POST /api/users/logout', { status: 400, json: { errors: [{ message: 'An unknown error occurred.' }] } });
    const result = await adapter({ preset: 'payload' }).revoke(tokens());
    expect(result).toEqual({ ok: false, reason: 'rejected' });
    expect(!result.ok && result.diagnostic).toMatchObject({ step: 'logout', kind: 'refused-request', status: 400 });
  });

  it('none: nothing to call', async () => {
    expect(await adapter({ logout: { mode: 'none' } }).revoke(tokens())).toEqual({ ok: true, value: 'not-needed' });
    expect(server.seen).toHaveLength(0);
  });
});

describe('the Authorization scheme', () => {
  it('is used on the user, logout and refresh calls', async () => {
    server.routes.set('GET /auth/me', { json: { id: 1 } });
    server.routes.set('POST /auth/logout', { status: 204 });
    server.routes.set('POST /auth/refresh', { json: { access_token: 'x' } });
    const backend = adapter({ authScheme: 'JWT', refresh: { mode: 'bearer' } });
    await backend.user(tokens());
    await backend.revoke(tokens());
    await backend.refresh('rt');
    expect(server.seen.map((s) => s.headers.authorization)).toEqual(['JWT at', 'JWT at', 'JWT rt']);
  });
});

describe('a user endpoint that answers 200 when signed out', () => {
  it.each([
    ['null', null, ''],
    ['{ user: null }', { user: null, message: 'Account' }, 'user'],
  ])('reads 200 %s as "not signed in", never as a user', async (_label, json, field) => {
    server.routes.set('GET /me', { json });
    const result = await adapter({ user: { path: '/me', field } }).user(tokens());
    expect(result).toEqual({ ok: false, reason: 'rejected' });
    expect(!result.ok && result.diagnostic).toMatchObject({ kind: 'signed-out', hint: expect.stringContaining("authScheme (sent 'Bearer')") });
  });

  it('reads the user object at the configured path', async () => {
    server.routes.set('GET /me', { json: { user: { id: 7, email: 'a@example.com', sessions: [{ id: 's' }] }, message: 'Account' } });
    expect(await adapter({ user: { path: '/me', field: 'user' } }).user(tokens())).toEqual({ ok: true, value: { id: '7', email: 'a@example.com' } });
  });
});

describe('the user from the login answer', () => {
  it('maps the login answer\'s user without a call, and falls back to the endpoint for other tokens', async () => {
    server.routes.set('POST /auth/login', { json: { access_token: 'at', user: { id: 'u1', name: 'Ann' } } });
    server.routes.set('GET /auth/me', { json: { user: { id: 'u2' } } });
    const backend = adapter({ user: { from: 'login' } });
    const login = await backend.login({ email: 'e', password: 'p' });
    if (!login.ok) throw new Error('login failed');
    expect(await backend.user(login.value)).toEqual({ ok: true, value: { id: 'u1', name: 'Ann' } });
    expect(server.seen).toHaveLength(1);
    expect(await backend.user(tokens())).toEqual({ ok: true, value: { id: 'u2' } });
  });
});

describe('extra headers', () => {
  it('sends configured headers, the backend origin, and the client address on login', async () => {
    server.routes.set('POST /api/auth/sign-in/email', { json: { token: 't', user: { id: 'x' } } });
    await adapter({ preset: 'betterAuth', headers: { 'x-api-key': 'k' } }).login({ email: 'e', password: 'p' }, { clientIp: '203.0.113.7' });
    expect(server.seen[0]!.headers).toMatchObject({ origin: server.url, 'x-api-key': 'k', 'x-forwarded-for': '203.0.113.7' });
  });
});

describe('diagnostics of failures never hold a secret', () => {
  it('a 403 origin refusal names the code and the fix', async () => {
    server.routes.set('POST /api/auth/sign-in/email', { status: 403, json: { message: 'Missing or null Origin', code: 'MISSING_OR_NULL_ORIGIN' } });
    const result = await adapter({ preset: 'betterAuth', origin: false }).login({ email: 'e', password: 'hunter2' });
    expect(result).toEqual({ ok: false, reason: 'rejected' });
    const d = !result.ok ? result.diagnostic : undefined;
    expect(d).toMatchObject({ kind: 'origin-refused', problem: 'POST /api/auth/sign-in/email answered 403 (code MISSING_OR_NULL_ORIGIN)' });
    expect(d!.hint).toContain('origin: true');
    expect(JSON.stringify(d)).not.toContain('hunter2');
  });

  it('a code that looks like a token is left out', async () => {
    server.routes.set('POST /auth/login', { status: 403, json: { code: 'zkIMHqaCPcEfeZdO8g4Rqy7UzCYqxbU4' } });
    const result = await adapter().login({ email: 'e', password: 'p' });
    expect(!result.ok && result.diagnostic?.problem).toBe('POST /auth/login answered 403');
  });

  it('a 404 on the configured path is unavailable (never "wrong password")', async () => {
    const result = await adapter({ login: { path: '/v2/login' } }).login({ email: 'e', password: 'p' });
    expect(result).toEqual({ ok: false, reason: 'unavailable' });
    expect(!result.ok && result.diagnostic).toMatchObject({ kind: 'not-found', status: 404, request: 'POST /v2/login' });
  });
});
