/**
 * The raw HTTP contract of Payload CMS 3 (a Next app with @payloadcms/db-sqlite;
 * tests/backends/payload) run as its own `next start` process: the facts a credentials-adapter
 * preset for it relies on. Plain fetch, no bffkit. See docs/backends/payload.md.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPayload, type PayloadBackend } from '../support/payload-process';

const TOKEN_EXPIRATION = 7200;
/** exp is whole seconds (iat rounded down), so a short token has at least SHORT_EXPIRATION - 1 s to live. */
const SHORT_EXPIRATION = 3;
const SHORT_MAX_ATTEMPTS = 3;
const NOT_ALLOWED = { errors: [{ message: 'You are not allowed to perform this action.' }] };
const UNKNOWN_ERROR = { errors: [{ message: 'An unknown error occurred.' }] };
const SIGNED_OUT = { user: null, message: 'Account' };

let payload: PayloadBackend;
let short: PayloadBackend;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function post(base: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, {
    method: 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function get(base: string, path: string, authorization?: string): Promise<Response> {
  return fetch(base + path, { headers: authorization ? { authorization } : {} });
}

type Login = { message: string; exp: number; token: string; user: { id: number; email: string; sessions: { id: string }[] } };
type Me = { user: { id: number; email: string } | null; exp?: number; token?: string };
type Refreshed = { message: string; exp: number; refreshedToken: string; setCookie: boolean; strategy: string; user: { id: number } };

async function login(backend: PayloadBackend = payload, user = backend.user): Promise<Login> {
  const res = await post(backend.url, '/api/users/login', { email: user.email, password: user.password });
  expect(res.status).toBe(200);
  return (await res.json()) as Login;
}

async function me(token: string, backend: PayloadBackend = payload, scheme = 'Bearer'): Promise<Me> {
  const res = await get(backend.url, '/api/users/me', `${scheme} ${token}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Me;
}

function refresh(token: string, backend: PayloadBackend = payload, scheme = 'JWT'): Promise<Response> {
  return post(backend.url, '/api/users/refresh-token', undefined, { authorization: `${scheme} ${token}` });
}

function logout(token: string, backend: PayloadBackend = payload, query = ''): Promise<Response> {
  return post(backend.url, `/api/users/logout${query}`, undefined, { authorization: `Bearer ${token}` });
}

let expired: Promise<string> | undefined;
/**
 * One token of the short-lived instance, past its exp (logged in once, waited for once): an expired
 * token changes nothing at Payload, so the tests that need one share it.
 */
function expiredToken(): Promise<string> {
  expired ??= login(short).then(async ({ token, exp }) => {
    await sleep(Math.max(0, exp * 1000 - Date.now()) + 1100);
    return token;
  });
  return expired;
}

/** Creates another account through the REST API (a signed-in user may create users). */
async function createUser(backend: PayloadBackend, email: string, password: string): Promise<void> {
  const { token } = await login(backend);
  const res = await post(backend.url, '/api/users', { email, password }, { authorization: `Bearer ${token}` });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  [payload, short] = await Promise.all([
    startPayload(),
    startPayload({ tokenExpiration: SHORT_EXPIRATION, maxLoginAttempts: SHORT_MAX_ATTEMPTS }),
  ]);
});

afterAll(async () => {
  await Promise.all([payload?.stop(), short?.stop()]);
});

describe('login: POST /api/users/login', () => {
  it('answers 200 { message, exp, token, user } with exp the absolute expiry in epoch seconds', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await post(payload.url, '/api/users/login', { email: payload.user.email, password: payload.user.password });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Login;
    expect(Object.keys(body).sort()).toEqual(['exp', 'message', 'token', 'user']);
    expect(body.message).toBe('Authentication Passed');
    const claims = decodeJwt(body.token);
    expect(Object.keys(claims).sort()).toEqual(['collection', 'email', 'exp', 'iat', 'id', 'sid']);
    expect(body.exp).toBe(claims.exp);
    expect(claims.exp! - claims.iat!).toBe(TOKEN_EXPIRATION);
    expect(claims.iat).toBeGreaterThanOrEqual(before - 1);
    expect(body.user).toMatchObject({ id: 1, email: payload.user.email, collection: 'users', _strategy: 'local-jwt' });
    // Each login is a session stored on the user; the token's sid names it.
    expect(body.user.sessions.map((s) => s.id)).toContain(claims.sid);
  });

  it('also sets the token as an HttpOnly payload-token cookie', async () => {
    const res = await post(payload.url, '/api/users/login', { email: payload.user.email, password: payload.user.password });
    const { token } = (await res.json()) as Login;
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('payload-token='));
    expect(cookie).toContain(`payload-token=${token};`);
    expect(cookie).toMatch(/HttpOnly/);
  });

  it('answers a wrong password and an unknown email alike: 401 with an errors array', async () => {
    for (const email of [payload.user.email, 'nobody@example.com']) {
      const res = await post(payload.url, '/api/users/login', { email, password: 'wrong-password' });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ errors: [{ message: 'The email or password provided is incorrect.' }] });
    }
  });

  it('trims and lower-cases the email before matching', async () => {
    const res = await post(payload.url, '/api/users/login', { email: `  ${payload.user.email.toUpperCase()} `, password: payload.user.password });
    expect(res.status).toBe(200);
  });

  it('wants JSON with `email`: `username`, a missing password or a form-encoded body are 400', async () => {
    const username = await post(payload.url, '/api/users/login', { username: payload.user.email, password: payload.user.password });
    expect(username.status).toBe(400);
    expect(await username.json()).toMatchObject({ errors: [{ message: 'The following field is invalid: email' }] });
    const noPassword = await post(payload.url, '/api/users/login', { email: payload.user.email });
    expect(noPassword.status).toBe(400);
    expect(await noPassword.json()).toMatchObject({ errors: [{ message: 'The following field is invalid: password' }] });
    const form = await fetch(`${payload.url}/api/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: payload.user.email, password: payload.user.password }),
    });
    expect(form.status).toBe(400);
  });

  it('answers malformed JSON with 400 and a generic error', async () => {
    const res = await post(payload.url, '/api/users/login', '{"email":');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(UNKNOWN_ERROR);
  });

  it(`locks the account after maxLoginAttempts (${SHORT_MAX_ATTEMPTS} here, 5 by default): then even the right password is 401`, async () => {
    const victim = { email: 'locked@example.com', password: 'locked-password-1' };
    await createUser(short, victim.email, victim.password);
    const messages: string[] = [];
    for (let i = 0; i <= SHORT_MAX_ATTEMPTS; i++) {
      const res = await post(short.url, '/api/users/login', { email: victim.email, password: `wrong-${i}` });
      expect(res.status).toBe(401);
      messages.push(((await res.json()) as { errors: { message: string }[] }).errors[0]!.message);
    }
    const locked = 'This user is locked due to having too many failed login attempts.';
    expect(messages).toEqual([...Array(SHORT_MAX_ATTEMPTS).fill('The email or password provided is incorrect.'), locked]);
    const right = await post(short.url, '/api/users/login', victim);
    expect(right.status).toBe(401);
    expect(await right.json()).toEqual({ errors: [{ message: locked }] });
  });
});

