import 'server-only';
import { memoryRateLimitStore, memoryRefreshCoordinator, memorySessionStore, type BffOptions } from 'bffkit';
import { redisRateLimitStore, redisRefreshCoordinator, redisSessionStore } from 'bffkit/redis';
import { Redis } from 'ioredis';

/** The parts of the bffkit options that decide where sessions live. */
export type SessionStorage = Pick<BffOptions, 'session' | 'refresh' | 'loginRateLimit'>;

/**
 * Where sessions live, from BFF_SESSION_STORE (read at the first request, never at build):
 * - `cookie` (default): the sealed session is the cookie itself; nothing to run.
 * - `memory`: server-side sessions in this process (revocation, "sign out everywhere"); one instance only.
 * - `redis` with REDIS_URL (or REDIS_SENTINELS for a Sentinel-managed master): sessions, the refresh
 *   lock and login rate limits shared by every instance.
 */
export function sessionStorage(secret: string | string[]): SessionStorage {
  const kind = (process.env.BFF_SESSION_STORE ?? 'cookie').trim().toLowerCase();
  if (kind === '' || kind === 'cookie') return {};
  if (kind === 'memory') {
    // One of each per process: Next may load this module more than once (proxy.ts, routes, pages).
    const memory = (globalThis.__bffMemory ??= {
      store: memorySessionStore(),
      coordinator: memoryRefreshCoordinator(),
      limits: memoryRateLimitStore(),
    });
    return { session: { store: memory.store }, refresh: { coordinator: memory.coordinator }, loginRateLimit: { store: memory.limits } };
  }
  if (kind === 'redis') {
    const redis = redisClient();
    return {
      session: { store: redisSessionStore(redis, { secret }) },
      refresh: { coordinator: redisRefreshCoordinator(redis) },
      loginRateLimit: { store: redisRateLimitStore(redis) },
    };
  }
  throw new Error(`[example] BFF_SESSION_STORE must be cookie, memory or redis (got "${kind}")`);
}

/**
 * One Redis connection per process, set up to fail fast: while Redis is unreachable, requests get
 * 503 `store_unavailable` at once instead of queueing; ioredis keeps reconnecting in the background.
 * REDIS_SENTINELS (`host:port,host:port,…`, with REDIS_SENTINEL_NAME, default `mymaster`) connects
 * through Sentinel instead, and follows a failover by itself.
 */
function redisClient(): Redis {
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 } as const;
  const sentinels = (process.env.REDIS_SENTINELS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (sentinels.length) {
    return (globalThis.__bffRedis ??= new Redis({
      ...options,
      sentinels: sentinels.map((s) => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) })),
      name: process.env.REDIS_SENTINEL_NAME || 'mymaster',
      // Ask the sentinels again soon after a failover, instead of ioredis' growing back-off.
      retryStrategy: () => 200,
      sentinelRetryStrategy: () => 200,
    }));
  }
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('[example] BFF_SESSION_STORE=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379) or REDIS_SENTINELS');
  return (globalThis.__bffRedis ??= new Redis(url, options));
}

declare global {
  // eslint-disable-next-line no-var
  var __bffRedis: Redis | undefined;
  // eslint-disable-next-line no-var
  var __bffMemory:
    | {
        store: ReturnType<typeof memorySessionStore>;
        coordinator: ReturnType<typeof memoryRefreshCoordinator>;
        limits: ReturnType<typeof memoryRateLimitStore>;
      }
    | undefined;
}
