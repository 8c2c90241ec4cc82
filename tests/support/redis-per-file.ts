/**
 * One redis-server for a test file, for the Redis adapters' unit tests (packages/bffkit/src/redis):
 * started before the file's tests, emptied after each test, stopped after the file, with fail-fast
 * clients that are all closed at the end. Call {@link useRedisPerFile} at the top level of the file.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { RedisTarget } from './redis-contract';
import { startRedis, type RedisProcess } from './redis-process';

/** What {@link useRedisPerFile} gives a test file; `server` and `redis` are there from its `beforeAll` on. */
export interface RedisPerFile {
  /** The file's redis-server. */
  readonly server: RedisProcess;
  /** A client of it for looking at or changing keys directly; the database is flushed after each test. */
  readonly redis: Redis;
  /** A new fail-fast client (no offline queue, one retry per request) of `url`, by default the file's server. */
  client(url?: string): Redis;
  /** Disconnects `client` (made elsewhere) after the file's tests. */
  closeAfterAll<T extends Redis>(client: T): T;
}

/**
 * Registers the hooks that start, flush and stop the file's redis-server.
 *
 * @example
 * const db = useRedisPerFile();
 * it('...', async () => { const store = redisSessionStore(db.client(), { secret }); ... });
 */
export function useRedisPerFile(): RedisPerFile {
  let server: RedisProcess | undefined;
  let redis: Redis | undefined;
  const clients: Redis[] = [];

  const closeAfterAll = <T extends Redis>(c: T): T => {
    clients.push(c);
    return c;
  };
  const client = (url?: string): Redis => {
    const c = new Redis(url ?? started().url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 50 });
    c.on('error', () => undefined);
    return closeAfterAll(c);
  };
  const started = (): RedisProcess => {
    if (!server) throw new Error('useRedisPerFile: the redis-server starts in beforeAll; use it inside hooks and tests');
    return server;
  };

  beforeAll(async () => {
    server = await startRedis();
    redis = client();
  });

  afterEach(async () => {
    await redis?.flushdb();
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.stop();
  });

  return {
    get server() {
      return started();
    },
    get redis() {
      started();
      return redis!;
    },
    client,
    closeAfterAll,
  };
}

/**
 * The file's redis-server as a contract-suite target (tests/support/redis-contract.ts).
 *
 * @example
 * const db = useRedisPerFile();
 * describeSessionStoreContract('one node', () => singleNodeTarget(db), 'plain');
 */
export function singleNodeTarget(db: RedisPerFile): RedisTarget {
  return {
    client: () => db.client(),
    lazyClient: () => db.closeAfterAll(new Redis(db.server.url, { enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 1 })),
    raw: () => db.redis,
    allKeys: () => db.redis.keys('*'),
  };
}
