import type { RateLimitStore } from '../core/stores/rate-limit-store';
import { redisCaller, type RedisCallOptions, type RedisClient } from './call';

// KEYS[1] counter; ARGV[1] window ms. INCR and "open the window only if none is open" in one atomic
// step, so concurrent failures on several instances neither lose counts nor extend the window.
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1], 'NX')
return {count, redis.call('PTTL', KEYS[1])}`;

// KEYS[1] counter. Takes one back if the window is still open; never creates or extends a window.
const DECREMENT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('DECR', KEYS[1]) <= 0 then redis.call('DEL', KEYS[1]) end
end
return 0`;

/** Options of {@link redisRateLimitStore}. */
export type RedisRateLimitStoreOptions = RedisCallOptions;

/**
 * Login rate-limit counters shared by every instance: `<prefix>rl:<key>` counts within a fixed window
 * that opens with the first failure. Keys come from bffkit already hashed (no email addresses in Redis).
 * Every command and script touches one key, so it works on a Redis Cluster as on a single node or a
 * Sentinel-configured client; counters spread over the cluster by key.
 *
 * @example
 * createBff({ ..., loginRateLimit: { store: redisRateLimitStore(redis) } });
 */
export function redisRateLimitStore(redis: RedisClient, options: RedisRateLimitStoreOptions = {}): RateLimitStore {
  const caller = redisCaller(redis, options, 'redisRateLimitStore(redis)');
  const counterKey = (key: string) => `${caller.prefix}rl:${key}`;

  return {
    async get(key) {
      const replies = await caller.run((r) => r.multi().get(counterKey(key)).pttl(counterKey(key)).exec());
      const count = Number(replies?.[0]?.[1] ?? 0) || 0;
      return view(count, Number(replies?.[1]?.[1] ?? -2));
    },
    async increment(key, windowSeconds) {
      const window = Math.max(1, Math.ceil(windowSeconds * 1000));
      const [count, pttl] = (await caller.run((r) => r.eval(INCREMENT_SCRIPT, 1, counterKey(key), String(window)))) as [number, number];
      return view(count, pttl);
    },
    async decrement(key) {
      await caller.run((r) => r.eval(DECREMENT_SCRIPT, 1, counterKey(key)));
    },
    async reset(key) {
      await caller.run((r) => r.del(counterKey(key)));
    },
  };
}

/** Redis's PTTL (ms; -2 when the key is gone) → the store's view, in whole seconds. */
function view(count: number, pttl: number): { count: number; resetIn: number } {
  if (count <= 0 || pttl === -2) return { count: 0, resetIn: 0 };
  return { count, resetIn: Math.max(1, Math.ceil(pttl / 1000)) };
}
