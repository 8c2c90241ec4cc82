/**
 * bffkit/redis through a real Sentinel setup (redis-server master + replica, three redis-sentinel,
 * down-after-milliseconds 1000) with ioredis clients configured for Sentinel: the contract suites,
 * then a failover (the master killed by PID) under a stream of session writes and with two bffkit
 * instances in store mode. Expected: no session lost that was acknowledged before the kill (with
 * `waitForReplicas: 1`), 503 `store_unavailable` rather than a 500 while there is no master, and
 * recovery without a restart.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBff, type Bff } from '../../packages/bffkit/src/core/bff';
import { silentLogger } from '../../packages/bffkit/src/core/logger';
import { newSessionId } from '../../packages/bffkit/src/core/session/start';
import { APP, SECRET, cookieHeaderFrom, fakeBackend, fakeClock, jsonPost, recordingLogger } from '../../packages/bffkit/src/core/testing/support';
import type { SessionData } from '../../packages/bffkit/src/core/types';
import { redisRefreshCoordinator } from '../../packages/bffkit/src/redis/coordinator';
import { redisRateLimitStore } from '../../packages/bffkit/src/redis/rate-limit';
import { redisSessionStore } from '../../packages/bffkit/src/redis/store';
import { describeCoordinatorContract, describeRateLimitContract, describeSessionStoreContract, type RedisTarget } from '../support/redis-contract';
import { startRedisSentinel, type RedisSentinelProcess } from '../support/redis-sentinel';

let setup: RedisSentinelProcess;
let raw: Redis;

const target = (): RedisTarget => ({
  client: () => setup.client(),
  lazyClient: () => setup.client({ lazyConnect: true }),
  raw: () => raw,
  allKeys: () => raw.keys('*'),
});

beforeAll(async () => {
  setup = await startRedisSentinel();
  raw = setup.client({ enableOfflineQueue: true });
});
afterAll(async () => {
  await setup?.stop();
});

describe('before any failover', () => {
  afterEach(async () => {
    await raw.flushall();
  });
  describeSessionStoreContract('sentinel client, ids from newId', target, 'placed');
  describeSessionStoreContract('sentinel client, plain ids', target, 'plain');
  describeCoordinatorContract('sentinel client', target);
  describeRateLimitContract('sentinel client', target);
});

function session(userId: string, id: string): SessionData {
  const now = Math.floor(Date.now() / 1000);
  return {
    id,
    user: { id: userId },
    tokens: { accessToken: `a-${id}`, refreshToken: `r-${id}`, expiresAt: now + 300, issuedAt: now },
    createdAt: now,
    lastActiveAt: now,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a Sentinel failover', () => {
  it('loses no acknowledged session write (waitForReplicas: 1), answers store_unavailable meanwhile, and recovers by itself', async () => {
    const logger = recordingLogger();
    const store = redisSessionStore(setup.client(), { secret: SECRET, logger, timeout: 0.5, waitForReplicas: 1 });
    const coordinator = redisRefreshCoordinator(setup.client(), { logger: silentLogger, timeout: 0.5 });
    const limits = redisRateLimitStore(setup.client(), { logger: silentLogger, timeout: 0.5 });
    // Every client connected (through the sentinels) before the load starts.
    await limits.increment('login:acct:x', 60);
    expect(await coordinator.getSuccessor('warm-up')).toBeNull();
    expect(await store.get(store.newId('warm-up'))).toBeNull();
    const acked: SessionData[] = [];
    const refused: string[] = [];
    let writing = true;
    let n = 0;
    // Four writers creating sessions back to back, before, during and after the failover.
    const writer = async () => {
      while (writing) {
        const s = session(`user-${n % 50}`, store.newId(`user-${n % 50}`));
        n++;
        try {
          if (await store.set(s, 300, 'create')) acked.push(s);
        } catch (error) {
          refused.push((error as { code?: string }).code ?? String(error));
          await sleep(20);
        }
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    await sleep(500);
    const beforeKill = acked.length;
    const result = await setup.failover();
    const failoverAt = Date.now();
    // Writes work again through the same clients, without a restart.
    await expect.poll(() => acked.length > beforeKill + 50 && Date.now() - failoverAt > 500, { timeout: 20_000, interval: 100 }).toBe(true);
    writing = false;
    await Promise.all(writers);

    // In batches: thousands of reads at once on one connection would outlast the 500 ms deadline.
    const read: (SessionData | null)[] = [];
    for (let i = 0; i < acked.length; i += 100) read.push(...(await Promise.all(acked.slice(i, i + 100).map((s) => store.get(s.id)))));
    const lost = acked.filter((_, i) => read[i] === null);
    console.log(
      `sentinel failover: ${result.ms} ms from SIGKILL to a promoted replica; ${acked.length} session writes acknowledged ` +
        `(${beforeKill} in the first 500 ms), ${refused.length} refused while there was no master, ${lost.length} lost`,
    );
    expect(lost).toEqual([]);
    expect(new Set(refused)).toEqual(new Set(refused.length ? ['store_unavailable'] : []));
    // The coordinator and the rate limit work again too (their clients reconnect on their own); the
    // counter written before the kill had replicated.
    const settle = <T>(p: Promise<T>) => p.catch((e: { code?: string }) => e.code ?? 'error');
    await expect.poll(() => settle(coordinator.acquire('after-failover', 15).then((r) => typeof r?.renew)), { timeout: 10_000 }).toBe('function');
    await expect.poll(() => settle(limits.get('login:acct:x').then((r) => r.count)), { timeout: 10_000 }).toBe(1);
    // After the kill the new master has no replica: writes still count, and they stopped waiting for
    // one (the back-off), else they would not have come back at full speed.
    expect(logger.lines.filter((l) => l.message.includes('replicas')).length).toBeLessThanOrEqual(1);
  });

  it('two bffkit instances in store mode keep every signed-in user across a failover; requests meanwhile get 503, never a 500', async () => {
    const clock = fakeClock(Math.floor(Date.now() / 1000));
    const backend = fakeBackend(clock, { accessTtl: 60 });
    const [a, b] = [0, 1].map(() =>
      createBff({
        secret: SECRET,
        baseUrl: APP,
        backend,
        clock,
        logger: silentLogger,
        session: { store: redisSessionStore(setup.client(), { secret: SECRET, logger: silentLogger, waitForReplicas: 1 }) },
        refresh: { coordinator: redisRefreshCoordinator(setup.client(), { logger: silentLogger }) },
        loginRateLimit: { store: redisRateLimitStore(setup.client(), { logger: silentLogger }) },
      }),
    ) as [Bff, Bff];
    await setup.restartKilled(); // the master killed by the previous test comes back as the replica
    const cookies: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await (i % 2 ? a : b).handleAuth(jsonPost('/api/auth/login', { email: 'demo@example.com', password: 'demo-password' }));
      expect(res.status).toBe(200);
      cookies.push(cookieHeaderFrom(res.headers.getSetCookie()));
    }
    const statuses: number[] = [];
    let probing = true;
    const probe = (async () => {
      for (let i = 0; probing; i++) {
        const res = await (i % 2 ? a : b).handleAuth(new Request(`${APP}/api/auth/session`, { headers: { cookie: cookies[i % cookies.length]! } }));
        statuses.push(res.status);
        await res.arrayBuffer();
        await sleep(25);
      }
    })();
    await setup.failover();
    clock.advance(61); // every access token is now expired: the next loads refresh through the new master
    await expect
      .poll(async () => (await Promise.all(cookies.map((c) => a.loadSession(c).then((l) => l.kind, () => 'error')))).every((k) => k === 'active'), {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(true);
    probing = false;
    await probe;
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(backend.calls.refresh).toBe(cookies.length);
    for (const c of cookies) expect((await b.loadSession(c)).kind).toBe('active');
    console.log(`store mode across the failover: ${statuses.length} session reads, ${statuses.filter((s) => s === 503).length} answered 503, 0 × 5xx other`);
  });

  it('a plain-id session written before the failover is still there (same store, no restart)', async () => {
    const store = redisSessionStore(setup.client(), { secret: SECRET, logger: silentLogger, waitForReplicas: 1 });
    await setup.restartKilled();
    const s = session('user-p', newSessionId());
    expect(await store.set(s, 300, 'create')).toBe(true);
    const second = await setup.failover();
    expect(second.promoted).not.toBe(second.killed);
    await expect.poll(() => store.get(s.id).catch(() => null), { timeout: 20_000, interval: 100 }).toEqual(s);
  });
});
