/**
 * docs/security.md 24-26 over HTTP: single-flight refresh across every entry point of one app process
 * (proxy.ts, route handlers, Server Components) and across two app instances sharing Redis; the
 * backend never sees an expired token; a refreshed session is what the same request's Server
 * Components render with. Access tokens live 4 s (refresh due after 2 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../support/redis-process';
import type { Reply } from './lib/client';
import { COOKIE, DEMO, cookieAfter, openSession, setCookieValue } from './lib/session';
import { expectHealthy, login, startTarget, type AppUnderTest, type Target } from './lib/stack';
import { item, items } from './items';

const TTL = 4;
let t: Target;

beforeAll(async () => {
  t = await startTarget({ accessTokenTtl: TTL });
});

afterAll(async () => {
  await t?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const untilDue = () => sleep((TTL - 1) * 1000 + 600);

/** Backend counter deltas around `fn`. */
async function counting<T>(fn: () => Promise<T>): Promise<{ result: T; refreshes: number; reuse: number; failures: number; expired: number; invalid: number }> {
  const a = await t.backend.stats();
  const result = await fn();
  const b = await t.backend.stats();
  return {
    result,
    refreshes: b.refreshes - a.refreshes,
    reuse: b.refresh_reuse_detected - a.refresh_reuse_detected,
    failures: b.refresh_failures - a.refresh_failures,
    expired: b.expired_token_requests - a.expired_token_requests,
    invalid: b.invalid_token_requests - a.invalid_token_requests,
  };
}

/** The refresh token carried by whatever session cookie the reply set. */
const refreshTokenSetBy = (r: Reply) => {
  const v = setCookieValue(r);
  return v ? openSession(v)?.tokens.refreshToken : undefined;
};

describe(item(24), () => {
  it('20 concurrent API calls with an expired token: one refresh, all 200, one new token pair for everyone', async () => {
    const { cookie } = await login(t.client);
    await untilDue();
    const { result, refreshes, reuse } = await counting(() => Promise.all(Array.from({ length: 20 }, () => t.client.get('/api/backend/notes', cookie))));
    expect(result.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(refreshes).toBe(1);
    expect(reuse).toBe(0);
    const newTokens = new Set(result.map(refreshTokenSetBy));
    expect(newTokens.size, 'every response carries the same successor tokens').toBe(1);
    expect([...newTokens][0]).toBeTruthy();
  });

  it('a storm across proxy.ts, route handlers and Server Components of one process: still one refresh', async () => {
    const { cookie } = await login(t.client);
    await untilDue();
    const paths = ['/api/backend/notes', '/api/auth/session', '/profile', '/notes', '/'];
    const { result, refreshes, reuse, failures } = await counting(() =>
      Promise.all(Array.from({ length: 25 }, (_, i) => t.client.get(paths[i % paths.length]!, cookie))),
    );
    for (const [i, r] of result.entries()) expect(r.status, paths[i % paths.length]).toBe(200);
    expect(refreshes).toBe(1);
    expect(failures).toBe(0);
    expect(reuse).toBe(0);
    const profile = result[2]!;
    expect(profile.body).toContain(DEMO.email);
  });

  it('after the storm: the old cookie still works (successor record, no second refresh) and the next refresh succeeds', async () => {
    const { cookie } = await login(t.client);
    await untilDue();
    const storm = await counting(() => Promise.all(Array.from({ length: 10 }, () => t.client.get('/api/backend/notes', cookie))));
    expect(storm.refreshes).toBe(1);
    const fresh = cookieAfter(storm.result[0]!);
    expect(fresh).toContain(`${COOKIE}=`);
    // A tab that missed the new cookie presents the rotated token's cookie again.
    const late = await counting(() => t.client.get('/api/backend/notes', cookie));
    expect(late.result.status).toBe(200);
    expect(late.refreshes, 'served from the successor record').toBe(0);
    expect(late.reuse).toBe(0);
    await untilDue();
    const next = await counting(() => Promise.all(Array.from({ length: 10 }, () => t.client.get('/api/backend/notes', fresh))));
    expect(next.result.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(next.refreshes).toBe(1);
    expect(next.reuse).toBe(0);
  });

  it('two app instances sharing Redis: one refresh for a storm split across both', async () => {
    const redis: RedisProcess = await startRedis();
    try {
      const env = { BFF_SESSION_STORE: 'redis', REDIS_URL: redis.url };
      const [a, b]: [AppUnderTest, AppUnderTest] = await Promise.all([t.extraApp(env), t.extraApp(env)]);
      const { cookie } = await login(a.client);
      expect((await b.client.get('/api/auth/session', cookie)).json<{ status: string }>().status).toBe('authenticated');
      await untilDue();
      const { result, refreshes, reuse } = await counting(() =>
        Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).client.get('/api/backend/notes', cookie))),
      );
      expect(result.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(refreshes).toBe(1);
      expect(reuse).toBe(0);
      await a.stop();
      await b.stop();
      expectHealthy(a);
      expectHealthy(b);
    } finally {
      await redis.stop();
    }
  });
});

