import { randomBytes } from 'node:crypto';
import { consoleLogger } from '../core/logger';
import type { RefreshCoordinator } from '../core/stores/refresh-coordinator';
import { redisCaller, type RedisCallOptions, type RedisClient } from './call';

// Deletes the lock only while it still holds our token: a refresh that outlived its lock must not
// release the lock another instance has taken since.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
// Extends the lock only while it still holds our token (the lease renewal of a refresh still running).
const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** Options of {@link redisRefreshCoordinator}. */
export type RedisRefreshCoordinatorOptions = RedisCallOptions;

/**
 * Single-flight refresh across app instances: the lock is `SET <prefix>{rf:<key>}:lock <random> NX PX`,
 * a lease renewed by a compare-and-`PEXPIRE` script while the refresh runs and released by a
 * compare-and-delete script (neither touches a lock another instance took after ours lapsed); the successor record (the new tokens, already sealed by
 * bffkit) is `SET <prefix>{rf:<key>}:succ PX`. Keys are hashes of the refresh token, never the token.
 * The `{rf:<key>}` hash tag keeps one token's lock and successor in one Redis Cluster slot (a script
 * may touch both), while different tokens spread over the cluster. Works with a single node, a
 * Sentinel-configured client or a Cluster.
 * With it, N concurrent requests spread over several instances cause exactly one backend refresh.
 *
 * @example
 * createBff({ ..., refresh: { coordinator: redisRefreshCoordinator(redis) } });
 */
export function redisRefreshCoordinator(redis: RedisClient, options: RedisRefreshCoordinatorOptions = {}): RefreshCoordinator {
  const caller = redisCaller(redis, options, 'redisRefreshCoordinator(redis)');
  const logger = options.logger ?? consoleLogger;
  const lockKey = (key: string) => `${caller.prefix}{rf:${key}}:lock`;
  const successorKey = (key: string) => `${caller.prefix}{rf:${key}}:succ`;

  return {
    shared: true,
    async acquire(key, ttlSeconds) {
      const token = randomBytes(16).toString('base64url');
      const taken = await caller.run((r) => r.set(lockKey(key), token, 'PX', ms(ttlSeconds), 'NX'));
      if (taken !== 'OK') return null;
      return {
        async renew(ttl) {
          const renewed = await caller.run((r) => r.eval(RENEW_SCRIPT, 1, lockKey(key), token, String(ms(ttl))));
          return renewed === 1;
        },
        async release() {
          // Never throws: the refresh already succeeded or failed, and a lock we cannot delete expires
          // by itself after its TTL.
          await caller.run((r) => r.eval(RELEASE_SCRIPT, 1, lockKey(key), token)).catch(() => undefined);
        },
      };
    },
    async getSuccessor(key) {
      return caller.run((r) => r.get(successorKey(key)));
    },
    async setSuccessor(key, value, ttlSeconds) {
      try {
        await caller.run((r) => r.set(successorKey(key), value, 'PX', ms(ttlSeconds)));
      } catch {
        // Why not throw: the backend has already rotated the token. Failing here would also drop the
        // new tokens of THIS request, which may still be saved with the session; the record only
        // helps other requests, and they cannot reach Redis either right now.
        logger.warn('redis: could not store the refresh successor record');
      }
    },
  };
}

/** Seconds (fractions allowed) as whole milliseconds, at least 1. */
function ms(seconds: number): number {
  return Math.max(1, Math.ceil(seconds * 1000));
}