describe('user endpoint: GET /api/users/me', () => {
  it('answers 200 { user, collection, strategy, exp, token, message } for a Bearer or JWT token', async () => {
    const { token, exp } = await login();
    for (const scheme of ['Bearer', 'JWT']) {
      const res = await get(payload.url, '/api/users/me', `${scheme} ${token}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        user: { id: 1, email: payload.user.email },
        collection: 'users',
        strategy: 'local-jwt',
        exp,
        token,
        message: 'Account',
      });
    }
  });

  it('answers 200 { user: null } (never 401) signed out, for a forged token, and for another scheme', async () => {
    const { token } = await login();
    for (const authorization of [undefined, 'Bearer forged.token.value', `Token ${token}`, `bearer ${token}`]) {
      const res = await get(payload.url, '/api/users/me', authorization);
      expect(res.status, authorization).toBe(200);
      expect(await res.json(), authorization).toEqual(SIGNED_OUT);
    }
  });

  it('answers an expired token with 200 { user: null }', async () => {
    const { token } = await login(short);
    expect((await me(token, short)).user).not.toBeNull();
    expect(await me(await expiredToken(), short)).toEqual(SIGNED_OUT);
  });
});

describe('resource: /api/notes (a collection readable only by its owner)', () => {
  it('creates (201) and lists (200) with the token, and answers 403 (not 401) without one', async () => {
    const { token } = await login();
    const created = await post(payload.url, '/api/notes', { text: 'from the contract test' }, { authorization: `Bearer ${token}` });
    expect(created.status).toBe(201);
    const { doc, message } = (await created.json()) as { doc: { id: number; text: string; owner: { id: number } }; message: string };
    expect(message).toBe('Note successfully created.');
    expect(doc).toMatchObject({ text: 'from the contract test', owner: { id: 1 } });
    const list = await get(payload.url, '/api/notes', `Bearer ${token}`);
    expect(list.status).toBe(200);
    const page = (await list.json()) as { docs: { id: number }[]; totalDocs: number };
    expect(page.docs.map((d) => d.id)).toContain(doc.id);
    const anonymous = await get(payload.url, '/api/notes');
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toEqual(NOT_ALLOWED);
  });

  it('answers an expired token with 403 too: a resource never says 401', async () => {
    const res = await get(short.url, '/api/notes', `Bearer ${await expiredToken()}`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(NOT_ALLOWED);
  });
});

describe('refresh: POST /api/users/refresh-token with the current token', () => {
  it('answers 200 { refreshedToken, exp, ... }: a later exp, the same session, and no rotation', async () => {
    const first = await login();
    await sleep(1100);
    const res = await refresh(first.token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Refreshed;
    expect(Object.keys(body).sort()).toEqual(['exp', 'message', 'refreshedToken', 'setCookie', 'strategy', 'user']);
    expect(body).toMatchObject({ message: 'Token refresh successful.', setCookie: true, strategy: 'local-jwt', user: { id: 1 } });
    expect(body.refreshedToken).not.toBe(first.token);
    expect(body.exp).toBe(decodeJwt(body.refreshedToken).exp);
    expect(body.exp).toBeGreaterThan(first.exp);
    expect(decodeJwt(body.refreshedToken).sid).toBe(decodeJwt(first.token).sid);
    // No rotation: the token it was refreshed from still works, as does the new one.
    expect((await me(first.token)).user?.id).toBe(1);
    expect((await me(body.refreshedToken)).user?.id).toBe(1);
    expect((await refresh(first.token)).status).toBe(200);
  });

  it('takes the token as JWT or Bearer', async () => {
    const { token } = await login();
    expect((await refresh(token, payload, 'JWT')).status).toBe(200);
    expect((await refresh(token, payload, 'Bearer')).status).toBe(200);
  });

  it('answers no token, a forged one and an expired one with 403: refresh must happen before exp', async () => {
    const none = await post(payload.url, '/api/users/refresh-token');
    expect(none.status).toBe(403);
    expect(await none.json()).toEqual(NOT_ALLOWED);
    expect((await refresh('forged.token.value')).status).toBe(403);
    const late = await refresh(await expiredToken(), short);
    expect(late.status).toBe(403);
    expect(await late.json()).toEqual(NOT_ALLOWED);
  });
});

describe('logout: POST /api/users/logout', () => {
  it('revokes the session: 200, then every token of that session reads as signed out and cannot refresh', async () => {
    const first = await login();
    await sleep(1100);
    const { refreshedToken } = (await (await refresh(first.token)).json()) as Refreshed;
    const res = await logout(refreshedToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Logout successful.' });
    expect(res.headers.getSetCookie().some((c) => c.startsWith('payload-token=;'))).toBe(true);
    for (const token of [first.token, refreshedToken]) {
      expect(await me(token)).toEqual(SIGNED_OUT);
      expect((await refresh(token)).status).toBe(403);
      expect((await get(payload.url, '/api/notes', `Bearer ${token}`)).status).toBe(403);
    }
  });

  it('answers a second logout, no token and an expired token with 400 and a generic error', async () => {
    const { token } = await login();
    expect((await logout(token)).status).toBe(200);
    const again = await logout(token);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual(UNKNOWN_ERROR);
    const none = await post(payload.url, '/api/users/logout');
    expect(none.status).toBe(400);
    expect((await logout(await expiredToken(), short)).status).toBe(400);
  });

  it('revokes only that session, unless ?allSessions=true', async () => {
    const one = await login();
    const two = await login();
    const three = await login();
    expect((await logout(one.token)).status).toBe(200);
    expect((await me(two.token)).user?.id).toBe(1);
    expect((await logout(two.token, payload, '?allSessions=true')).status).toBe(200);
    expect(await me(three.token)).toEqual(SIGNED_OUT);
  });
});
