/**
 * docs/security.md 29-30 over HTTP: every response that reads or writes the session is private and
 * uncacheable, JSON is nosniff, and every error bffkit can be made to answer (400 … 504, handoff,
 * store outage) is `{ code, message }` and nothing else: no token, secret, cookie value, input echo
 * or stack trace, in the body or in a header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, type ErrorCode } from '../../packages/bffkit/src/core/errors';
import { deriveKeyRing } from '../../packages/bffkit/src/core/crypto/keys';
import { sealJson } from '../../packages/bffkit/src/core/crypto/seal';
import { TEST_SECRET } from '../support/app-process';
import type { Reply } from './lib/client';
import { COOKIE, DEMO, nowSeconds, openSession, sealSession, setCookieValue, tokensOf, type SessionData } from './lib/session';
import { expectHealthy, login, startTarget, type AppUnderTest, type Target } from './lib/stack';
import { item, items } from './items';

let t: Target;
let session: { cookie: string; value: string; data: SessionData };
/** Strings that must never appear in an error answer. */
const secrets = new Set<string>([TEST_SECRET]);

beforeAll(async () => {
  t = await startTarget({ interpose: true });
  const { cookie, reply } = await login(t.client);
  const value = setCookieValue(reply)!;
  session = { cookie, value, data: openSession(value)! };
  remember(session.data);
  secrets.add(value);
});

afterAll(async () => {
  await t?.stop();
});

function remember(s: SessionData): void {
  for (const token of tokensOf(s)) {
    secrets.add(token);
    // With a JWT, each part alone is already too much (the signature proves possession).
    for (const part of token.split('.')) if (part.length >= 16) secrets.add(part);
  }
}

