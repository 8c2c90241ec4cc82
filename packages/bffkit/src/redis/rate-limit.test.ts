import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../../tests/support/redis-process';
import { useRedisPerFile } from '../../../../tests/support/redis-per-file';
import { createBff } from '../core/bff';
import { silentLogger } from '../core/logger';
import { APP, SECRET, fakeBackend, fakeClock, jsonPost } from '../core/testing/support';
import { redisRateLimitStore } from './rate-limit';

const db = useRedisPerFile();
const client = db.client;
/** The file's own client, for direct looks at the keys. */
let redis: Redis;

const limits = () => redisRateLimitStore(client(), { logger: silentLogger });

beforeAll(() => {
  redis = db.redis;
});

describe('redisRateLimitStore', () => {
  it('answers zero for a key that never failed', async () => {
    expect(await limits().get('login:acct:nobody')).toEqual({ count: 0, resetIn: 0 });
  });

  it('counts increments from every instance in one window', async () => {
    const [a, b] = [limits(), limits()];
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).increment('k', 60)));
    expect(await a.get('k')).toEqual({ count: 50, resetIn: 60 });
  });

  it('opens the window with the first failure and never extends it', async () => {
    const store = limits();
    await store.increment('k', 60);
    await redis.pexpire('bffkit:rl:k', 30_000);
    const after = await store.increment('k', 60);
    expect(after.count).toBe(2);
    expect(after.resetIn).toBeLessThanOrEqual(30);
  });

  it('starts from zero once the window has passed', async () => {
    const store = limits();
    await store.increment('k', 0.2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await store.get('k')).toEqual({ count: 0, resetIn: 0 });
    expect((await store.increment('k', 60)).count).toBe(1);
  });

  it('takes one back on decrement, never below zero, and never opens a window', async () => {
    const store = limits();
    await store.increment('k', 60);
    await store.increment('k', 60);
    await store.decrement('k');
    expect((await store.get('k')).count).toBe(1);
    await store.decrement('k');
    await store.decrement('k');
    expect((await store.get('k')).count).toBe(0);
    await store.decrement('other');
    expect(await store.get('other')).toEqual({ count: 0, resetIn: 0 });
  });

  it('forgets a key on reset', async () => {
    const store = limits();
    await store.increment('k', 60);
    await store.reset('k');
    expect(await store.get('k')).toEqual({ count: 0, resetIn: 0 });
  });

  it('blocks an account on instance B after failures on instance A (429 with Retry-After)', async () => {
    const clock = fakeClock();
    const backend = fakeBackend(clock);
    const [a, b] = [0, 1].map(() =>
      createBff({ secret: SECRET, baseUrl: APP, backend, clock, logger: silentLogger, loginRateLimit: { store: limits(), maxPerAccount: 3 } }),
    );
    for (let i = 0; i < 3; i++) {
      expect((await a!.handleAuth(jsonPost('/api/auth/login', { email: 'demo@example.com', password: 'wrong' }))).status).toBe(401);
    }
    const blocked = await b!.handleAuth(jsonPost('/api/auth/login', { email: 'demo@example.com', password: 'demo-password' }));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await redis.keys('*')).toEqual([expect.not.stringContaining('demo@example.com')]);
  });

  it('answers store_unavailable when Redis is gone', async () => {
    const dying = await startRedis();
    try {
      const store = redisRateLimitStore(client(dying.url), { logger: silentLogger });
      await dying.kill();
      await expect(store.increment('k', 60)).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(store.get('k')).rejects.toMatchObject({ code: 'store_unavailable' });
    } finally {
      await dying.stop();
    }
  });
});
