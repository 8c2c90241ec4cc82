/**
 * bffkit/redis against a real 3-master Redis Cluster (redis-server --cluster-enabled, created with
 * redis-cli --cluster create): the session store, refresh coordinator and rate limit contracts, no
 * CROSSSLOT error anywhere, and users spread over every master while each user's sessions and index
 * share one slot.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../packages/bffkit/src/core/logger';
import { newSessionId } from '../../packages/bffkit/src/core/session/start';
import { SECRET, recordingLogger } from '../../packages/bffkit/src/core/testing/support';
import type { SessionData } from '../../packages/bffkit/src/core/types';
import { redisRefreshCoordinator } from '../../packages/bffkit/src/redis/coordinator';
import { redisRateLimitStore } from '../../packages/bffkit/src/redis/rate-limit';
import { redisSessionStore } from '../../packages/bffkit/src/redis/store';
import {
  describeCoordinatorContract,
  describeRateLimitContract,
  describeSessionStoreContract,
  sessionKeyOf,
  type RedisTarget,
} from '../support/redis-contract';
import { startRedisCluster, type RedisClusterProcess } from '../support/redis-cluster';

let cluster: RedisClusterProcess;
let raw: Redis;

const target = (): RedisTarget => ({
  client: () => cluster.client(),
  lazyClient: () => cluster.client({ lazyConnect: true, enableOfflineQueue: false }),
  raw: () => raw,
  allKeys: async () => [...(await cluster.keysByNode()).values()].flat(),
});

beforeAll(async () => {
  cluster = await startRedisCluster();
  // Typed as Redis for single-key looks: Cluster routes each one to the master of its slot.
  raw = cluster.client() as unknown as Redis;
});
afterEach(async () => {
  await cluster?.flush();
});
afterAll(async () => {
  await cluster?.stop();
});

describeSessionStoreContract('3-master cluster, ids from newId', target, 'placed');
describeCoordinatorContract('3-master cluster', target);
describeRateLimitContract('3-master cluster', target);

function session(store: ReturnType<typeof redisSessionStore>, userId: string): SessionData {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: store.newId(userId),
    user: { id: userId },
    tokens: { accessToken: `a-${userId}`, refreshToken: `r-${userId}`, expiresAt: now + 300, issuedAt: now },
    createdAt: now,
    lastActiveAt: now,
  };
}

describe('Redis Cluster placement', () => {
  it("spreads 300 users over all 3 masters, each user's sessions and index on one master, no CROSSSLOT", async () => {
    const store = redisSessionStore(cluster.client(), { secret: SECRET, logger: silentLogger });
    const users = Array.from({ length: 300 }, (_, i) => `user-${i}`);
    const sessions = users.flatMap((u) => [session(store, u), session(store, u)]);
    const written = await Promise.all(sessions.map((s) => store.set(s, 120, 'create')));
    expect(written.every(Boolean)).toBe(true);

    const byNode = await cluster.keysByNode();
    const masterOf = new Map<string, number>();
    for (const [port, keys] of byNode) for (const k of keys) masterOf.set(k, port);
    const perMaster = [...byNode.values()].map((keys) => keys.filter((k) => k.includes(':sess:')).length);
    expect(perMaster).toHaveLength(3);
    // 600 sessions over 3 masters: each holds a real share (expected 200 ± a few dozen).
    for (const n of perMaster) expect(n).toBeGreaterThan(120);
    const indexKeys = [...masterOf.keys()].filter((k) => k.includes(':user:'));
    expect(indexKeys).toHaveLength(300);
    for (const s of sessions) {
      const tag = s.id.slice(0, 8);
      const index = indexKeys.find((k) => k.startsWith(`bffkit:{u:${tag}}:user:`));
      expect(masterOf.get(sessionKeyOf(s.id))).toBe(masterOf.get(index!));
    }

    // Every multi-key path, for every user: the script on set, MGET on list, the delete-all script.
    const listed = await Promise.all(users.map((u) => store.listByUser(u)));
    expect(listed.map((l) => l.length)).toEqual(users.map(() => 2));
    const renewed = await Promise.all(sessions.map((s) => store.set({ ...s, lastActiveAt: s.lastActiveAt + 1 }, 120, 'update')));
    expect(renewed.every(Boolean)).toBe(true);
    const ended = await Promise.all(users.map((u) => store.deleteByUser(u)));
    expect(ended).toEqual(users.map(() => 2));
    expect((await target().allKeys()).filter((k) => k.includes(':sess:'))).toEqual([]);
  });

  it("refuses a plain id or another user's id on a Cluster with a TypeError instead of a CROSSSLOT error", async () => {
    const store = redisSessionStore(cluster.client(), { secret: SECRET, logger: silentLogger });
    const s = session(store, 'user-a');
    await expect(store.set({ ...s, id: newSessionId() }, 60, 'create')).rejects.toThrow(/newId/);
    await expect(store.set({ ...s, id: store.newId('user-b') }, 60, 'create')).rejects.toThrow(TypeError);
    expect(await store.set(s, 60, 'create')).toBe(true);
    // Reading a plain id is a single-key GET and simply finds nothing.
    expect(await store.get(newSessionId())).toBeNull();
  });

  it('waitForReplicas sends WAIT to the master that took the write (no replicas here: 0 acked, one warning)', async () => {
    const logger = recordingLogger();
    const store = redisSessionStore(cluster.client(), { secret: SECRET, logger, timeout: 0.4, waitForReplicas: 1 });
    const all = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((u) => session(store, u));
    for (const s of all) expect(await store.set(s, 60, 'create')).toBe(true);
    for (const s of all) expect(await store.get(s.id)).toEqual(s);
    expect(logger.lines.filter((l) => l.message.includes('replicas')).map((l) => l.message)).toEqual([
      'redis: a session write reached 0 of 1 replicas within 100 ms; a failover now may lose writes (not waiting for replicas for 10 s)',
    ]);
  });

  it('spreads refresh locks and rate-limit counters over the masters', async () => {
    const coordinator = redisRefreshCoordinator(cluster.client(), { logger: silentLogger });
    const limits = redisRateLimitStore(cluster.client(), { logger: silentLogger });
    await Promise.all(Array.from({ length: 60 }, (_, i) => coordinator.acquire(`token-hash-${i}`, 15)));
    await Promise.all(Array.from({ length: 60 }, (_, i) => limits.increment(`login:acct:${i}`, 60)));
    const counts = [...(await cluster.keysByNode()).values()].map((keys) => [
      keys.filter((k) => k.endsWith(':lock')).length,
      keys.filter((k) => k.startsWith('bffkit:rl:')).length,
    ]);
    for (const [locks, counters] of counts) {
      expect(locks).toBeGreaterThan(5);
      expect(counters).toBeGreaterThan(5);
    }
  });
});