const STACK = /\bat .+:\d+:\d+|\n\s+at\s|Error:|node_modules|\/work\/|\.tsx?\b|webpack|turbopack|\[object |undefined/;

/** Checks one error answer: status and code agree, only {code, message}, nothing that must not leak. */
function expectCleanError(r: Reply, code: ErrorCode, what: string, echoed: string[] = []): void {
  expect(r.status, `${what}: ${r.body.slice(0, 200)}`).toBe(ERROR_STATUS[code]);
  expect(String(r.headers['content-type']), what).toMatch(/^application\/json/);
  const body = r.json<Record<string, unknown>>();
  expect(Object.keys(body).sort(), what).toEqual(['code', 'message']);
  expect(body.code, what).toBe(code);
  expect(typeof body.message === 'string' && body.message.length > 0 && body.message.length < 200, what).toBe(true);
  expect(r.body, what).not.toMatch(STACK);
  for (const s of [...secrets, ...echoed]) expect(r.body.includes(s), `${what}: body leaks ${s.slice(0, 12)}…`).toBe(false);
  for (const [name, value] of Object.entries(r.headers)) {
    const text = ([] as string[]).concat(value ?? []).join('\n');
    if (name === 'set-cookie') {
      for (const token of [...secrets].filter((s) => s !== session.value)) expect(text.includes(token), `${what}: Set-Cookie leaks a token`).toBe(false);
      continue;
    }
    for (const s of [...secrets, ...echoed]) expect(text.includes(s), `${what}: header ${name} leaks`).toBe(false);
    expect(text, `${what}: header ${name}`).not.toMatch(/\bat .+:\d+:\d+/);
  }
  expect(r.headers['cache-control'], what).toMatch(/private/);
  expect(r.headers['cache-control'], what).toMatch(/no-store/);
  expect(r.headers['x-content-type-options'], what).toBe('nosniff');
}

/** A copy of the live session whose access token is due, so the next request refreshes it. */
function dueCookie(): string {
  const now = nowSeconds();
  return `${COOKIE}=${sealSession({ ...session.data, tokens: { ...session.data.tokens, expiresAt: now, issuedAt: now - 300 } })}`;
}

describe(item(29), () => {
  const isPrivate = (r: Reply) => /private/.test(String(r.headers['cache-control'])) && /no-store/.test(String(r.headers['cache-control']));

  it('auth routes, forwarded API calls and protected-page redirects: private, no-store; JSON: nosniff', async () => {
    const c = session.cookie;
    const replies: [string, Reply][] = [
      ['session (signed in)', await t.client.get('/api/auth/session', c)],
      ['session (anonymous)', await t.client.get('/api/auth/session')],
      ['session (tampered)', await t.client.get('/api/auth/session', `${COOKIE}=x${session.value}`)],
      ['session (refreshed)', await t.client.get('/api/auth/session', dueCookie())],
      ['login (JSON ok)', await t.client.json('/api/auth/login', DEMO)],
      ['login (JSON failed)', await t.client.json('/api/auth/login', { email: 'nobody-29@example.com', password: 'x' })],
      ['login (form ok)', await t.client.form('/api/auth/login', { ...DEMO, returnTo: '/notes' })],
      ['login (form failed)', await t.client.form('/api/auth/login', { email: 'nobody-29b@example.com', password: 'x' })],
      ['logout (JSON)', await t.client.json('/api/auth/logout', {}, { cookie: (await login(t.client)).cookie })],
      ['logout (form)', await t.client.form('/api/auth/logout', { returnTo: '/' }, { cookie: (await login(t.client)).cookie })],
      ['forward GET 200', await t.client.get('/api/backend/notes', c)],
      ['forward GET (refreshed)', await t.client.get('/api/backend/notes', dueCookie())],
      ['forward POST 201', await t.client.json('/api/backend/notes', { title: 'cache', body: 'x' }, { cookie: c })],
      ['forward 401', await t.client.get('/api/backend/notes')],
      ['forward 403', await t.client.json('/api/backend/notes', {}, { cookie: c, headers: { 'x-csrf': undefined } })],
      ['forward 404', await t.client.get('/api/backend/__stats', c)],
      ['forward 405', await t.client.request('/api/backend/notes', { method: 'PUT', cookie: c })],
      ['forward 400', await t.client.get('/api/backend/notes/..%2f__stats', c)],
      ['protected page redirect', await t.client.get('/profile')],
      ['protected page redirect (tampered)', await t.client.get('/notes', 'bffkit=garbage')],
    ];
    for (const [what, r] of replies) {
      expect(r.status, what).not.toBe(500);
      expect(isPrivate(r), `${what} (${r.status}): cache-control ${r.headers['cache-control']}`).toBe(true);
      if (String(r.headers['content-type']).startsWith('application/json')) expect(r.headers['x-content-type-options'], what).toBe('nosniff');
    }
  });

  it('pages that render the session (signed in, anonymous, freshly refreshed, RSC payloads) are private, no-store', async () => {
    const c = session.cookie;
    for (const path of ['/', '/login', '/profile', '/notes', '/sessions', '/nope-404']) {
      for (const [what, cookie] of [['signed in', c], ['anonymous', undefined], ['refreshed', dueCookie()]] as const) {
        const r = await t.client.get(path, cookie);
        if (r.status >= 300 && r.status < 400) {
          expect(isPrivate(r), `${path} ${what} redirect`).toBe(true);
          continue;
        }
        expect(isPrivate(r), `${path} ${what} (${r.status}): ${r.headers['cache-control']}`).toBe(true);
        expect(r.headers['x-content-type-options'], path).toBe('nosniff');
      }
      const first = await t.client.get(path, c, { headers: { rsc: '1' } });
      const rsc = first.status === 307 ? await t.client.get(first.headers.location!, c, { headers: { rsc: '1' } }) : first;
      expect(isPrivate(rsc), `${path} RSC (${rsc.status}): ${rsc.headers['cache-control']}`).toBe(true);
    }
  });
});

describe(item(30), () => {
  it('every error bffkit answers is a clean { code, message }', async () => {
    const c = session.cookie;
    const password = 'pw-that-must-not-echo-30';
    const checks: [ErrorCode, string, () => Promise<Reply>, string[]?][] = [
      ['invalid_request', 'broken JSON', () => t.client.json('/api/auth/login', `{"email":"${DEMO.email}","password":"${password}"`), [password]],
      ['invalid_request', 'missing password', () => t.client.json('/api/auth/login', { email: DEMO.email })],
      ['invalid_request', 'JSON array', () => t.client.json('/api/auth/login', `["${password}"]`), [password]],
      ['invalid_request', 'traversal', () => t.client.get('/api/backend/notes/..%2f__stats', c)],
      ['login_failed', 'wrong password', () => t.client.json('/api/auth/login', { email: DEMO.email, password }), [password]],
      ['unauthenticated', 'no session', () => t.client.get('/api/backend/notes')],
      ['unauthenticated', 'tampered session', () => t.client.get('/api/backend/notes', `${COOKIE}=${session.value.slice(0, -3)}xyz`), [session.value.slice(0, -3)]],
      ['csrf_failed', 'no anti-forgery header', () => t.client.json('/api/auth/logout', {}, { cookie: c, headers: { 'x-csrf': undefined } })],
      ['forbidden_origin', 'foreign origin', () => t.client.json('/api/auth/login', DEMO, { headers: { origin: 'http://evil.example' } }), ['evil.example']],
      ['not_found', 'unknown auth route', () => t.client.get('/api/auth/nope-route', c), ['nope-route']],
      ['path_not_allowed', 'unlisted path', () => t.client.get('/api/backend/__stats', c), ['__stats']],
      ['method_not_allowed', 'GET login', () => t.client.get('/api/auth/login')],
      ['method_not_allowed', 'PUT notes', () => t.client.request('/api/backend/notes', { method: 'PUT', cookie: c })],
      ['payload_too_large', 'big login body', () => t.client.json('/api/auth/login', { ...DEMO, pad: `${password}${'x'.repeat(20_000)}` }), [password]],
      ['unsupported_media_type', 'text/plain login', () => t.client.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'text/plain', 'x-csrf': '1' }, body: password }), [password]],
    ];
    for (const [code, what, send, echoed] of checks) expectCleanError(await send(), code, what, echoed);
  });

  it('rate limiting, an ended session and backend failures are clean too', async () => {
    for (let i = 0; i < 5; i++) await t.client.json('/api/auth/login', { email: 'locked-30@example.com', password: `x${i}` });
    expectCleanError(await t.client.json('/api/auth/login', { email: 'locked-30@example.com', password: 'x' }), 'rate_limited', 'rate limited');

    const { reply } = await login(t.client);
    const fresh = openSession(setCookieValue(reply)!)!;
    remember(fresh);
    const now = nowSeconds();
    const due = `${COOKIE}=${sealSession({ ...fresh, tokens: { ...fresh.tokens, expiresAt: now, issuedAt: now - 300 } })}`;
    t.interposer!.setRule((r) => (r.path === '/auth/refresh' ? { kind: 'respond', status: 401, headers: { 'content-type': 'application/json' }, body: '{"code":"invalid_grant","detail":"refresh token family abc revoked"}' } : undefined));
    try {
      expectCleanError(await t.client.get('/api/backend/notes', due), 'session_expired', 'refresh rejected', ['invalid_grant', 'family abc']);
    } finally {
      t.interposer!.setRule(null);
    }

    t.interposer!.setRule((r) => (r.path.startsWith('/notes') ? { kind: 'drop' } : undefined));
    try {
      expectCleanError(await t.client.get('/api/backend/notes', session.cookie), 'upstream_unavailable', 'backend unreachable', [t.interposer!.url, '127.0.0.1']);
    } finally {
      t.interposer!.setRule(null);
    }
    t.interposer!.setRule((r) => (r.path === '/auth/login' ? { kind: 'respond', status: 503, body: 'upstream secret diagnostics' } : undefined));
    try {
      expectCleanError(await t.client.json('/api/auth/login', DEMO), 'upstream_unavailable', 'backend 503 at login', ['secret diagnostics']);
    } finally {
      t.interposer!.setRule(null);
    }
    t.interposer!.setRule((r) => (r.path === '/auth/login' ? { kind: 'hang' } : undefined));
    try {
      expectCleanError(await t.client.json('/api/auth/login', DEMO, { timeoutMs: 40_000 }), 'upstream_timeout', 'backend silent at login');
    } finally {
      t.interposer!.setRule(null);
    }
  }, 60_000);

  it('token handoff rejections and a session-store outage are clean too', async () => {
    const handoff: AppUnderTest = await t.extraApp({ BFF_HANDOFF: '1' });
    const forged = `${session.data.tokens.accessToken.split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}`;
    const r = await handoff.client.json('/api/auth/handoff', { access_token: forged, refresh_token: 'handoff-refresh-secret' });
    expectCleanError(r, 'token_rejected', 'forged handoff', ['handoff-refresh-secret', forged]);
    expectHealthy(handoff);

    const broken: AppUnderTest = await t.extraApp({ BFF_SESSION_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:1' });
    // A valid store-mode cookie (the sealed session id), so the request has to ask the store.
    const storeCookie = `${COOKIE}=${sealJson(deriveKeyRing([TEST_SECRET], 'session-id'), { v: 1, i: session.data.id })}`;
    const outage = [await broken.client.get('/api/backend/notes', storeCookie), await broken.client.json('/api/auth/login', DEMO)];
    for (const o of outage) expectCleanError(o, 'store_unavailable', `store down: ${o.status}`);
  });

  it('Next.js error pages (404) carry no session secrets either', async () => {
    const r = await t.client.get('/definitely-not-a-page', session.cookie);
    expect(r.status).toBe(404);
    for (const s of secrets) expect(r.body.includes(s)).toBe(false);
    expect(r.body).not.toMatch(/\bat .+:\d+:\d+/);
  });
});

describe(`server health (${items(29, 30)})`, () => {
  it('no request answered 500 and the app logged no unhandled error', () => {
    expectHealthy(t);
  });
});
