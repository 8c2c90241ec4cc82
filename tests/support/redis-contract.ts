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
import { newSessionId } from '../../packages/bffkit/src/core/session-cookie';
import { APP, DEMO, OTHER_SECRET, SECRET, fakeBackend, fakeClock, jsonPost, cookieHeaderFrom } from '../../packages/bffkit/src/core/test-support';
import type { SessionData } from '../../packages/bffkit/src/core/types';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

  describe(`redisSessionStore contract: ${name}`, () => {
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

    it('forgets the session when its TTL runs out', async () => {
      const s = session();
      await store().set(s, 0.2, 'create');
      await sleep(300);
      expect(await store().get(s.id)).toBeNull();
    });

    it("answers false to an 'update' of a deleted session and does not bring it back", async () => {
      const s = session();
      await store().set(s, 60, 'create');
      await store().delete(s.id);
      const refreshed = { ...s, tokens: { ...s.tokens, accessToken: 'new-access' } };
      expect(await store().set(refreshed, 60, 'update')).toBe(false);
      expect(await store().get(s.id)).toBeNull();
      expect(await target().raw().exists(sessionKeyOf(s.id))).toBe(0);
    });

    it("replaces a live session on 'update' and moves its TTL", async () => {
      const s = session();
      await store().set(s, 10, 'create');
      const renewed = { ...s, lastActiveAt: s.lastActiveAt + 5 };
      expect(await store().set(renewed, 120, 'update')).toBe(true);
      expect(await store().get(s.id)).toEqual(renewed);
      expect(await target().raw().pttl(sessionKeyOf(s.id))).toBeGreaterThan(100_000);
    });

    it("never overwrites an existing session on 'create'", async () => {
      const s = session();
      await store().set(s, 60, 'create');
      expect(await store().set({ ...s, user: { id: 'user-1', name: 'intruder' } }, 60, 'create')).toBe(false);
      expect((await store().get(s.id))?.user.name).toBe('Ada Lovelace');
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

    it('ends every session of one user and no one else', async () => {
      const mine = [session(), session(), session()];
      const theirs = session({ user: { id: 'user-2' } });
      for (const s of [...mine, theirs]) await store().set(s, 60, 'create');
      expect(await store().deleteByUser('user-1')).toBe(3);
      for (const s of mine) expect(await store().get(s.id)).toBeNull();
      expect(await store().get(theirs.id)).toEqual(theirs);
      expect(await store().listByUser('user-1')).toEqual([]);
      expect(await store().deleteByUser('user-1')).toBe(0);
    });

    it('a refresh racing "sign out everywhere" cannot resurrect a session', async () => {
      const s = session();
      await store().set(s, 60, 'create');
      const refreshed = { ...s, tokens: { ...s.tokens, accessToken: 'late' } };
      const [, updated] = await Promise.all([store().deleteByUser('user-1'), store().set(refreshed, 60, 'update')]);
      // Whichever ran first, the session is gone afterwards.
      expect(await store().get(s.id)).toBeNull();
      expect(typeof updated).toBe('boolean');
    });

    it('reads malformed ids as no session', async () => {
      for (const id of ['', 'short', '../../etc', 'a'.repeat(200), 'with space in it!!', 'AAAAAAAA.short', '{u:x}.AAAAAAAAAAAAAAAAAAAAAA']) {
        expect(await store().get(id)).toBeNull();
      }
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

  describe(`redisRefreshCoordinator contract: ${name}`, () => {
    it('gives the lock to one instance at a time', async () => {
      const [a, b] = [coordinator(), coordinator()];
      const release = await a.acquire('k1', 15);
      expect(release).toBeTypeOf('function');
      expect(await b.acquire('k1', 15)).toBeNull();
      expect(await a.acquire('k1', 15)).toBeNull();
      await release!();
      expect(await b.acquire('k1', 15)).toBeTypeOf('function');
    });

    it('lets the lock expire after its timeout, so a crashed holder blocks no one for long', async () => {
      const a = coordinator();
      expect(await a.acquire('k2', 0.2)).not.toBeNull();
      expect(await a.acquire('k2', 0.2)).toBeNull();
      await sleep(300);
      expect(await a.acquire('k2', 15)).not.toBeNull();
    });

    it('never releases a lock another instance took after ours expired', async () => {
      const [a, b] = [coordinator(), coordinator()];
      const stale = await a.acquire('k3', 0.2);
      await sleep(300);
      const fresh = await b.acquire('k3', 15);
      expect(fresh).not.toBeNull();
      await stale!();
      expect(await a.acquire('k3', 15)).toBeNull();
      expect(await target().raw().exists('bffkit:{rf:k3}:lock')).toBe(1);
    });

    it('keeps the successor record for its TTL and shares it between instances', async () => {
      const [a, b] = [coordinator(), coordinator()];
      expect(await b.getSuccessor('k4')).toBeNull();
      await a.setSuccessor('k4', 'sealed-tokens', 0.2);
      expect(await b.getSuccessor('k4')).toBe('sealed-tokens');
      await sleep(300);
      expect(await b.getSuccessor('k4')).toBeNull();
    });

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

  describe(`redisRateLimitStore contract: ${name}`, () => {
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
      await target().raw().pexpire('bffkit:rl:k', 30_000);
      const after = await store.increment('k', 60);
      expect(after.count).toBe(2);
      expect(after.resetIn).toBeLessThanOrEqual(30);
    });

    it('starts from zero once the window has passed', async () => {
      const store = limits();
      await store.increment('k', 0.2);
      await sleep(300);
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
