/**
 * docs/security.md 9-12 over HTTP: timeouts from the sealed timestamps, rolling renewal capped by the
 * absolute timeout, logout semantics (including a logout racing a refreshing request, and store mode),
 * and what a rejected refresh versus a down or slow backend does to the session.
 *
 * The backend's access tokens live 4 s here (refresh due after 2 s), and an interposer sits between
 * the app and the backend to hold, drop or rewrite refresh calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from './lib/client';
import { COOKIE, DEMO, clearedNames, cookieAfter, nowSeconds, openSession, sealSession, setCookieValue, type SessionData } from './lib/session';
import { expectHealthy, login, sessionStatus, startTarget, type AppUnderTest, type Target } from './lib/stack';
import { item, items } from './items';

const TTL = 4;
const DAY = 86_400;
const SEVEN_DAYS = 7 * DAY;

let t: Target;
let storeApp: AppUnderTest;

beforeAll(async () => {
  t = await startTarget({ accessTokenTtl: TTL, interpose: true });
  storeApp = await t.extraApp({ BFF_SESSION_STORE: 'memory' });
});

afterAll(async () => {
  await t?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Logs in and waits until the access token is due for refresh. */
async function dueSession(): Promise<{ cookie: string; session: SessionData }> {
  const { cookie, reply } = await login(t.client);
  await sleep((TTL - 1) * 1000 + 600);
  return { cookie, session: openSession(setCookieValue(reply)!)! };
}

/** A session crafted from a real one, with tokens that are not due (so no backend call happens). */
async function crafted(patch: Partial<SessionData>): Promise<string> {
  const { reply } = await login(t.client);
  const real = openSession(setCookieValue(reply)!)!;
  const now = nowSeconds();
  const s: SessionData = { ...real, tokens: { ...real.tokens, expiresAt: now + 3600, issuedAt: now }, ...patch };
  return `${COOKIE}=${sealSession(s)}`;
}

function expectCleared(reply: Reply, what: string): void {
  expect(clearedNames(reply), what).toContain(COOKIE);
  for (const line of reply.setCookies) {
    if (line.startsWith(`${COOKIE}=`)) expect(line, what).toMatch(/Max-Age=0/);
  }
}

