/**
 * Issue 16, the lease-safe refresh lock over real processes: two `next start` instances share one
 * redis-server (BFF_SESSION_STORE=redis) and a backend whose refresh takes longer than the refresh
 * lock's TTL (BFF_LOCK_TIMEOUT=2, refresh delayed 3.5 s). Without renewal the lock would lapse 2 s into
 * the refresh and the next request, on the other instance, would present the same refresh token: a
 * reuse, the family revoked, the user signed out. The holder renews its lease while the refresh runs,
 * so every other request waits for the successor record: exactly one backend refresh per expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppProcess } from '../support/app-process';
import { startBackend, type RunningBackend } from '../support/backend-process';
import { getJson, jsonPost, setCookies } from '../support/http';
import { startRedis, type RedisProcess } from '../support/redis-process';

const COOKIE = 'bffkit';
const TTL = 8;
const LOCK_TIMEOUT = 2;
const REFRESH_DELAY_MS = 3_500;
const DEMO = { email: 'demo@example.com', password: 'demo-password' };

let redis: RedisProcess;
let backend: RunningBackend;
let apps: AppProcess[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [redis, backend] = await Promise.all([startRedis(), startBackend({ accessTokenTtl: TTL })]);
  const env = { BFF_SESSION_STORE: 'redis', REDIS_URL: redis.url, BFF_LOCK_TIMEOUT: String(LOCK_TIMEOUT) };
  apps = await Promise.all([startApp({ backendUrl: backend.url, env }), startApp({ backendUrl: backend.url, env })]);
});

afterAll(async () => {
  await Promise.all((apps ?? []).map((a) => a.stop()));
  await backend?.stop();
  await redis?.stop();
});

async function signIn(): Promise<string> {
  const res = await jsonPost(`${apps[0]!.url}/api/auth/login`, DEMO);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  const value = setCookies(res).find((c) => c.name === COOKIE)?.value;
  if (!value) throw new Error('no session cookie');
  return `${COOKIE}=${value}`;
}

/** `count` forwarded calls with `cookie`, alternating between the instances; their statuses. */
async function wave(cookie: string, count: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const res = await getJson(`${apps[i % 2]!.url}/api/backend/notes`, { cookie });
      await res.arrayBuffer();
      return res.status;
    }),
  );
}

describe('a backend refresh slower than the refresh lock (two instances, Redis)', () => {
  it('renews the lease mid-refresh: requests on both instances, before and after the lock would have lapsed, make one refresh per expiry', async () => {
    const cookie = await signIn();
    for (const statuses of [await wave(cookie, 4)]) expect(statuses).toEqual([200, 200, 200, 200]);
    await backend.delay({ refreshMs: REFRESH_DELAY_MS });
    const perExpiry: number[] = [];
    try {
      for (let expiry = 0; expiry < 2; expiry++) {
        // Past the refresh due time (the skew, half of an 8 s token, with the shared coordinator).
        await sleep((TTL / 2 + 0.5) * 1000);
        await backend.resetStats();
        const first = wave(cookie, 20);
        // After the lock's TTL, while the refresh is still at the backend: these would refresh again.
        await sleep(LOCK_TIMEOUT * 1000 + 500);
        const late = wave(cookie, 20);
        const statuses = [...(await first), ...(await late)];
        expect(statuses, `expiry ${expiry + 1}`).toEqual(statuses.map(() => 200));
        const stats = await backend.stats();
        perExpiry.push(stats.refreshes + stats.refresh_failures);
        expect(stats.refresh_reuse_detected).toBe(0);
      }
    } finally {
      await backend.delay({ refreshMs: 0 });
    }
    const renewals = apps.map((a) => (a.output().match(/"refresh\.lease_renewed"/g) ?? []).length);
    console.info(`[slow refresh] refresh ${REFRESH_DELAY_MS} ms, lock ${LOCK_TIMEOUT} s: backend refreshes per expiry ${perExpiry.join(', ')}; lease renewals per instance ${renewals.join(', ')}`);
    expect(perExpiry).toEqual([1, 1]);
    expect(renewals.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2 * 2);
    for (const app of apps) expect(app.output()).not.toMatch(/lease_lost|lock lapsed|unhandled|uncaught/i);
  }, 90_000);
});
