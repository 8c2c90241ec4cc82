import { describe, expect, it } from 'vitest';
import { startRedis } from '../../../../tests/support/redis-process';
import { describeRateLimitContract } from '../../../../tests/support/redis-contract';
import { singleNodeTarget, useRedisPerFile } from '../../../../tests/support/redis-per-file';
import { silentLogger } from '../core/logger';
import { redisRateLimitStore } from './rate-limit';

const db = useRedisPerFile();
const client = db.client;

describeRateLimitContract('one node', () => singleNodeTarget(db));

describe('redisRateLimitStore on one node', () => {
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
