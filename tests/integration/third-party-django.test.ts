/**
 * The raw HTTP contract of Django REST framework + djangorestframework-simplejwt (Debian's
 * packages, tests/backends/django), run as its own process: the facts a credentials-adapter preset
 * for it relies on. Plain fetch, no bffkit. See docs/backends/django-simplejwt.md.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDjango, type DjangoBackend } from '../support/django-process';

const ACCESS_TTL = 300;
const REFRESH_TTL = 86_400;
/** Lifetime of the short-lived instance's access tokens; exp is whole seconds, so at least SHORT_TTL - 1 s is left. */
const SHORT_TTL = 3;

let django: DjangoBackend;
let shortLived: DjangoBackend;
let jwtScheme: DjangoBackend;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function get(base: string, path: string, authorization?: string): Promise<Response> {
  return fetch(base + path, { headers: authorization ? { authorization } : {} });
}

type Pair = { access: string; refresh: string };

async function login(backend: DjangoBackend = django): Promise<Pair> {
  const res = await post(backend.url, '/api/token/', { username: backend.user.username, password: backend.user.password });
  expect(res.status).toBe(200);
  return (await res.json()) as Pair;
}

async function refresh(token: string, backend: DjangoBackend = django): Promise<Response> {
  return post(backend.url, '/api/token/refresh/', { refresh: token });
}

let expired: Promise<Pair> | undefined;
/**
 * One login at the short-lived instance whose access token is past its exp (waited for once and
 * shared: an expired access token changes nothing at the backend).
 */
function expiredPair(): Promise<Pair> {
  expired ??= login(shortLived).then(async (pair) => {
    await sleep(Math.max(0, decodeJwt(pair.access).exp! * 1000 - Date.now()) + 1100);
    return pair;
  });
  return expired;
}

beforeAll(async () => {
  [django, shortLived, jwtScheme] = await Promise.all([
    startDjango(),
    startDjango({ accessTokenTtl: SHORT_TTL }),
    startDjango({ authHeaderTypes: ['JWT'] }),
  ]);
});

afterAll(async () => {
  await Promise.all([django?.stop(), shortLived?.stop(), jwtScheme?.stop()]);
});

