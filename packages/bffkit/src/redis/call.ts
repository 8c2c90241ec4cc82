import type { Cluster, Redis } from 'ioredis';
import { BffError, ConfigError } from '../core/errors';
import { consoleLogger, type Logger } from '../core/logger';

/** How long one Redis operation may take before the request answers 503 (seconds, like every bffkit timeout). */
export const DEFAULT_TIMEOUT = 1;
/** Key prefix of everything bffkit stores in Redis. */
export const DEFAULT_PREFIX = 'bffkit:';

/**
 * The clients bffkit/redis accepts: a single-node `Redis` (also one configured for Sentinel with
 * `{ sentinels, name }`, which follows a failover by itself) or a `Cluster`.
 */
export type RedisClient = Redis | Cluster;

/** Options every Redis-backed piece shares. */
export interface RedisCallOptions {
  /** Prefix of every key written. @default 'bffkit:' */
  prefix?: string;
  /**
   * Seconds one Redis operation may take (fractions allowed, e.g. 0.5); after that the request gets
   * 503 `store_unavailable` instead of hanging on a slow or unreachable Redis. @default 1
   */
  timeout?: number;
  /** Where the connection-lost / connection-back lines go. @default console, prefixed with [bffkit] */
  logger?: Logger;
}

/** Runs operations against one client with a deadline; every failure becomes `store_unavailable`. */
export interface RedisCaller {
  readonly prefix: string;
  /** True for a Redis Cluster client: every multi-key command must stay in one hash slot. */
  readonly cluster: boolean;
  run<T>(op: (redis: Redis) => Promise<T>): Promise<T>;
}

const STARTING = new Set(['wait', 'connecting', 'connect']);
const readyWaits = new WeakMap<RedisClient, Promise<void>>();
// A registry symbol, not a module-level set: bundlers (Next) may load this module more than once in
// one process, and the app shares one client between them; it still gets one watcher.
const WATCHED = Symbol.for('bffkit.redis.watched');

/**
 * Validates the client and options and returns a caller. Why our own deadline: a Redis that is
 * paused or unreachable must cost a request at most `timeout`, whatever options the client was
 * created with (offline queue, retries). ioredis reconnects by itself; nothing here gives up for good.
 *
 * @example
 * const caller = redisCaller(redis, { timeout: 0.5 });
 * const value = await caller.run((r) => r.get(`${caller.prefix}x`));
 */
export function redisCaller(redis: RedisClient, options: RedisCallOptions = {}, what = 'redis'): RedisCaller {
  if (!redis || typeof (redis as { get?: unknown }).get !== 'function' || typeof redis.on !== 'function') {
    throw new ConfigError(what, 'needs an ioredis client, e.g. new Redis(process.env.REDIS_URL)');
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9:_.{}-]{0,64}$/.test(prefix)) {
    throw new ConfigError('prefix', 'must be up to 64 characters of A-Z, a-z, 0-9, : _ . - { }');
  }
  const seconds = options.timeout ?? DEFAULT_TIMEOUT;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError('timeout', 'must be a positive number of seconds (fractions allowed, e.g. 0.5)');
  }
  const timeout = Math.max(1, Math.round(seconds * 1000));
  const logger = options.logger ?? consoleLogger;
  watch(redis, logger);
  let slow = false;
  // Why one command type for both: Redis and Cluster share every command bffkit sends (the same
  // Commander methods); only their TypeScript context types differ. Multi-key commands are kept in
  // one hash slot by the key design, which is what Cluster needs.
  const commands = redis as Redis;
  return {
    prefix,
    cluster: (redis as { isCluster?: boolean }).isCluster === true,
    async run(op) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // One line per slow spell, not one per request.
          if (!slow) logger.warn(`redis: no answer within ${timeout} ms; session requests answer 503`);
          slow = true;
          reject(storeUnavailable());
        }, timeout);
      });
      try {
        // Promise.race subscribes to both: a command that fails after the deadline is not unhandled.
        const result = await Promise.race([whenStarted(redis).then(() => op(commands)), deadline]);
        slow = false;
        return result;
      } catch (error) {
        throw error instanceof BffError ? error : storeUnavailable();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * The error every Redis failure turns into: the core answers it with 503 JSON.
 *
 * @example
 * throw storeUnavailable();
 */
export function storeUnavailable(): BffError {
  return new BffError('store_unavailable', 'The session store is unavailable. Try again.');
}

/**
 * While the client is still making its first connection, commands wait for it (a client created
 * with `enableOfflineQueue: false` would otherwise refuse the very first request). Once it has been
 * connected, a lost connection fails fast or queues, as the client is configured.
 */
function whenStarted(redis: RedisClient): Promise<void> {
  if (!STARTING.has(redis.status)) return Promise.resolve();
  let wait = readyWaits.get(redis);
  if (!wait) {
    wait = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    readyWaits.set(redis, wait);
    void wait.then(() => readyWaits.delete(redis));
    if (redis.status === 'wait') redis.connect().catch(() => undefined);
  }
  return wait;
}

/**
 * One log line when the connection is lost and one when it is back, instead of ioredis printing
 * "Unhandled error event" on every reconnect attempt. Only the error code is logged: messages can
 * carry the host, never needed to act on it.
 */
function watch(redis: RedisClient, logger: Logger): void {
  const marked = redis as RedisClient & { [WATCHED]?: true };
  if (marked[WATCHED]) return;
  marked[WATCHED] = true;
  let down = false;
  const lost = (why: string) => {
    if (down) return;
    down = true;
    logger.warn(`redis: connection lost (${why}); session requests answer 503 until it is back`);
  };
  redis.on('error', (error: Error & { code?: string }) => lost(error?.code ?? error?.name ?? 'error'));
  // A server that goes away cleanly emits no error, only a reconnect.
  redis.on('reconnecting', () => lost('closed'));
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('redis: connected again');
  });
}
