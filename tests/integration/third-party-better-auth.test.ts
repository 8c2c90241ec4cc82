/**
 * The raw HTTP contract of better-auth 1.7 (email + password, bearer() plugin, SQLite through
 * better-sqlite3; tests/backends/better-auth) run as its own process with NODE_ENV=production: the
 * facts a credentials-adapter preset for it relies on. Plain fetch, no bffkit.
 * See docs/backends/better-auth.md.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBetterAuth, type BetterAuthBackend } from '../support/better-auth-process';

/** Short session for the expiry tests, extended when used after SLIDE_UPDATE_AGE seconds. */
const SLIDE_EXPIRES_IN = 3;
const SLIDE_UPDATE_AGE = 1;
const SEVEN_DAYS = 7 * 24 * 60 * 60;
/** An app origin the main instance is told to trust (trustedOrigins). */
const APP_ORIGIN = 'http://app.example';

let auth: BetterAuthBackend;
let sliding: BetterAuthBackend;
let limited: BetterAuthBackend;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function post(base: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, {
    method: 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * POST to sign-in / sign-up as a server-side caller must: Node's fetch sends `sec-fetch-mode: cors`,
 * so better-auth wants a trusted `Origin` (its own base URL is one).
 */
function authPost(backend: BetterAuthBackend, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return post(backend.url, path, body, { origin: backend.url, ...headers });
}

function get(base: string, path: string, authorization?: string): Promise<Response> {
  return fetch(base + path, { headers: authorization ? { authorization } : {} });
}

/** A JSON POST through node:http: no Fetch Metadata headers, no Origin (as curl or most HTTP clients send). */
function rawPost(url: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
    req.end(JSON.stringify(body));
  });
}

type SignIn = { redirect: boolean; token: string; user: Record<string, unknown> };
type Session = { session: { token: string; expiresAt: string; userId: string }; user: { id: string; email: string } };

async function signIn(backend: BetterAuthBackend = auth): Promise<{ body: SignIn; res: Response }> {
  const res = await authPost(backend, '/api/auth/sign-in/email', { email: backend.user.email, password: backend.user.password });
  expect(res.status).toBe(200);
  return { body: (await res.json()) as SignIn, res };
}

async function session(token: string, backend: BetterAuthBackend = auth): Promise<Session | null> {
  const res = await get(backend.url, '/api/auth/get-session', `Bearer ${token}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Session | null;
}

beforeAll(async () => {
  [auth, sliding, limited] = await Promise.all([
    startBetterAuth({ rateLimit: false, trustedOrigins: [APP_ORIGIN] }),
    startBetterAuth({ rateLimit: false, sessionExpiresIn: SLIDE_EXPIRES_IN, sessionUpdateAge: SLIDE_UPDATE_AGE }),
    startBetterAuth(),
  ]);
});

afterAll(async () => {
  await Promise.all([auth?.stop(), sliding?.stop(), limited?.stop()]);
});

describe('sign-up: POST /api/auth/sign-up/email', () => {
  it('creates an account and signs it in: 200 { token, user }', async () => {
    const res = await authPost(auth, '/api/auth/sign-up/email', { email: 'bob@example.com', password: 'bob-password-123', name: 'Bob' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; user: { email: string; name: string } };
    expect(Object.keys(body).sort()).toEqual(['token', 'user']);
    expect(body.user).toMatchObject({ email: 'bob@example.com', name: 'Bob' });
    expect(await session(body.token)).toMatchObject({ user: { email: 'bob@example.com' } });
  });

  it('answers a taken email with 422 and a short password with 400, each with a code', async () => {
    const taken = await authPost(auth, '/api/auth/sign-up/email', { email: auth.user.email, password: 'whatever-123', name: 'X' });
    expect(taken.status).toBe(422);
    expect(await taken.json()).toMatchObject({ code: 'USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL' });
    const short = await authPost(auth, '/api/auth/sign-up/email', { email: 'carl@example.com', password: 'short', name: 'C' });
    expect(short.status).toBe(400);
    expect(await short.json()).toEqual({ message: 'Password too short', code: 'PASSWORD_TOO_SHORT' });
  });
});

describe('sign-in: POST /api/auth/sign-in/email', () => {
  it('answers 200 { redirect, token, user }: one opaque session token, no refresh token, no expiry', async () => {
    const { body, res } = await signIn();
    expect(Object.keys(body).sort()).toEqual(['redirect', 'token', 'user']);
    expect(body.redirect).toBe(false);
    expect(body.token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(Object.keys(body.user).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id', 'image', 'name', 'updatedAt']);
    expect(body.user).toMatchObject({ email: auth.user.email, name: auth.user.name, emailVerified: false, image: null });
    // The bearer() plugin also hands out the signed form of the same token in a header...
    expect(res.headers.get('set-auth-token')).toMatch(new RegExp(`^${body.token}\\.[A-Za-z0-9+/]+=*$`));
    expect(res.headers.get('access-control-expose-headers')).toBe('set-auth-token');
    // ...and the lifetime appears only as the cookie's Max-Age (7 days by default).
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('better-auth.session_token='));
    expect(cookie).toContain(`Max-Age=${SEVEN_DAYS}`);
    expect(cookie).toContain('HttpOnly');
  });

  it('answers a wrong password and an unknown email alike: 401 INVALID_EMAIL_OR_PASSWORD', async () => {
    for (const email of [auth.user.email, 'nobody@example.com']) {
      const res = await authPost(auth, '/api/auth/sign-in/email', { email, password: 'wrong-password-1' });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'Invalid email or password', code: 'INVALID_EMAIL_OR_PASSWORD' });
    }
  });

  it('matches the email case-insensitively but rejects surrounding whitespace with 400 INVALID_EMAIL', async () => {
    const upper = await authPost(auth, '/api/auth/sign-in/email', { email: auth.user.email.toUpperCase(), password: auth.user.password });
    expect(upper.status).toBe(200);
    const spaced = await authPost(auth, '/api/auth/sign-in/email', { email: ` ${auth.user.email} `, password: auth.user.password });
    expect(spaced.status).toBe(400);
    expect(await spaced.json()).toEqual({ message: 'Invalid email', code: 'INVALID_EMAIL' });
  });

  it('answers a missing field and malformed JSON with 400 and a code', async () => {
    const missing = await authPost(auth, '/api/auth/sign-in/email', { email: auth.user.email });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    const malformed = await authPost(auth, '/api/auth/sign-in/email', '{"email":');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ message: 'Invalid JSON in request body', code: 'BAD_REQUEST' });
  });

  it('accepts a form-encoded body as well as JSON', async () => {
    const res = await fetch(`${auth.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: auth.url },
      body: new URLSearchParams({ email: auth.user.email, password: auth.user.password }),
    });
    expect(res.status).toBe(200);
  });
});

