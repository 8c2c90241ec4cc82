import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryRateLimitStore } from '../stores/memory-rate-limit-store';
import {
  APP,
  cookieHeaderFrom,
  DEMO,
  DEMO_USER,
  formPost,
  isClearing,
  jsonPost,
  login,
  setCookieName,
  testBff,
} from '../testing/support';

const LOGIN = '/api/auth/login';

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('private, no-store');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  const body = (await res.json()) as { code: string; message: string };
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  return body;
}

describe('POST /login with JSON', () => {
  it('answers the display user, the session end and where to go, with a sealed session cookie', async () => {
    const { bff, clock } = testBff();
    const res = await bff.handleAuth(jsonPost(LOGIN, { ...DEMO, returnTo: '/notes?x=1' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await res.json()).toEqual({
      status: 'authenticated',
      user: DEMO_USER,
      expiresAt: (clock.now + 86_400) * 1000,
      auth: { amr: ['pwd'], authTime: clock.now },
      // 300-second tokens: the browser renews 30 s before expiry (the skew), the server only 1 s before (no shared coordinator).
      refreshAt: (clock.now + 270) * 1000,
      redirectTo: '/notes?x=1',
    });
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^bffkit=[A-Za-z0-9_-]+; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax$/);
  });

  it('never puts a token anywhere but inside the sealed cookie', async () => {
    const { bff, backend } = testBff();
    const res = await bff.handleAuth(jsonPost(LOGIN, DEMO));
    const body = await res.text();
    const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
    expect(backend.issued.length).toBeGreaterThan(0);
    for (const token of backend.issued) {
      expect(body).not.toContain(token);
      expect(headers).not.toContain(token);
    }
  });

  it.each([
    ['//evil.example', '/'],
    ['https://evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    [42, '/'],
  ])('replaces the unsafe returnTo %j with the default', async (returnTo, expected) => {
    const { bff } = testBff();
    const res = await bff.handleAuth(jsonPost(LOGIN, { ...DEMO, returnTo }));
    expect(((await res.json()) as { redirectTo: string }).redirectTo).toBe(expected);
  });

  it('uses the configured defaultReturnTo when no returnTo is given', async () => {
    const { bff } = testBff({ defaultReturnTo: '/profile' });
    const res = await bff.handleAuth(jsonPost(LOGIN, DEMO));
    expect(((await res.json()) as { redirectTo: string }).redirectTo).toBe('/profile');
  });

  it('answers the same 401 login_failed body for a wrong password and an unknown user', async () => {
    const { bff } = testBff();
    const wrong = await bff.handleAuth(jsonPost(LOGIN, { email: DEMO.email, password: 'nope' }));
    const unknown = await bff.handleAuth(jsonPost(LOGIN, { email: 'nobody@example.com', password: 'whatever' }));
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = await wrong.text();
    expect(await unknown.text()).toBe(a);
    expect(JSON.parse(a)).toEqual({ code: 'login_failed', message: 'Invalid email or password.' });
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('answers login_failed when the backend accepts the credentials but then refuses the user lookup', async () => {
    const { bff, backend } = testBff();
    backend.nextUser.push({ ok: false, reason: 'rejected' });
    await expectError(await bff.handleAuth(jsonPost(LOGIN, DEMO)), 401, 'login_failed');
  });

  it.each([
    ['unavailable', 502, 'upstream_unavailable'],
    ['timeout', 504, 'upstream_timeout'],
  ] as const)('answers %s from the backend as %i and the next attempt may proceed', async (reason, status, code) => {
    const { bff, backend } = testBff({ loginRateLimit: { maxPerAccount: 2 } });
    backend.nextLogin.push({ ok: false, reason });
    await expectError(await bff.handleAuth(jsonPost(LOGIN, DEMO)), status, code);
    expect((await bff.handleAuth(jsonPost(LOGIN, DEMO))).status).toBe(200);
  });

  it.each([
    ['a missing password', { email: DEMO.email }],
    ['an empty email', { email: '', password: 'x' }],
    ['a non-string email', { email: ['a'], password: 'x' }],
    ['an over-long password', { email: DEMO.email, password: 'x'.repeat(1025) }],
  ])('answers 400 for %s without calling the backend', async (_label, body) => {
    const { bff, backend } = testBff();
    await expectError(await bff.handleAuth(jsonPost(LOGIN, body)), 400, 'invalid_request');
    expect(backend.calls.login).toBe(0);
  });

  it.each(['{"email":', 'null', '[1,2]', '"text"', ''])('answers 400 for the malformed JSON body %j', async (body) => {
    const { bff } = testBff();
    await expectError(await bff.handleAuth(jsonPost(LOGIN, body)), 400, 'invalid_request');
  });
});

describe('POST /login: CSRF and content type', () => {
  it('refuses a JSON login without the anti-forgery header (403) and never calls the backend', async () => {
    const { bff, backend } = testBff();
    await expectError(await bff.handleAuth(jsonPost(LOGIN, DEMO, { csrf: false })), 403, 'csrf_failed');
    await expectError(await bff.handleAuth(jsonPost(LOGIN, DEMO, { csrf: false, headers: { 'x-csrf': '0' } })), 403, 'csrf_failed');
    expect(backend.calls.login).toBe(0);
  });

  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['Origin null', { origin: 'null' }],
    ['a look-alike Origin', { origin: 'http://localhost:3000.evil.example' }],
    ['another port', { origin: 'http://localhost:3001' }],
    ['https instead of http', { origin: 'https://localhost:3000' }],
    ['Sec-Fetch-Site: cross-site', { headers: { 'sec-fetch-site': 'cross-site' } }],
    ['Sec-Fetch-Site: same-site', { headers: { 'sec-fetch-site': 'same-site' } }],
  ])('refuses %s with 403', async (_label, opts) => {
    const { bff, backend } = testBff();
    await expectError(await bff.handleAuth(jsonPost(LOGIN, DEMO, opts)), 403, 'forbidden_origin');
    expect(backend.calls.login).toBe(0);
  });

  it('accepts a JSON login from a non-browser client that sends the header but no Origin', async () => {
    const { bff } = testBff();
    expect((await bff.handleAuth(jsonPost(LOGIN, DEMO, { origin: null }))).status).toBe(200);
  });

  it.each(['text/plain', 'multipart/form-data; boundary=x', 'application/xml', ''])('answers 415 for content type %j', async (type) => {
    const { bff, backend } = testBff();
    const headers: Record<string, string> = { 'x-csrf': '1', origin: APP };
    if (type) headers['content-type'] = type;
    const res = await bff.handleAuth(new Request(`${APP}${LOGIN}`, { method: 'POST', headers, body: JSON.stringify(DEMO) }));
    await expectError(res, 415, 'unsupported_media_type');
    expect(backend.calls.login).toBe(0);
  });

  it('answers 413 for a body over 16 KB, with or without a Content-Length', async () => {
    const { bff, backend } = testBff();
    const big = JSON.stringify({ ...DEMO, pad: 'x'.repeat(17 * 1024) });
    await expectError(await bff.handleAuth(jsonPost(LOGIN, big)), 413, 'payload_too_large');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        c.close();
      },
    });
    const streamed = new Request(`${APP}${LOGIN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf': '1', origin: APP },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await expectError(await bff.handleAuth(streamed), 413, 'payload_too_large');
    const lying = jsonPost(LOGIN, DEMO, { headers: { 'content-length': String(1024 * 1024) } });
    await expectError(await bff.handleAuth(lying), 413, 'payload_too_large');
    expect(backend.calls.login).toBe(0);
  });
});

describe('POST /login as an HTML form (no JavaScript)', () => {
  it('signs in with a matching Origin and answers 303 to returnTo with the cookie', async () => {
    const { bff } = testBff();
    const res = await bff.handleAuth(formPost(LOGIN, { ...DEMO, returnTo: '/notes' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${APP}/notes`);
    expect(res.headers.getSetCookie().map(setCookieName)).toEqual(['bffkit']);
    expect(await res.text()).toBe('');
  });

  it('refuses a form post without Origin or with a foreign one (403)', async () => {
    const { bff, backend } = testBff();
    await expectError(await bff.handleAuth(formPost(LOGIN, DEMO, { origin: null })), 403, 'forbidden_origin');
    await expectError(await bff.handleAuth(formPost(LOGIN, DEMO, { origin: 'https://evil.example' })), 403, 'forbidden_origin');
    expect(backend.calls.login).toBe(0);
  });

  it('sends a failed form login back to the login page with the error and a safe returnTo', async () => {
    const { bff } = testBff();
    const res = await bff.handleAuth(formPost(LOGIN, { email: DEMO.email, password: 'nope', returnTo: '/notes' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${APP}/login?error=login_failed&returnTo=%2Fnotes`);
    expect(res.headers.getSetCookie()).toEqual([]);
    const evil = await bff.handleAuth(formPost(LOGIN, { email: DEMO.email, password: 'nope', returnTo: '//evil.example' }));
    expect(evil.headers.get('location')).toBe(`${APP}/login?error=login_failed`);
  });

  it('never builds the redirect from the Host header', async () => {
    const { bff } = testBff();
    const req = new Request('http://evil.example/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP, host: 'evil.example', 'x-forwarded-host': 'evil.example' },
      body: new URLSearchParams({ ...DEMO, returnTo: '/notes' }).toString(),
    });
    const res = await bff.handleAuth(req);
    expect(res.headers.get('location')).toBe(`${APP}/notes`);
  });
});

describe('POST /login: session fixation (docs/security.md 8)', () => {
  it('replaces an existing session with a new id and revokes the old refresh token', async () => {
    const { bff, backend } = testBff();
    const first = (await login(bff)).cookie;
    const old = await bff.loadSession(first, 'never');
    if (old.kind !== 'active') throw new Error('no first session');
    const res = await bff.handleAuth(jsonPost(LOGIN, DEMO, { cookie: first }));
    expect(res.status).toBe(200);
    const second = cookieHeaderFrom(res.headers.getSetCookie());
    const now = await bff.loadSession(second, 'never');
    if (now.kind !== 'active') throw new Error('no second session');
    expect(now.session.id).not.toBe(old.session.id);
    expect(backend.revoked.map((t) => t.refreshToken)).toEqual([old.session.tokens.refreshToken]);
    expect((await bff.loadSession(first, 'never')).kind).toBe('anonymous');
  });

  it('replaces a planted chunked cookie set, clearing every stale chunk', async () => {
    const { bff } = testBff();
    const res = await bff.handleAuth(jsonPost(LOGIN, DEMO, { cookie: 'bffkit.0=planted; bffkit.1=planted' }));
    const lines = res.headers.getSetCookie();
    expect(lines.filter((l) => !isClearing(l)).map(setCookieName)).toEqual(['bffkit']);
    expect(lines.filter(isClearing).map(setCookieName).sort()).toEqual(['bffkit.0', 'bffkit.1']);
  });
});

describe('POST /login: brute-force limit (docs/security.md 28)', () => {
  it('answers 429 with Retry-After after five failures for one account, even with the right password', async () => {
    const { bff, backend } = testBff();
    for (let i = 0; i < 5; i++) {
      expect((await bff.handleAuth(jsonPost(LOGIN, { email: DEMO.email, password: `guess-${i}` }))).status).toBe(401);
    }
    const res = await bff.handleAuth(jsonPost(LOGIN, DEMO));
    await expectError(res, 429, 'rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(backend.calls.login).toBe(5);
    expect((await bff.handleAuth(jsonPost(LOGIN, { email: 'other@example.com', password: 'x' }))).status).toBe(401);
  });

  it('lets the account in again once the window has passed', async () => {
    let ms = 1_000_000;
    const { bff } = testBff({ loginRateLimit: { maxPerAccount: 2, window: 60, store: memoryRateLimitStore({ now: () => ms }) } });
    for (let i = 0; i < 2; i++) await bff.handleAuth(jsonPost(LOGIN, { email: DEMO.email, password: 'nope' }));
    expect((await bff.handleAuth(jsonPost(LOGIN, DEMO))).status).toBe(429);
    ms += 60_000;
    expect((await bff.handleAuth(jsonPost(LOGIN, DEMO))).status).toBe(200);
  });

  it('limits one client address across accounts when the proxy is trusted', async () => {
    const { bff } = testBff({ trustProxy: true, loginRateLimit: { maxPerAddress: 3 } });
    const from = (ip: string, email: string) => jsonPost(LOGIN, { email, password: 'nope' }, { headers: { 'x-forwarded-for': ip } });
    for (const email of ['a@x.com', 'b@x.com', 'c@x.com']) expect((await bff.handleAuth(from('203.0.113.7', email))).status).toBe(401);
    await expectError(await bff.handleAuth(from('203.0.113.7', 'd@x.com')), 429, 'rate_limited');
    expect((await bff.handleAuth(from('198.51.100.9', 'd@x.com'))).status).toBe(401);
  });

  it('ignores X-Forwarded-For without trustProxy, so spoofing it neither helps nor locks others out', async () => {
    const { bff } = testBff({ loginRateLimit: { maxPerAddress: 1 } });
    const from = (ip: string, email: string) => jsonPost(LOGIN, { email, password: 'nope' }, { headers: { 'x-forwarded-for': ip } });
    for (const email of ['a@x.com', 'b@x.com', 'c@x.com']) expect((await bff.handleAuth(from('203.0.113.7', email))).status).toBe(401);
  });

  it('redirects a rate-limited form login back with error=rate_limited and Retry-After', async () => {
    const { bff } = testBff({ loginRateLimit: { maxPerAccount: 1 } });
    await bff.handleAuth(formPost(LOGIN, { email: DEMO.email, password: 'nope' }));
    const res = await bff.handleAuth(formPost(LOGIN, DEMO));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${APP}/login?error=rate_limited`);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('clears the account counter after a successful login', async () => {
    const { bff } = testBff({ loginRateLimit: { maxPerAccount: 2 } });
    await bff.handleAuth(jsonPost(LOGIN, { email: DEMO.email, password: 'nope' }));
    expect((await bff.handleAuth(jsonPost(LOGIN, DEMO))).status).toBe(200);
    await bff.handleAuth(jsonPost(LOGIN, { email: DEMO.email, password: 'nope' }));
    expect((await bff.handleAuth(jsonPost(LOGIN, DEMO))).status).toBe(200);
  });
});

describe('handleAuth never answers 500 for garbage input', () => {
  const header = fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '').trim());
  const request = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    path: fc.constantFrom('/api/auth/login', '/api/auth/logout', '/api/auth/session', '/api/auth/', '/api/auth/x', '/api/auth/login/'),
    contentType: fc.option(fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-8'), { nil: undefined }),
    csrf: fc.option(fc.constantFrom('1', '0', ''), { nil: undefined }),
    origin: fc.option(fc.oneof(fc.constant(APP), fc.constant('null'), header), { nil: undefined }),
    site: fc.option(fc.constantFrom('same-origin', 'cross-site', 'same-site', 'none', 'bogus'), { nil: undefined }),
    cookie: fc.option(
      fc.oneof(
        header,
        header.map((s) => `bffkit=${s}`),
        header.map((s) => `bffkit.0=${s}; bffkit.1=${s}`),
        fc.constant('VALID'),
        header.map((s) => `VALID; bffkit.0=${s}`),
      ),
      { nil: undefined },
    ),
    xff: fc.option(header, { nil: undefined }),
    body: fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.json().map((j) => j),
      fc.record({ email: fc.anything(), password: fc.anything(), returnTo: fc.anything() }).map((o) => {
        try {
          return JSON.stringify(o) ?? '';
        } catch {
          return '';
        }
      }),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })).map((d) => new URLSearchParams(d).toString()),
    ),
  });

  it('answers a JSON error or a redirect, always private, for random bodies and headers', async () => {
    const { bff } = testBff({ trustProxy: true });
    const valid = (await login(bff)).cookie;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers = new Headers();
        if (r.contentType) headers.set('content-type', r.contentType);
        if (r.csrf !== undefined) headers.set('x-csrf', r.csrf);
        if (r.origin !== undefined) headers.set('origin', r.origin);
        if (r.site) headers.set('sec-fetch-site', r.site);
        if (r.cookie !== undefined) headers.set('cookie', r.cookie.replace('VALID', valid));
        if (r.xff !== undefined) headers.set('x-forwarded-for', r.xff);
        const hasBody = r.method !== 'GET';
        const res = await bff.handleAuth(new Request(`${APP}${r.path}`, { method: r.method, headers, body: hasBody ? r.body : null }));
        expect(res.status).not.toBe(500);
        expect(res.status).toBeLessThan(600);
        expect(res.headers.get('cache-control')).toBe('private, no-store');
        if (res.status === 303) {
          expect(res.headers.get('location')!.startsWith(`${APP}/`)).toBe(true);
        } else {
          expect(res.headers.get('content-type')).toMatch(/^application\/json/);
          const body = (await res.json()) as Record<string, unknown>;
          expect(typeof body).toBe('object');
        }
      }),
      { numRuns: 300 },
    );
  });
});
