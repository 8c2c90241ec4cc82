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
 * - `redis` with REDIS_URL: sessions, the refresh lock and login rate limits shared by every instance.
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
 */
function redisClient(): Redis {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('[example] BFF_SESSION_STORE=redis needs REDIS_URL, e.g. redis://127.0.0.1:6379');
  return (globalThis.__bffRedis ??= new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
  }));
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
