/**
 * Issue 3 over real HTTP: the example backend with a 6-second access token, the example app under
 * `next start` (proxy.ts included). Single-flight refresh under a 100-request storm, the rotated
 * token in the cookie staying the newest, the successor record for a stale cookie, Server
 * Components seeing the refreshed session, revocation, and a backend that is down
 * (docs/security.md 12, 24, 25, 26).
 *
 * The sessions the tests need are signed in up front so their tokens expire together: one wait
 * instead of one per test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, jsonPost, setCookies } from '../support/http';
import { openSessionCookie as open } from '../support/session-cookie';
import { startStack, type Stack } from '../support/stack';

const COOKIE = 'bffkit';
const TTL = 6;
const DEMO = { email: 'demo@example.com', password: 'demo-password' };
const SECOND = { email: 'second@example.com', password: 'second-password' };
const STORM = 100;

let stack: Stack;
const url = (path: string) => stack.app.url + path;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The new session cookie value a response set, if any (a clearing Set-Cookie answers ''). */
function newCookieValue(res: Response): string | undefined {
  return setCookies(res).find((c) => c.name === COOKIE)?.value;
}

async function signIn(creds: { email: string; password: string }): Promise<string> {
  const res = await jsonPost(url('/api/auth/login'), creds);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  const value = newCookieValue(res);
  if (!value) throw new Error('no session cookie');
  return value;
}

/** Sleeps until the access token inside `value` has expired (plus a margin). */
async function untilExpired(value: string): Promise<void> {
  const wait = open(value).e * 1000 + 600 - Date.now();
  if (wait > 0) await sleep(wait);
}

function notes(value: string): Promise<Response> {
  return getJson(url('/api/backend/notes'), { cookie: `${COOKIE}=${value}` });
}

let storm: string;
let profile: string;
let revoked: string;
let revokedPage: string;
let down: string;

beforeAll(async () => {
  stack = await startStack({ accessTokenTtl: TTL });
  [storm, profile, revoked, revokedPage] = [await signIn(DEMO), await signIn(DEMO), await signIn(DEMO), await signIn(DEMO)];
  down = await signIn(SECOND);
  expect(open(storm).e - open(storm).t).toBe(TTL);
  await untilExpired(down);
  await stack.backend.resetStats();
});

afterAll(async () => {
  await stack?.stop();
});

describe('single flight under a storm of concurrent requests', () => {
  let rotated: string;

  it(`${STORM} concurrent calls with an expired token: all succeed, exactly one refresh, no reuse, no expired token upstream`, async () => {
    const old = open(storm);
    expect(old.e * 1000).toBeLessThan(Date.now());

    const responses = await Promise.all(Array.from({ length: STORM }, () => notes(storm)));
    const statuses = responses.map((r) => r.status);
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(statuses.filter((s) => s !== 200), bodies.find((_, i) => statuses[i] !== 200)).toEqual([]);
    for (const body of bodies) expect(Array.isArray(JSON.parse(body))).toBe(true);

    const stats = await stack.backend.stats();
    expect(stats.refreshes).toBe(1);
    expect(stats.refresh_failures).toBe(0);
    expect(stats.refresh_reuse_detected).toBe(0);
    expect(stats.expired_token_requests).toBe(0);
    expect(stats.invalid_token_requests).toBe(0);

    // Every Set-Cookie carries the same new tokens (the ciphertext differs per seal; the content does not).
    const values = responses.map(newCookieValue).filter((v): v is string => v !== undefined);
    expect(values.length).toBeGreaterThan(0);
    expect(values.every((v) => v !== '')).toBe(true);
    const tokens = new Set(values.map((v) => `${open(v).a} ${open(v).r}`));
    expect(tokens.size).toBe(1);
    const fresh = open(values[0]!);
    expect(fresh.r).not.toBe(old.r);
    expect(fresh.a).not.toBe(old.a);
    expect(fresh.i).toBe(old.i); // same session, new tokens
    for (const r of responses) expect(r.headers.get('cache-control')).toBe('private, no-store');
    rotated = values[0]!;
  });

  it('a request still carrying the old cookie after the rotation succeeds without another backend refresh', async () => {
    const res = await notes(storm);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const value = newCookieValue(res);
    expect(value, 'the stale cookie is replaced by the successor').toBeTruthy();
    expect(open(value!).r).toBe(open(rotated).r);
    const stats = await stack.backend.stats();
    expect(stats.refreshes).toBe(1);
    expect(stats.refresh_reuse_detected).toBe(0);
  });

  it('once the rotated token expires too, one more call succeeds: the cookie holds the newest refresh token', async () => {
    await untilExpired(rotated);
    const res = await notes(rotated);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const newest = newCookieValue(res);
    expect(newest).toBeTruthy();
    expect(open(newest!).r).not.toBe(open(rotated).r);
    const stats = await stack.backend.stats();
    expect(stats.refreshes).toBe(2);
    expect(stats.refresh_failures).toBe(0);
    expect(stats.refresh_reuse_detected).toBe(0);
    expect(stats.expired_token_requests).toBe(0);

    // And the newest cookie needs no refresh while its token is fresh: no re-seal either.
    const again = await notes(newest!);
    expect(again.status).toBe(200);
    await again.arrayBuffer();
    expect(newCookieValue(again)).toBeUndefined();
    expect((await stack.backend.stats()).refreshes).toBe(2);
  });

  it('the original cookie, two rotations old, still follows the successor chain without a refresh or a reuse', async () => {
    const before = await stack.backend.stats();
    const res = await notes(storm);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const after = await stack.backend.stats();
    expect(after.refreshes).toBe(before.refreshes);
    expect(after.refresh_reuse_detected).toBe(0);
  });
});

