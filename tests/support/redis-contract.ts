/**
 * The contract suites of bffkit/redis (session store, refresh coordinator, login rate limit), run
 * against every way people deploy Redis: one node (packages/bffkit/src/redis/*.test.ts), a 3-master
 * Cluster and a Sentinel-configured client (tests/integration/redis-cluster.test.ts,
 * redis-sentinel.test.ts). A file registers its own hooks (start, flush after each test, stop) and
 * hands the suites a {@link RedisTarget}.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createBff, type Bff } from '../../packages/bffkit/src/core/bff';
import { silentLogger } from '../../packages/bffkit/src/core/logger';
import { newSessionId } from '../../packages/bffkit/src/core/session/start';
import { APP, DEMO, OTHER_SECRET, SECRET, fakeBackend, fakeClock, jsonPost, cookieHeaderFrom } from '../../packages/bffkit/src/core/testing/support';
import type { SessionData } from '../../packages/bffkit/src/core/types';
import { rateLimitStoreContract } from '../../packages/bffkit/src/core/stores/contracts/rate-limit-store.contract';
import { refreshCoordinatorContract } from '../../packages/bffkit/src/core/stores/contracts/refresh-coordinator.contract';
import { sessionStoreContract } from '../../packages/bffkit/src/core/stores/contracts/session-store.contract';
import type { RedisClient } from '../../packages/bffkit/src/redis/call';
import { redisRefreshCoordinator } from '../../packages/bffkit/src/redis/coordinator';
import { redisRateLimitStore } from '../../packages/bffkit/src/redis/rate-limit';
import { redisSessionStore, type RedisSessionStore, type RedisSessionStoreOptions } from '../../packages/bffkit/src/redis/store';

/** The Redis deployment under test. */
export interface RedisTarget {
  /** A new client for the code under test (a Redis, a Sentinel-configured Redis or a Cluster). */
  client(): RedisClient;
  /** A client that connects lazily and refuses to queue offline (the strictest setting). */
  lazyClient(): RedisClient;
  /** The test's own client for single-key looks (GET, SET, PTTL, ZRANGE…) at what bffkit wrote. */
  raw(): Redis;
  /** Every key in the deployment (all masters of a Cluster). */
  allKeys(): Promise<string[]>;
}

/** How new session ids are made: by the store's `newId` (placed with their user) or plain random. */
export type IdKind = 'placed' | 'plain';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The key a session lives under, as documented in docs/redis.md. */
export function sessionKeyOf(id: string): string {
  const placed = /^([A-Za-z0-9_-]{8})\.[A-Za-z0-9_-]{22}$/.exec(id);
  return placed ? `bffkit:{u:${placed[1]}}:sess:${id}` : `bffkit:sess:${id}`;
}

const SESSION_KEY = /^bffkit:(\{u:[A-Za-z0-9_-]{8}\}:)?sess:/;
const USER_KEY = /^bffkit:\{u:[A-Za-z0-9_-]{8}\}:user:[A-Za-z0-9_-]{43}$/;

/**
 * The session store contract.
 *
 * @example
 * describeSessionStoreContract('one node, plain ids', () => target, 'plain');
 */