describe('origin check on sign-in (CSRF protection by Fetch Metadata)', () => {
  const credentials = () => ({ email: auth.user.email, password: auth.user.password });

  it('refuses Node`s fetch without an Origin: it sends `sec-fetch-mode: cors`, so 403 MISSING_OR_NULL_ORIGIN', async () => {
    const res = await post(auth.url, '/api/auth/sign-in/email', credentials());
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'Missing or null Origin', code: 'MISSING_OR_NULL_ORIGIN' });
  });

  it('accepts a client that sends no Fetch Metadata and no Origin (node:http)', async () => {
    const { status, body } = await rawPost(`${auth.url}/api/auth/sign-in/email`, credentials());
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ user: { email: auth.user.email } });
  });

  it('accepts its own base URL and a configured trusted origin, and refuses any other with 403 INVALID_ORIGIN', async () => {
    expect((await post(auth.url, '/api/auth/sign-in/email', credentials(), { origin: auth.url })).status).toBe(200);
    expect((await post(auth.url, '/api/auth/sign-in/email', credentials(), { origin: APP_ORIGIN })).status).toBe(200);
    const other = await post(auth.url, '/api/auth/sign-in/email', credentials(), { origin: 'http://evil.example' });
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ message: 'Invalid origin', code: 'INVALID_ORIGIN' });
  });

  it('does not check the origin of a Bearer sign-out without cookies', async () => {
    const { body } = await signIn();
    const res = await post(auth.url, '/api/auth/sign-out', undefined, { authorization: `Bearer ${body.token}` });
    expect(res.status).toBe(200);
    expect(await session(body.token)).toBeNull();
  });
});

