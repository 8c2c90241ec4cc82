import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../../tests/support/redis-process';
import { useRedisPerFile } from '../../../../tests/support/redis-per-file';
import { BffError, ConfigError } from '../core/errors';
import { silentLogger } from '../core/logger';
import { newSessionId } from '../core/session/start';
import { OTHER_SECRET, SECRET, recordingLogger } from '../core/testing/support';
import type { SessionData } from '../core/types';
import { sessionStoreContract } from '../core/stores/contracts/session-store.contract';
import { redisSessionStore } from './store';

const db = useRedisPerFile();
const client = db.client;
/** The file's own client, for direct looks at the keys. */
let redis: Redis;

function session(over: Partial<SessionData> = {}): SessionData {
  const now = Math.floor(Date.now() / 1000);
  const tag = Math.random().toString(36).slice(2);
  return {
    id: newSessionId(),
    user: { id: 'user-1', email: 'ada@example.com', name: 'Ada Lovelace' },
    tokens: { accessToken: `access-${tag}`, refreshToken: `refresh-${tag}`, expiresAt: now + 300, issuedAt: now },
    createdAt: now,
    lastActiveAt: now,
    ...over,
  };
}

const store = (options = {}) => redisSessionStore(redis, { secret: SECRET, logger: silentLogger, ...options });

beforeAll(() => {
  redis = db.redis;
});

sessionStoreContract('redisSessionStore (single node)', {
  make: () => store(),
  elapse: (seconds) => new Promise((r) => setTimeout(r, seconds * 1000)),
});

describe('redisSessionStore', () => {

  it('keeps only ciphertext in Redis: no token, email, name or user id in keys or values', async () => {
    const s = session({ user: { id: 'user-secret-id', email: 'ada@example.com', name: 'Ada Lovelace' } });
    await store().set(s, 60, 'create');
    const keys = await redis.keys('*');
    const values = await Promise.all(keys.map(async (k) => ((await redis.type(k)) === 'string' ? redis.get(k) : k)));
    const everything = [...keys, ...values].join('\n');
    for (const secret of [s.tokens.accessToken, s.tokens.refreshToken!, 'ada@example.com', 'Ada Lovelace', 'user-secret-id']) {
      expect(everything).not.toContain(secret);
    }
    expect(keys.sort()).toEqual([expect.stringMatching(/^bffkit:sess:/), expect.stringMatching(/^bffkit:user:[A-Za-z0-9_-]{43}$/)].sort());
  });

  it('gives the session key the TTL the core passes, in milliseconds', async () => {
    const s = session();
    await store().set(s, 90, 'create');
    const pttl = await redis.pttl(`bffkit:sess:${s.id}`);
    expect(pttl).toBeGreaterThan(89_000);
    expect(pttl).toBeLessThanOrEqual(90_000);
  });

  it("replaces a live session on 'update' and moves its TTL", async () => {
    const s = session();
    await store().set(s, 10, 'create');
    const renewed = { ...s, lastActiveAt: s.lastActiveAt + 5 };
    expect(await store().set(renewed, 120, 'update')).toBe(true);
    expect(await store().get(s.id)).toEqual(renewed);
    expect(await redis.pttl(`bffkit:sess:${s.id}`)).toBeGreaterThan(100_000);
  });

  it('reads a value copied under another session key as no session', async () => {
    const a = session();
    const b = session({ user: { id: 'user-2' } });
    await store().set(a, 60, 'create');
    await store().set(b, 60, 'create');
    await redis.set(`bffkit:sess:${b.id}`, (await redis.get(`bffkit:sess:${a.id}`))!);
    expect(await store().get(b.id)).toBeNull();
    expect(await store().get(a.id)).toEqual(a);
  });

  it('reads tampered, hand-written plaintext or foreign-secret values as no session', async () => {
    const s = session();
    await store().set(s, 60, 'create');
    const key = `bffkit:sess:${s.id}`;
    const sealed = (await redis.get(key))!;
    const flipped = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21);
    await redis.set(key, flipped);
    expect(await store().get(s.id)).toBeNull();
    await redis.set(key, JSON.stringify({ v: 1, i: s.id, u: s.user, a: 'forged', e: 1e10, t: 0, c: s.createdAt, l: s.lastActiveAt }));
    expect(await store().get(s.id)).toBeNull();
    await redisSessionStore(redis, { secret: OTHER_SECRET, logger: silentLogger }).set({ ...s }, 60, 'update');
    expect(await store().get(s.id)).toBeNull();
  });

  it('opens sessions sealed with an older secret after the secret is rotated', async () => {
    const s = session();
    await redisSessionStore(redis, { secret: OTHER_SECRET, logger: silentLogger }).set(s, 60, 'create');
    expect(await store({ secret: [SECRET, OTHER_SECRET] }).get(s.id)).toEqual(s);
    expect(await store().get(s.id)).toBeNull();
  });

  it('stores readable JSON only when encryption is explicitly off', async () => {
    expect(() => redisSessionStore(redis, { logger: silentLogger })).toThrow(ConfigError);
    const plain = redisSessionStore(redis, { encrypt: false, logger: silentLogger });
    const s = session();
    await plain.set(s, 60, 'create');
    expect(await redis.get(`bffkit:sess:${s.id}`)).toContain(s.tokens.accessToken);
    expect(await plain.get(s.id)).toEqual(s);
  });

  it("lists a user's live sessions and drops ended ones from the index", async () => {
    const [a, b, c] = [session(), session(), session()];
    const other = session({ user: { id: 'user-2' } });
    for (const s of [a, b, c, other]) await store().set(s, 60, 'create');
    await store().delete(b.id);
    const listed = await store().listByUser('user-1');
    expect(listed.map((s) => s.id).sort()).toEqual([a.id, c.id].sort());
    const indexes = await redis.keys('bffkit:user:*');
    expect(indexes).toHaveLength(2);
    const members = await Promise.all(indexes.map((k) => redis.zrange(k, 0, -1)));
    expect(members.flat().sort()).toEqual([a.id, c.id, other.id].sort());
  });

  it('keeps the user index alive as long as its longest-lived session', async () => {
    await store().set(session(), 30, 'create');
    await store().set(session(), 300, 'create');
    await store().set(session(), 60, 'create');
    const [index] = await redis.keys('bffkit:user:*');
    expect(await redis.pttl(index!)).toBeGreaterThan(290_000);
  });

  it('works from the very first command of a client that refuses to queue offline', async () => {
    const fresh = new Redis(db.server.url, { enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 1 });
    db.closeAfterAll(fresh);
    const s = session();
    const st = redisSessionStore(fresh, { secret: SECRET, logger: silentLogger });
    expect(await st.set(s, 60, 'create')).toBe(true);
    expect(await st.get(s.id)).toEqual(s);
  });
});

