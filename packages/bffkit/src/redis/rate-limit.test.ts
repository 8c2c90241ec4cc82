import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../../tests/support/redis-process';
import { useRedisPerFile } from '../../../../tests/support/redis-per-file';
import { createBff } from '../core/bff';
import { silentLogger } from '../core/logger';
import { APP, SECRET, fakeBackend, fakeClock, jsonPost } from '../core/testing/support';
import { rateLimitStoreContract } from '../core/stores/contracts/rate-limit-store.contract';
import { redisRateLimitStore } from './rate-limit';

const db = useRedisPerFile();
const client = db.client;
/** The file's own client, for direct looks at the keys. */
let redis: Redis;

const limits = () => redisRateLimitStore(client(), { logger: silentLogger });

beforeAll(() => {
  redis = db.redis;
});

rateLimitStoreContract('redisRateLimitStore (single node)', {
  make: () => limits(),
  elapse: (seconds) => new Promise((r) => setTimeout(r, seconds * 1000)),
});

describe('redisRateLimitStore', () => {

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