describe('login: POST /api/token/', () => {
  it('answers 200 { access, refresh } and nothing else: no expires_in, no user', async () => {
    const res = await post(django.url, '/api/token/', { username: 'alice', password: django.user.password });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access', 'refresh']);
  });

  it('puts the expiry only in the JWT claims: exp in epoch seconds, user_id as a number', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { access, refresh: refreshToken } = await login();
    const after = Math.ceil(Date.now() / 1000);
    const a = decodeJwt(access);
    expect(Object.keys(a).sort()).toEqual(['exp', 'iat', 'jti', 'token_type', 'user_id']);
    expect(a.token_type).toBe('access');
    expect(a.user_id).toBe(1);
    expect(a.exp! - a.iat!).toBe(ACCESS_TTL);
    expect(a.iat).toBeGreaterThanOrEqual(before - 1);
    expect(a.iat).toBeLessThanOrEqual(after);
    const r = decodeJwt(refreshToken);
    expect(r.token_type).toBe('refresh');
    expect(r.exp! - r.iat!).toBe(REFRESH_TTL);
  });

  it('accepts a form-encoded body as well as JSON', async () => {
    const res = await fetch(`${django.url}/api/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'alice', password: django.user.password }),
    });
    expect(res.status).toBe(200);
    expect(Object.keys(await res.json()).sort()).toEqual(['access', 'refresh']);
  });

  it('answers a wrong password and an unknown user alike: 401 with the same detail', async () => {
    for (const body of [
      { username: 'alice', password: 'wrong-password' },
      { username: 'nobody', password: 'wrong-password' },
    ]) {
      const res = await post(django.url, '/api/token/', body);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      expect(await res.json()).toEqual({ detail: 'No active account found with the given credentials' });
    }
  });

  it('matches the username case-sensitively: ALICE is not alice', async () => {
    const res = await post(django.url, '/api/token/', { username: 'ALICE', password: django.user.password });
    expect(res.status).toBe(401);
  });

  it('wants `username`: an `email` field alone is 400 naming the missing fields', async () => {
    const res = await post(django.url, '/api/token/', { email: django.user.email, password: django.user.password });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ username: ['This field is required.'] });
    const empty = await post(django.url, '/api/token/', {});
    expect(await empty.json()).toEqual({ username: ['This field is required.'], password: ['This field is required.'] });
  });

  it('answers malformed JSON with 400 and a JSON detail', async () => {
    const res = await post(django.url, '/api/token/', '{"username":');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/^JSON parse error/);
  });

  it('has no lockout of its own: a correct password still works after 6 wrong ones', async () => {
    for (let i = 0; i < 6; i++) {
      expect((await post(django.url, '/api/token/', { username: 'alice', password: `wrong-${i}` })).status).toBe(401);
    }
    await login();
  });
});

describe('user endpoint: GET /api/me/', () => {
  it('answers 200 { id, username, email } with a Bearer access token', async () => {
    const { access } = await login();
    const res = await get(django.url, '/api/me/', `Bearer ${access}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 1, username: 'alice', email: django.user.email });
  });

  it('answers 401 (never 200 null) without a token', async () => {
    const res = await get(django.url, '/api/me/');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(await res.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
  });

  it('treats another scheme (JWT, Token, lower-case bearer) as no credentials at all: 401', async () => {
    const { access } = await login();
    for (const scheme of ['JWT', 'Token', 'bearer']) {
      const res = await get(django.url, '/api/me/', `${scheme} ${access}`);
      expect(res.status, scheme).toBe(401);
      expect(await res.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    }
  });

  it('answers a forged token and a refresh token used as access with 401 code token_not_valid', async () => {
    const { refresh: refreshToken } = await login();
    const forged = await get(django.url, '/api/me/', 'Bearer not.a.jwt');
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({
      code: 'token_not_valid',
      messages: [{ token_type: 'access', message: 'Token is invalid or expired' }],
    });
    const wrongType = await get(django.url, '/api/me/', `Bearer ${refreshToken}`);
    expect(wrongType.status).toBe(401);
    expect(await wrongType.json()).toMatchObject({ code: 'token_not_valid', messages: [{ message: 'Token has wrong type' }] });
  });

  it('answers an expired access token with 401 token_not_valid, and its refresh token still refreshes', async () => {
    const fresh = await login(shortLived);
    expect((await get(shortLived.url, '/api/me/', `Bearer ${fresh.access}`)).status).toBe(200);
    const { access, refresh: refreshToken } = await expiredPair();
    const res = await get(shortLived.url, '/api/me/', `Bearer ${access}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
    });
    expect((await refresh(refreshToken, shortLived)).status).toBe(200);
  });

  it('accepts exactly the schemes in AUTH_HEADER_TYPES: with ["JWT"], JWT works and Bearer is 401', async () => {
    const { access } = await login(jwtScheme);
    expect((await get(jwtScheme.url, '/api/me/', `JWT ${access}`)).status).toBe(200);
    const bearer = await get(jwtScheme.url, '/api/me/', `Bearer ${access}`);
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get('www-authenticate')).toBe('JWT realm="api"');
  });
});

describe('refresh: POST /api/token/refresh/ { refresh }', () => {
  it('rotates: 200 { access, refresh } with a new refresh token, and the new access token works', async () => {
    const first = await login();
    const res = await refresh(first.refresh);
    expect(res.status).toBe(200);
    const next = (await res.json()) as Pair;
    expect(Object.keys(next).sort()).toEqual(['access', 'refresh']);
    expect(next.refresh).not.toBe(first.refresh);
    expect(decodeJwt(next.refresh).jti).not.toBe(decodeJwt(first.refresh).jti);
    expect((await get(django.url, '/api/me/', `Bearer ${next.access}`)).status).toBe(200);
  });

  it('gives the new access token a fresh exp but the presented refresh token`s iat', async () => {
    const first = await login();
    await sleep(1100);
    const next = (await (await refresh(first.refresh)).json()) as Pair;
    const access = decodeJwt(next.access);
    expect(access.iat).toBe(decodeJwt(first.refresh).iat);
    expect(access.exp!).toBeGreaterThan(decodeJwt(first.access).exp!);
    expect(access.exp! - access.iat!).toBeGreaterThan(ACCESS_TTL);
  });

  it('blacklists the rotated-out token: reuse is 401 "Token is blacklisted", and the new one still works', async () => {
    const first = await login();
    const next = (await (await refresh(first.refresh)).json()) as Pair;
    const reuse = await refresh(first.refresh);
    expect(reuse.status).toBe(401);
    expect(await reuse.json()).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    // No family revocation: the token issued by the first rotation is unaffected by the reuse.
    expect((await refresh(next.refresh)).status).toBe(200);
  });

  it('takes no Authorization: the header is ignored, even a forged one', async () => {
    const { refresh: refreshToken } = await login();
    const res = await post(django.url, '/api/token/refresh/', { refresh: refreshToken }, { authorization: 'Bearer forged' });
    expect(res.status).toBe(200);
  });

  it('answers an access token, a forged token and a missing field with 401 / 401 / 400', async () => {
    const { access } = await login();
    const wrongType = await refresh(access);
    expect(wrongType.status).toBe(401);
    expect(await wrongType.json()).toEqual({ detail: 'Token has wrong type', code: 'token_not_valid' });
    const forged = await refresh('not.a.jwt');
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({ detail: 'Token is invalid or expired', code: 'token_not_valid' });
    const missing = await post(django.url, '/api/token/refresh/', {});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ refresh: ['This field is required.'] });
  });
});