describe('Server Components see the refreshed session', () => {
  it('GET /profile with an expired token renders the profile, sets the new cookie, and the backend never sees the expired token', async () => {
    const old = open(profile);
    expect(old.e * 1000).toBeLessThan(Date.now());
    const before = await stack.backend.stats();
    const res = await fetch(url('/profile'), { headers: { cookie: `${COOKIE}=${profile}` }, redirect: 'manual' });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('data-testid="profile-email"');
    expect(html).toContain(DEMO.email);
    const value = newCookieValue(res);
    expect(value, 'proxy.ts wrote the refreshed cookie').toBeTruthy();
    expect(open(value!).r).not.toBe(old.r);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    const after = await stack.backend.stats();
    expect(after.refreshes - before.refreshes).toBe(1);
    expect(after.expired_token_requests).toBe(0);
    expect(after.refresh_reuse_detected).toBe(0);
    // No token in the page.
    expect(html).not.toContain(open(value!).a);
    expect(html).not.toContain(open(value!).r);
  });

  it('the session route refreshes a due token too (so the client learns about a dead session at once)', async () => {
    const value = await signIn(DEMO);
    await untilExpired(value);
    const before = await stack.backend.stats();
    const res = await getJson(url('/api/auth/session'), { cookie: `${COOKIE}=${value}` });
    expect(await res.json()).toMatchObject({ status: 'authenticated' });
    expect(newCookieValue(res)).toBeTruthy();
    const after = await stack.backend.stats();
    expect(after.refreshes - before.refreshes).toBe(1);
    expect(after.refresh_reuse_detected).toBe(0);
  });
});

describe('a refresh token the backend rejects ends the session', () => {
  it('after revocation at the backend, the next call answers 401 session_expired; the browser\'s renewal clears the cookie', async () => {
    await stack.backend.revoke(DEMO.email);
    const before = await stack.backend.stats();
    const res = await notes(revoked);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ code: 'session_expired' });
    // No shared refresh coordinator: the answer leaves the cookie (another instance's answer may have
    // replaced it, docs/multi-instance.md); SessionProvider's renewal request clears it.
    expect(setCookies(res).find((c) => c.name === COOKIE)).toBeUndefined();
    const renewal = await fetch(url('/api/auth/session'), { method: 'POST', headers: { cookie: `${COOKIE}=${revoked}`, 'x-csrf': '1' } });
    expect(await renewal.json()).toEqual({ status: 'unauthenticated' });
    const cleared = setCookies(renewal).find((c) => c.name === COOKIE);
    expect(cleared?.value).toBe('');
    expect(cleared?.attributes['max-age']).toBe('0');
    const after = await stack.backend.stats();
    expect(after.refresh_failures - before.refresh_failures).toBe(1);
    // No retry loop, and nothing reached the notes endpoint.
    expect(after.requests - before.requests).toBe(1);

    // The same cookie again: anonymous now, without asking the backend again.
    const again = await notes(revoked);
    expect(again.status).toBe(401);
    expect(['session_expired', 'unauthenticated']).toContain(((await again.json()) as { code: string }).code);
    expect((await stack.backend.stats()).requests).toBe(after.requests);
  });

  it('a page request with a revoked session is redirected to the login page with returnTo (the cookie left for the renewal to clear)', async () => {
    const res = await fetch(url('/profile'), { headers: { cookie: `${COOKIE}=${revokedPage}` }, redirect: 'manual' });
    expect(res.status).toBe(307);
    // Next relativises same-origin redirect locations from proxy.ts; either way it stays on the app.
    const location = new URL(res.headers.get('location')!, stack.app.url);
    expect(location.origin).toBe(stack.app.url);
    expect(location.pathname).toBe('/login');
    expect(location.searchParams.get('returnTo')).toBe('/profile');
    expect(setCookies(res).find((c) => c.name === COOKIE)).toBeUndefined();
  });

  it('the backend never received an expired access token in this whole file', async () => {
    expect((await stack.backend.stats()).expired_token_requests).toBe(0);
  });
});

describe('a backend that is down is not a rejection', () => {
  it('answers 502/504 JSON with upstream_unavailable or upstream_timeout and keeps the session cookie', async () => {
    expect(open(down).e * 1000).toBeLessThan(Date.now());
    await stack.backend.stop();

    const res = await notes(down);
    expect([502, 503, 504]).toContain(res.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { code: string; message: string };
    expect(['upstream_unavailable', 'upstream_timeout']).toContain(body.code);
    expect(setCookies(res).filter((c) => c.name === COOKIE && c.value === '')).toEqual([]);

    // The session is still there: the session route says who is signed in.
    const session = await getJson(url('/api/auth/session'), { cookie: `${COOKIE}=${down}` });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ status: 'authenticated', user: { email: SECOND.email } });
    expect(setCookies(session).filter((c) => c.name === COOKIE && c.value === '')).toEqual([]);

    // A page renders its own "unavailable" state instead of signing the user out.
    const page = await fetch(url('/profile'), { headers: { cookie: `${COOKIE}=${down}` }, redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('The backend is unavailable right now');
    expect(setCookies(page).filter((c) => c.name === COOKIE && c.value === '')).toEqual([]);
  });
});