describe('redisSessionStore when Redis fails', () => {
  it('fails within the timeout even with a default client that queues commands offline', async () => {
    const dying = await startRedis();
    const queueing = new Redis(dying.url); // defaults: offline queue on, 20 retries per request
    db.closeAfterAll(queueing);
    try {
      const st = redisSessionStore(queueing, { secret: SECRET, timeout: 250, logger: silentLogger });
      const s = session();
      await st.set(s, 60, 'create');
      await dying.kill();
      const started = Date.now();
      await expect(st.get(s.id)).rejects.toMatchObject({ code: 'store_unavailable' });
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      queueing.disconnect();
      await dying.stop();
    }
  });

  it('answers store_unavailable within the timeout while Redis is frozen, then works again', async () => {
    const frozen = await startRedis();
    try {
      const c = client(frozen.url);
      const logger = recordingLogger();
      const st = redisSessionStore(c, { secret: SECRET, timeout: 300, logger });
      const s = session();
      await st.set(s, 60, 'create');
      frozen.pause();
      const started = Date.now();
      const error = await st.get(s.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BffError);
      expect((error as BffError).code).toBe('store_unavailable');
      expect((error as BffError).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_000);
      await st.get(s.id).catch(() => undefined);
      expect(logger.lines.filter((l) => l.message.includes('no answer'))).toHaveLength(1);
      frozen.resume();
      await expect.poll(() => st.get(s.id).catch(() => null), { timeout: 5_000 }).toEqual(s);
    } finally {
      await frozen.stop();
    }
  });

  it('answers store_unavailable fast when Redis is gone, and the same sessions work after a restart', async () => {
    const crashing = await startRedis({ persistent: true });
    try {
      const c = client(crashing.url);
      const logger = recordingLogger();
      const st = redisSessionStore(c, { secret: SECRET, logger });
      const s = session();
      await st.set(s, 60, 'create');
      await crashing.kill();
      const started = Date.now();
      await expect(st.get(s.id)).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(st.set(s, 60, 'update')).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(st.listByUser('user-1')).rejects.toMatchObject({ code: 'store_unavailable' });
      expect(Date.now() - started).toBeLessThan(3_500);
      await crashing.restart();
      await expect.poll(() => st.get(s.id).catch(() => null), { timeout: 10_000 }).toEqual(s);
      const messages = logger.lines.map((l) => l.message);
      expect(messages.filter((m) => m.startsWith('redis: connection lost'))).toHaveLength(1);
      expect(messages).toContain('redis: connected again');
      expect(messages.join('\n')).not.toContain('127.0.0.1');
    } finally {
      await crashing.stop();
    }
  });
});