describe('logout: POST /api/token/blacklist/ { refresh }', () => {
  it('answers 200 {} without any Bearer, and the refresh token is dead afterwards', async () => {
    const { refresh: refreshToken } = await login();
    const res = await post(django.url, '/api/token/blacklist/', { refresh: refreshToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const reuse = await refresh(refreshToken);
    expect(reuse.status).toBe(401);
    expect(await reuse.json()).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
  });

  it('ignores the Authorization header: an expired or forged Bearer does not stop the revocation', async () => {
    const { access } = await expiredPair();
    const { refresh: refreshToken } = await login(shortLived);
    const res = await post(shortLived.url, '/api/token/blacklist/', { refresh: refreshToken }, { authorization: `Bearer ${access}` });
    expect(res.status).toBe(200);
    expect((await refresh(refreshToken, shortLived)).status).toBe(401);
  });

  it('answers a second logout with the same token 401 "Token is blacklisted"', async () => {
    const { refresh: refreshToken } = await login();
    expect((await post(django.url, '/api/token/blacklist/', { refresh: refreshToken })).status).toBe(200);
    const again = await post(django.url, '/api/token/blacklist/', { refresh: refreshToken });
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
  });

  it('does not revoke the access token: it works until its exp', async () => {
    const { access, refresh: refreshToken } = await login();
    expect((await post(django.url, '/api/token/blacklist/', { refresh: refreshToken })).status).toBe(200);
    expect((await get(django.url, '/api/me/', `Bearer ${access}`)).status).toBe(200);
  });

  it('revokes only the token sent: another login of the same user keeps refreshing', async () => {
    const one = await login();
    const two = await login();
    expect((await post(django.url, '/api/token/blacklist/', { refresh: one.refresh })).status).toBe(200);
    expect((await refresh(two.refresh)).status).toBe(200);
  });
});

describe('resource: /api/notes/', () => {
  it('creates (201) and lists (200) the signed-in user`s notes, and answers 401 without a token', async () => {
    const { access } = await login();
    const created = await post(django.url, '/api/notes/', { text: 'from the contract test' }, { authorization: `Bearer ${access}` });
    expect(created.status).toBe(201);
    const note = (await created.json()) as { id: number; text: string; created: string };
    expect(note).toMatchObject({ text: 'from the contract test' });
    expect(Number.isNaN(Date.parse(note.created))).toBe(false);
    const list = await get(django.url, '/api/notes/', `Bearer ${access}`);
    expect(list.status).toBe(200);
    expect(await list.json()).toContainEqual(note);
    expect((await get(django.url, '/api/notes/')).status).toBe(401);
  });

  it('answers an invalid body with 400 naming the field', async () => {
    const { access } = await login();
    const res = await post(django.url, '/api/notes/', {}, { authorization: `Bearer ${access}` });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ text: ['This field is required.'] });
  });
});