/** The refresh token is dead at the backend (revoked or rotated away). */
async function refreshTokenDead(refreshToken: string): Promise<boolean> {
  const r = await fetch(`${t.backend.url}/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: refreshToken }),
  });
  await r.arrayBuffer();
  return r.status === 401 || r.status === 400;
}

describe(item(9), () => {
  it('idle timeout: a cookie last renewed more than a day ago is anonymous and cleared (controls just inside are live)', async () => {
    const now = nowSeconds();
    expect(await sessionStatus(t.client, await crafted({ createdAt: now - DAY + 120, lastActiveAt: now - DAY + 120 }))).toBe('authenticated');
    const stale = await t.client.get('/api/auth/session', await crafted({ createdAt: now - DAY - 5, lastActiveAt: now - DAY - 5 }));
    expect(stale.json()).toEqual({ status: 'unauthenticated' });
    expectCleared(stale, 'idle');
  });

  it('absolute timeout: a session signed in more than seven days ago is anonymous even if active a second ago', async () => {
    const now = nowSeconds();
    expect(await sessionStatus(t.client, await crafted({ createdAt: now - SEVEN_DAYS + 120, lastActiveAt: now - 1 }))).toBe('authenticated');
    const old = await crafted({ createdAt: now - SEVEN_DAYS - 5, lastActiveAt: now - 1 });
    const reply = await t.client.get('/api/auth/session', old);
    expect(reply.json()).toEqual({ status: 'unauthenticated' });
    expectCleared(reply, 'absolute');
    expect((await t.client.get('/api/backend/notes', old)).status).toBe(401);
    expect((await t.client.get('/profile', old)).status).toBe(307);
  });

  it('timestamps from the future (a forged clock) are anonymous', async () => {
    const now = nowSeconds();
    for (const patch of [{ createdAt: now + 3600, lastActiveAt: now }, { createdAt: now - 10, lastActiveAt: now + 3600 }]) {
      expect(await sessionStatus(t.client, await crafted(patch))).toBe('unauthenticated');
    }
  });
});

describe(item(10), () => {
  it('renewing a session 100 s before its absolute deadline moves lastActiveAt but not the deadline', async () => {
    const now = nowSeconds();
    const createdAt = now - SEVEN_DAYS + 100;
    const reply = await t.client.get('/api/auth/session', await crafted({ createdAt, lastActiveAt: now - 2 * 3600 }));
    const body = reply.json<{ status: string; expiresAt: number }>();
    expect(body.status).toBe('authenticated');
    expect(body.expiresAt).toBeLessThanOrEqual((createdAt + SEVEN_DAYS) * 1000);
    const line = reply.setCookies.find((l) => l.startsWith(`${COOKIE}=`))!;
    expect(line, 'the rolling renewal re-sealed the cookie').toBeDefined();
    const maxAge = Number(/Max-Age=(\d+)/.exec(line)![1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(100);
    const renewed = openSession(setCookieValue(reply)!)!;
    expect(renewed.createdAt).toBe(createdAt);
    expect(renewed.lastActiveAt).toBeGreaterThanOrEqual(now);
  });
});

describe(item(11), () => {
  it('refuses GET, a missing anti-forgery header, a foreign Origin and cross-site Fetch Metadata; the session survives', async () => {
    const { cookie } = await login(t.client);
    expect((await t.client.get('/api/auth/logout', cookie)).status).toBe(405);
    const attempts: [string, Record<string, string | undefined>][] = [
      ['no x-csrf', { 'x-csrf': undefined }],
      ['wrong x-csrf', { 'x-csrf': '0' }],
      ['foreign Origin', { origin: 'http://evil.example' }],
      ['Origin null', { origin: 'null' }],
      ['cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['same-site', { 'sec-fetch-site': 'same-site' }],
    ];
    for (const [what, headers] of attempts) {
      const r = await t.client.json('/api/auth/logout', {}, { cookie, headers });
      expect(r.status, what).toBe(403);
      expect(r.setCookies, what).toEqual([]);
    }
    for (const headers of [{ origin: undefined }, { origin: 'http://evil.example' }]) {
      const r = await t.client.form('/api/auth/logout', {}, { cookie, headers });
      expect(r.status).toBe(403);
    }
    expect(await sessionStatus(t.client, cookie)).toBe('authenticated');
  });

  it('clears the cookie (same name and path, Max-Age=0), revokes the refresh token, and a replayed cookie gets 401 everywhere', async () => {
    const { cookie, reply } = await login(t.client);
    const session = openSession(setCookieValue(reply)!)!;
    const before = await t.backend.stats();
    const out = await t.client.json('/api/auth/logout', {}, { cookie });
    expect(out.status).toBe(200);
    expect(out.json()).toEqual({ status: 'unauthenticated' });
    const cleared = out.setCookies.find((l) => l.startsWith(`${COOKIE}=`))!;
    expect(cleared).toMatch(/^bffkit=; Path=\/; Max-Age=0/);
    expect((await t.backend.stats()).logouts).toBe(before.logouts + 1);
    expect(await refreshTokenDead(session.tokens.refreshToken!)).toBe(true);
    // The replay: the access token inside is still valid at the backend for a few seconds, so
    // only the app's memory of ended sessions stands between the cookie and the data.
    expect(await sessionStatus(t.client, cookie)).toBe('unauthenticated');
    const api = await t.client.get('/api/backend/notes', cookie);
    expect(api.status).toBe(401);
    for (const page of ['/profile', '/notes']) {
      const r = await t.client.get(page, cookie);
      expect(r.status, page).toBe(307);
      expect(r.body, page).not.toContain(DEMO.email);
    }
    const home = await t.client.get('/', cookie);
    expect(home.status).toBe(200);
    expect(home.body).not.toContain('Signed in as');
  });

  it('a form logout (no JavaScript) also ends the session and 303s to a same-origin path', async () => {
    const { cookie } = await login(t.client);
    const out = await t.client.form('/api/auth/logout', { returnTo: '/' }, { cookie });
    expect(out.status).toBe(303);
    expect(new URL(out.headers.location!).origin).toBe(t.client.origin);
    expectCleared(out, 'form logout');
    expect(await sessionStatus(t.client, cookie)).toBe('unauthenticated');
  });

  it('store mode: logout deletes the server-side session, so the replayed cookie is anonymous', async () => {
    const { cookie, reply } = await login(storeApp.client);
    expect(setCookieValue(reply)!.length, 'the store-mode cookie holds only an id').toBeLessThan(200);
    expect((await storeApp.client.get('/api/backend/notes', cookie)).status).toBe(200);
    expect((await storeApp.client.json('/api/auth/logout', {}, { cookie })).status).toBe(200);
    expect(await sessionStatus(storeApp.client, cookie)).toBe('unauthenticated');
    expect((await storeApp.client.get('/api/backend/notes', cookie)).status).toBe(401);
    expect((await storeApp.client.get('/profile', cookie)).status).toBe(307);
  });

  describe('a logout racing a request that is refreshing the session cannot resurrect it', () => {
    const cases = ['/api/backend/notes', '/api/auth/session', '/profile'].flatMap((path) => [
      { path, hold: 'request' as const },
      { path, hold: 'response' as const },
    ]);
    it.each(cases)('$path, refresh $hold held at the backend while logout runs', async ({ path, hold }) => {
      const { cookie, session } = await dueSession();
      const held = hold === 'request' ? { holdRequestMs: 1200 } : { holdResponseMs: 1200 };
      t.interposer!.setRule((r) => (r.path === '/auth/refresh' ? { kind: 'pass', ...held } : undefined));
      try {
        const racing = t.client.get(path, cookie);
        await sleep(300);
        const out = await t.client.json('/api/auth/logout', {}, { cookie });
        expect(out.status).toBe(200);
        const raced = await racing;
        expect(raced.status).not.toBe(500);
        // Whatever the racing response set, no cookie the browser may hold now is a session.
        const after = cookieAfter(raced);
        for (const c of [cookie, after].filter(Boolean)) {
          expect(await sessionStatus(t.client, c), `cookie ${c === cookie ? 'before' : 'set by the race'}`).toBe('unauthenticated');
          expect((await t.client.get('/api/backend/notes', c)).status).toBe(401);
        }
        const newer = after ? openSession(setCookieValue(raced)!) : null;
        if (newer?.tokens.refreshToken) expect(await refreshTokenDead(newer.tokens.refreshToken)).toBe(true);
        expect(await refreshTokenDead(session.tokens.refreshToken!)).toBe(true);
      } finally {
        t.interposer!.setRule(null);
      }
    });
  });
});

describe(item(12), () => {
  it('a refresh token the backend revoked ends the session: 401 session_expired, the browser\'s renewal clears the cookie, exactly one refresh attempt', async () => {
    const { cookie } = await dueSession();
    await t.backend.revoke(DEMO.email);
    const before = await t.backend.stats();
    const r = await t.client.get('/api/backend/notes', cookie);
    expect(r.status).toBe(401);
    expect(r.json()).toMatchObject({ code: 'session_expired' });
    // Without a shared refresh coordinator the answer leaves the cookie (another instance's answer may
    // have replaced it: docs/multi-instance.md); the browser's own renewal request clears it.
    expect(clearedNames(r), 'API answer').toEqual([]);
    const renewal = await t.client.json('/api/auth/session', {}, { cookie });
    expect(renewal.json()).toEqual({ status: 'unauthenticated' });
    expectCleared(renewal, 'renewal');
    expect(await sessionStatus(t.client, cookie)).toBe('unauthenticated');
    expect((await t.client.get('/profile', cookie)).status).toBe(307);
    const after = await t.backend.stats();
    expect(after.refreshes + after.refresh_failures - before.refreshes - before.refresh_failures, 'refresh calls').toBe(1);
  });

  it.each([
    ['400 invalid_grant', { status: 400, body: '{"error":"invalid_grant"}' }],
    ['401 invalid_grant', { status: 401, body: '{"code":"invalid_grant"}' }],
  ])('a refresh answered %s ends the session with 401 session_expired', async (_, answer) => {
    const { cookie } = await dueSession();
    t.interposer!.setRule((r) => (r.path === '/auth/refresh' ? { kind: 'respond', status: answer.status, headers: { 'content-type': 'application/json' }, body: answer.body } : undefined));
    try {
      // The browser's renewal (POST, the request that may clear a stateless cookie: docs/multi-instance.md).
      const r = await t.client.json('/api/auth/session', {}, { cookie });
      expect(r.json()).toEqual({ status: 'unauthenticated' });
      expectCleared(r, 'rejected');
      const api = await t.client.get('/api/backend/notes', cookie);
      expect(api.status).toBe(401);
    } finally {
      t.interposer!.setRule(null);
    }
  });

  it.each([
    ['unreachable (connection dropped)', { kind: 'drop' } as const, 502, 'upstream_unavailable'],
    ['failing (503)', { kind: 'respond', status: 503, body: 'down' } as const, 502, 'upstream_unavailable'],
  ])('a backend that is %s keeps the session: %i, no cookie cleared, works again afterwards', async (_, action, status, code) => {
    const { cookie } = await dueSession();
    t.interposer!.setRule((r) => (r.path === '/auth/refresh' ? action : undefined));
    try {
      const r = await t.client.get('/api/backend/notes', cookie);
      expect(r.status).toBe(status);
      expect(r.json()).toMatchObject({ code });
      expect(clearedNames(r)).toEqual([]);
      const session = await t.client.get('/api/auth/session', cookie);
      expect(session.json<{ status: string }>().status, 'still signed in while the backend is down').toBe('authenticated');
      expect(clearedNames(session)).toEqual([]);
    } finally {
      t.interposer!.setRule(null);
    }
    const again = await t.client.get('/api/backend/notes', cookie);
    expect(again.status).toBe(200);
  });

  it('a backend that hangs on refresh: 504 upstream_timeout, session kept', async () => {
    const { cookie } = await dueSession();
    t.interposer!.setRule((r) => (r.path === '/auth/refresh' ? { kind: 'hang' } : undefined));
    try {
      const r = await t.client.get('/api/backend/notes', cookie, { timeoutMs: 40_000 });
      expect(r.status).toBe(504);
      expect(r.json()).toMatchObject({ code: 'upstream_timeout' });
      expect(clearedNames(r)).toEqual([]);
    } finally {
      t.interposer!.setRule(null);
    }
    expect((await t.client.get('/api/backend/notes', cookie)).status).toBe(200);
  }, 60_000);
});

describe(`server health (${items(9, 12)})`, () => {
  it('no request answered 500 and the app logged no unhandled error', () => {
    expectHealthy(t);
    expectHealthy(storeApp);
  });
});