describe(item(25), () => {
  it('12 s of traffic across several token lifetimes: the backend never sees an expired or invalid token', async () => {
    let { cookie } = await login(t.client);
    const paths = ['/api/backend/notes', '/profile', '/api/backend/auth/me', '/api/auth/session'];
    const { result, expired, invalid, refreshes, reuse } = await counting(async () => {
      const statuses: number[] = [];
      const end = Date.now() + 12_000;
      for (let i = 0; Date.now() < end; i++) {
        const r = await t.client.get(paths[i % paths.length]!, cookie);
        statuses.push(r.status);
        const next = cookieAfter(r);
        if (next) cookie = next;
        await sleep(150);
      }
      return statuses;
    });
    expect(result.every((s) => s === 200), result.join(',')).toBe(true);
    expect(refreshes, 'several refreshes happened').toBeGreaterThanOrEqual(3);
    expect(expired).toBe(0);
    expect(invalid).toBe(0);
    expect(reuse).toBe(0);
  }, 30_000);
});

describe(item(26), () => {
  it('a page request with an expired token renders with the refreshed token and sets the new cookie', async () => {
    const { cookie } = await login(t.client);
    await untilDue();
    const { result, refreshes, expired, invalid } = await counting(() => t.client.get('/profile', cookie));
    expect(result.status).toBe(200);
    expect(result.body).toContain(`data-testid="profile-email">${DEMO.email}`);
    expect(result.body).toContain('Signed in as Demo User');
    expect(refreshTokenSetBy(result), 'the browser gets the refreshed cookie').toBeTruthy();
    expect(refreshes).toBe(1);
    expect(expired, 'the Server Component did not use the expired token').toBe(0);
    expect(invalid).toBe(0);
  });

  it('a client-side navigation (RSC request) with an expired token does the same', async () => {
    const { cookie } = await login(t.client);
    await untilDue();
    const headers = { rsc: '1' };
    const { result, refreshes, expired } = await counting(async () => {
      const first = await t.client.get('/profile', cookie, { headers });
      // Next.js first redirects an RSC request to its cache-busting `?_rsc=` URL; the browser follows it.
      return first.status === 307 ? t.client.get(first.headers.location!, cookie, { headers }) : first;
    });
    expect(result.status).toBe(200);
    expect(String(result.headers['content-type'])).toContain('text/x-component');
    expect(result.body).toContain(DEMO.email);
    expect(refreshTokenSetBy(result)).toBeTruthy();
    expect(refreshes).toBe(1);
    expect(expired).toBe(0);
  });
});

describe(`server health (${items(24, 26)})`, () => {
  it('no request answered 500 and the app logged no unhandled error', () => {
    expectHealthy(t);
  });
});