describe('session: GET /api/auth/get-session', () => {
  it('answers 200 { session, user } for the token as a Bearer, in its raw or signed form', async () => {
    const { body, res } = await signIn();
    for (const token of [body.token, res.headers.get('set-auth-token')!]) {
      const found = await session(token);
      expect(found?.user).toMatchObject({ id: body.user.id, email: auth.user.email });
      expect(found?.session).toMatchObject({ token: body.token, userId: body.user.id });
      // The expiry is an ISO 8601 date string, seven days ahead.
      const left = Date.parse(found!.session.expiresAt) - Date.now();
      expect(left).toBeGreaterThan((SEVEN_DAYS - 60) * 1000);
      expect(left).toBeLessThanOrEqual(SEVEN_DAYS * 1000);
    }
  });

  it('answers 200 with the JSON body `null` (not 401) when signed out, for a forged token, and for another scheme', async () => {
    const { body } = await signIn();
    for (const authorization of [undefined, 'Bearer forged-token', `JWT ${body.token}`, `Token ${body.token}`]) {
      const res = await get(auth.url, '/api/auth/get-session', authorization);
      expect(res.status, authorization).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.text(), authorization).toBe('null');
    }
  });

  it('reads the scheme case-insensitively: `bearer` works', async () => {
    const { body } = await signIn();
    const res = await get(auth.url, '/api/auth/get-session', `bearer ${body.token}`);
    expect(((await res.json()) as Session | null)?.session.token).toBe(body.token);
  });

  it('extends a session that is used (same token, later expiresAt) and lets an unused one expire', async () => {
    const { body } = await signIn(sliding);
    let last = Date.parse((await session(body.token, sliding))!.session.expiresAt);
    // Used every 1.5 s for 4.5 s, beyond its 3 s lifetime: each use past updateAge pushes expiresAt.
    for (let i = 0; i < 3; i++) {
      await sleep(1500);
      const found = await session(body.token, sliding);
      expect(found?.session.token).toBe(body.token);
      const expiresAt = Date.parse(found!.session.expiresAt);
      expect(expiresAt).toBeGreaterThan(last);
      last = expiresAt;
    }
    await sleep(SLIDE_EXPIRES_IN * 1000 + 700);
    expect(await session(body.token, sliding)).toBeNull();
    expect((await get(sliding.url, '/api/notes', `Bearer ${body.token}`)).status).toBe(401);
  });
});

describe('sign-out: POST /api/auth/sign-out', () => {
  it('revokes the Bearer session: 200 { success: true }, then get-session null and the resource 401', async () => {
    const { body } = await signIn();
    expect((await get(auth.url, '/api/notes', `Bearer ${body.token}`)).status).toBe(200);
    const res = await post(auth.url, '/api/auth/sign-out', undefined, { authorization: `Bearer ${body.token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    expect(await session(body.token)).toBeNull();
    expect((await get(auth.url, '/api/notes', `Bearer ${body.token}`)).status).toBe(401);
  });

  it('answers 200 { success: true } even with nothing to revoke: the status never says whether it revoked', async () => {
    const { body } = await signIn();
    await post(auth.url, '/api/auth/sign-out', undefined, { authorization: `Bearer ${body.token}` });
    for (const headers of [{ authorization: `Bearer ${body.token}` }, { authorization: 'Bearer forged' }, {}]) {
      const res = await post(auth.url, '/api/auth/sign-out', undefined, headers);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ success: true });
    }
  });

  it('revokes only that session: another sign-in of the same user stays valid', async () => {
    const one = await signIn();
    const two = await signIn();
    await post(auth.url, '/api/auth/sign-out', undefined, { authorization: `Bearer ${one.body.token}` });
    expect(await session(one.body.token)).toBeNull();
    expect((await session(two.body.token))?.session.token).toBe(two.body.token);
  });
});

describe('resource: /api/notes', () => {
  it('creates (201) and lists (200) the user`s notes with the Bearer session, and answers 401 without', async () => {
    const { body } = await signIn();
    const created = await post(auth.url, '/api/notes', { text: 'from the contract test' }, { authorization: `Bearer ${body.token}` });
    expect(created.status).toBe(201);
    const note = (await created.json()) as { id: number; text: string; createdAt: string };
    expect(note.text).toBe('from the contract test');
    const list = await get(auth.url, '/api/notes', `Bearer ${body.token}`);
    expect(await list.json()).toContainEqual(note);
    const anonymous = await get(auth.url, '/api/notes');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ code: 'UNAUTHORIZED', message: 'Unauthorized' });
  });
});

describe('rate limit (the production default)', () => {
  it('allows 3 sign-ins per 10 s in one bucket for every caller without a client IP header, then 429', async () => {
    const statuses: number[] = [];
    // Different accounts, one bucket: a BFF that sends no client IP throttles all its users together.
    for (const email of [limited.user.email, 'b@example.com', 'c@example.com', 'd@example.com']) {
      const res = await authPost(limited, '/api/auth/sign-in/email', { email, password: 'wrong-password-1' });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get('x-retry-after')).toMatch(/^\d+$/);
        expect(await res.json()).toEqual({ message: 'Too many requests. Please try again later.' });
      }
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('keys the bucket on a single-valued X-Forwarded-For: another client address is not throttled', async () => {
    const res = await authPost(
      limited,
      '/api/auth/sign-in/email',
      { email: limited.user.email, password: limited.user.password },
      { 'x-forwarded-for': '203.0.113.7' },
    );
    expect(res.status).toBe(200);
  });
});