export function describeSessionStoreContract(name: string, target: () => RedisTarget, ids: IdKind): void {
  const store = (options: Partial<RedisSessionStoreOptions> = {}): RedisSessionStore =>
    redisSessionStore(target().raw(), { secret: SECRET, logger: silentLogger, ...options });
  function session(over: Partial<SessionData> = {}): SessionData {
    const now = Math.floor(Date.now() / 1000);
    const tag = Math.random().toString(36).slice(2);
    const user = over.user ?? { id: 'user-1', email: 'ada@example.com', name: 'Ada Lovelace' };
    return {
      id: ids === 'placed' ? store().newId(user.id) : newSessionId(),
      user,
      tokens: { accessToken: `access-${tag}`, refreshToken: `refresh-${tag}`, expiresAt: now + 300, issuedAt: now },
      createdAt: now,
      lastActiveAt: now,
      ...over,
    };
  }
  const userIndexes = async () => (await target().allKeys()).filter((k) => USER_KEY.test(k));

  // What every SessionStore keeps (the same suite the memory store runs), on this deployment…
  sessionStoreContract(`redisSessionStore, ${name}`, { make: () => store(), elapse: (seconds) => sleep(seconds * 1000) });
  // …and what only the Redis store promises: ciphertext at rest, key placement, TTLs in Redis.
  describe(`redisSessionStore on Redis: ${name}`, () => {
    it('stores a session and reads it back unchanged', async () => {
      const s = session();
      expect(await store().set(s, 60, 'create')).toBe(true);
      expect(await store().get(s.id)).toEqual(s);
      expect(await redisSessionStore(target().client(), { secret: SECRET, logger: silentLogger }).get(s.id)).toEqual(s);
    });

    it('keeps only ciphertext in Redis: no token, email, name or user id in keys or values', async () => {
      const s = session({ user: { id: 'user-secret-id', email: 'ada@example.com', name: 'Ada Lovelace' } });
      await store().set(s, 60, 'create');
      const keys = await target().allKeys();
      const values = await Promise.all(keys.map(async (k) => ((await target().raw().type(k)) === 'string' ? target().raw().get(k) : k)));
      const everything = [...keys, ...values].join('\n');
      for (const secret of [s.tokens.accessToken, s.tokens.refreshToken!, 'ada@example.com', 'Ada Lovelace', 'user-secret-id']) {
        expect(everything).not.toContain(secret);
      }
      expect(keys).toHaveLength(2);
      expect(keys.find((k) => SESSION_KEY.test(k))).toBe(sessionKeyOf(s.id));
      expect(keys.filter((k) => USER_KEY.test(k))).toHaveLength(1);
    });

    it('gives the session key the TTL the core passes, in milliseconds', async () => {
      const s = session();
      await store().set(s, 90, 'create');
      const pttl = await target().raw().pttl(sessionKeyOf(s.id));
      expect(pttl).toBeGreaterThan(89_000);
      expect(pttl).toBeLessThanOrEqual(90_000);
    });



    it("replaces a live session on 'update' and moves its TTL", async () => {
      const s = session();
      await store().set(s, 10, 'create');
      const renewed = { ...s, lastActiveAt: s.lastActiveAt + 5 };
      expect(await store().set(renewed, 120, 'update')).toBe(true);
      expect(await store().get(s.id)).toEqual(renewed);
      expect(await target().raw().pttl(sessionKeyOf(s.id))).toBeGreaterThan(100_000);
    });


    it('a session set to a zero TTL is deleted', async () => {
      const s = session();
      await store().set(s, 60, 'create');
      expect(await store().set(s, 0, 'update')).toBe(false);
      expect(await store().get(s.id)).toBeNull();
    });

    it('reads a value copied under another session key as no session', async () => {
      const a = session();
      const b = session({ user: { id: 'user-2' } });
      await store().set(a, 60, 'create');
      await store().set(b, 60, 'create');
      await target().raw().set(sessionKeyOf(b.id), (await target().raw().get(sessionKeyOf(a.id)))!);
      expect(await store().get(b.id)).toBeNull();
      expect(await store().get(a.id)).toEqual(a);
    });

    it('reads tampered, hand-written plaintext or foreign-secret values as no session', async () => {
      const s = session();
      await store().set(s, 60, 'create');
      const key = sessionKeyOf(s.id);
      const sealed = (await target().raw().get(key))!;
      const flipped = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21);
      await target().raw().set(key, flipped);
      expect(await store().get(s.id)).toBeNull();
      await target().raw().set(key, JSON.stringify({ v: 1, i: s.id, u: s.user, a: 'forged', e: 1e10, t: 0, c: s.createdAt, l: s.lastActiveAt }));
      expect(await store().get(s.id)).toBeNull();
      await store({ secret: OTHER_SECRET }).set({ ...s }, 60, 'update');
      expect(await store().get(s.id)).toBeNull();
    });

    it('opens sessions sealed with an older secret after the secret is rotated', async () => {
      const s = session();
      await store({ secret: OTHER_SECRET }).set(s, 60, 'create');
      expect(await store({ secret: [SECRET, OTHER_SECRET] }).get(s.id)).toEqual(s);
      expect(await store().get(s.id)).toBeNull();
    });

    it('stores readable JSON only when encryption is explicitly off', async () => {
      const plain = redisSessionStore(target().raw(), { encrypt: false, logger: silentLogger });
      const s = session();
      await plain.set(s, 60, 'create');
      expect(await target().raw().get(sessionKeyOf(s.id))).toContain(s.tokens.accessToken);
      expect(await plain.get(s.id)).toEqual(s);
    });

    it("lists a user's live sessions and drops ended ones from the index", async () => {
      const [a, b, c] = [session(), session(), session()];
      const other = session({ user: { id: 'user-2' } });
      for (const s of [a, b, c, other]) await store().set(s, 60, 'create');
      await store().delete(b.id);
      const listed = await store().listByUser('user-1');
      expect(listed.map((s) => s.id).sort()).toEqual([a.id, c.id].sort());
      const indexes = await userIndexes();
      expect(indexes).toHaveLength(2);
      const members = await Promise.all(indexes.map((k) => target().raw().zrange(k, 0, '-1')));
      expect(members.flat().sort()).toEqual([a.id, c.id, other.id].sort());
    });

    it('keeps the user index alive as long as its longest-lived session', async () => {
      await store().set(session(), 30, 'create');
      await store().set(session(), 300, 'create');
      await store().set(session(), 60, 'create');
      const [index] = await userIndexes();
      expect(await target().raw().pttl(index!)).toBeGreaterThan(290_000);
    });




    it('works from the very first command of a client that refuses to queue offline', async () => {
      const s = session();
      const st = redisSessionStore(target().lazyClient(), { secret: SECRET, logger: silentLogger });
      expect(await st.set(s, 60, 'create')).toBe(true);
      expect(await st.get(s.id)).toEqual(s);
    });
  });
}

/**
 * The refresh coordinator contract, including single flight across two bffkit instances in the
 * default cookie mode (the coordinator shared through Redis, sessions in the cookie).
 *
 * @example
 * describeCoordinatorContract('3-master cluster', () => target);
 */
export function describeCoordinatorContract(name: string, target: () => RedisTarget): void {
  const coordinator = () => redisRefreshCoordinator(target().client(), { logger: silentLogger });

  refreshCoordinatorContract(`redisRefreshCoordinator, ${name}`, {
    make: () => redisRefreshCoordinator(target().client(), { logger: silentLogger }),
    elapse: (seconds) => sleep(seconds * 1000),
  });
  describe(`redisRefreshCoordinator on Redis: ${name}`, () => {




    it("keeps one token's lock and successor in one slot, different tokens apart", async () => {
      const a = coordinator();
      for (const key of ['t1', 't2', 't3']) {
        await a.acquire(key, 15);
        await a.setSuccessor(key, 'x', 15);
      }
      const keys = (await target().allKeys()).sort();
      expect(keys).toEqual(['t1', 't2', 't3'].flatMap((k) => [`bffkit:{rf:${k}}:lock`, `bffkit:{rf:${k}}:succ`]));
    });

    it('100 concurrent requests with an expired access token on two instances (cookie mode) cause exactly one backend refresh', async () => {
      const clock = fakeClock(Math.floor(Date.now() / 1000));
      const backend = fakeBackend(clock, { accessTtl: 60 });
      const [a, b] = [0, 1].map(() =>
        createBff({ secret: SECRET, baseUrl: APP, backend, clock, logger: silentLogger, refresh: { coordinator: coordinator() } }),
      ) as [Bff, Bff];
      const login = await a.handleAuth(jsonPost('/api/auth/login', DEMO));
      expect(login.status).toBe(200);
      const cookie = cookieHeaderFrom(login.headers.getSetCookie());
      clock.advance(61);
      const loads = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).loadSession(cookie)));
      expect(backend.calls.refresh).toBe(1);
      const tokens = new Set(loads.map((l) => (l.kind === 'active' ? l.session.tokens.accessToken : l.kind)));
      expect([...tokens]).toHaveLength(1);
      expect([...tokens][0]).toMatch(/^access-token-2-/);
    });
  });
}

/**
 * The login rate-limit store contract.
 *
 * @example
 * describeRateLimitContract('sentinel', () => target);
 */
export function describeRateLimitContract(name: string, target: () => RedisTarget): void {
  const limits = () => redisRateLimitStore(target().client(), { logger: silentLogger });

  rateLimitStoreContract(`redisRateLimitStore, ${name}`, {
    make: () => redisRateLimitStore(target().client(), { logger: silentLogger }),
    elapse: (seconds) => sleep(seconds * 1000),
  });
  describe(`redisRateLimitStore on Redis: ${name}`, () => {






    it('blocks an account on instance B after failures on instance A (429 with Retry-After)', async () => {
      const clock = fakeClock();
      const backend = fakeBackend(clock);
      const [a, b] = [0, 1].map(() =>
        createBff({ secret: SECRET, baseUrl: APP, backend, clock, logger: silentLogger, loginRateLimit: { store: limits(), maxPerAccount: 3 } }),
      ) as [Bff, Bff];
      for (let i = 0; i < 3; i++) {
        expect((await a.handleAuth(jsonPost('/api/auth/login', { email: 'demo@example.com', password: 'wrong' }))).status).toBe(401);
      }
      const blocked = await b.handleAuth(jsonPost('/api/auth/login', { email: 'demo@example.com', password: 'demo-password' }));
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await target().allKeys()).toEqual([expect.not.stringContaining('demo@example.com')]);
    });
  });
}
