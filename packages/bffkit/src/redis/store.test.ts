import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { describeSessionStoreContract } from '../../../../tests/support/redis-contract';
import { startRedis } from '../../../../tests/support/redis-process';
import { singleNodeTarget, useRedisPerFile } from '../../../../tests/support/redis-per-file';
import { BffError, ConfigError } from '../core/errors';
import { silentLogger } from '../core/logger';
import { newSessionId } from '../core/session/start';
import { SECRET, recordingLogger } from '../core/testing/support';
import type { SessionData } from '../core/types';
import { REPLICA_BACKOFF_MS, redisSessionStore } from './store';

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

describeSessionStoreContract('one node, ids from newId', () => singleNodeTarget(db), 'placed');
describeSessionStoreContract('one node, plain random ids', () => singleNodeTarget(db), 'plain');

describe('redisSessionStore key placement', () => {
  it("mints ids that carry the user's tag: 8 chars of SHA-256(user id), a dot, 128 random bits", () => {
    const st = store();
    const tag = createHash('sha256').update('user-1').digest('base64url').slice(0, 8);
    const ids = new Set(Array.from({ length: 50 }, () => st.newId('user-1')));
    expect(ids.size).toBe(50);
    for (const id of ids) {
      expect(id.slice(0, 9)).toBe(`${tag}.`);
      expect(id.slice(9)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    expect(st.newId('user-2').slice(0, 8)).not.toBe(tag);
  });

  it("puts a placed session and its user's index under one hash tag", async () => {
    const s = session({ id: store().newId('user-1') });
    await store().set(s, 60, 'create');
    const tag = s.id.slice(0, 8);
    const hash = createHash('sha256').update('user-1').digest('base64url');
    expect((await redis.keys('*')).sort()).toEqual([`bffkit:{u:${tag}}:sess:${s.id}`, `bffkit:{u:${tag}}:user:${hash}`].sort());
  });

  it('requires the secret unless encryption is explicitly off', () => {
    expect(() => redisSessionStore(redis, { logger: silentLogger })).toThrow(ConfigError);
    expect(() => redisSessionStore(redis, { encrypt: false, logger: silentLogger })).not.toThrow();
  });

  it('reads the secret as createBff does: a comma-separated string is a rotation list', async () => {
    const OTHER = 'y'.repeat(40);
    const s = session();
    await redisSessionStore(redis, { secret: [OTHER], logger: silentLogger }).set(s, 60, 'create');
    // The old secret second in a BFF_SECRET-style list still opens what it sealed.
    const rotated = redisSessionStore(redis, { secret: `${SECRET},${OTHER}`, logger: silentLogger });
    expect((await rotated.get(s.id))?.id).toBe(s.id);
    expect(() => redisSessionStore(redis, { secret: `${SECRET},short`, logger: silentLogger })).toThrow(/entry 1/);
  });

  it('lists and ends plain and placed sessions of one user together (one node)', async () => {
    const plain = session();
    const placed = session({ id: store().newId('user-1') });
    for (const s of [plain, placed]) await store().set(s, 60, 'create');
    expect((await store().listByUser('user-1')).map((s) => s.id).sort()).toEqual([plain.id, placed.id].sort());
    expect(await store().deleteByUser('user-1')).toBe(2);
    expect(await redis.keys('*')).toEqual([]);
  });

  it('refuses a bad waitForReplicas at construction, naming the field', () => {
    for (const bad of [-1, 1.5, 17, Number.NaN]) {
      expect(() => store({ waitForReplicas: bad })).toThrow(/waitForReplicas/);
    }
  });

  it('with waitForReplicas and no replica: writes still count, one warning, then no waiting for 10 s', async () => {
    const logger = recordingLogger();
    const st = redisSessionStore(redis, { secret: SECRET, logger, timeout: 0.2, waitForReplicas: 1 });
    const s = session();
    let started = Date.now();
    expect(await st.set(s, 60, 'create')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45); // WAIT 1 50 (a quarter of the timeout) ran out
    started = Date.now();
    for (let i = 0; i < 5; i++) expect(await st.set({ ...s, lastActiveAt: s.lastActiveAt + i }, 60, 'update')).toBe(true);
    expect(Date.now() - started).toBeLessThan(45); // five writes without a WAIT
    const warnings = () => logger.lines.filter((l) => l.message.includes('replicas')).map((l) => l.message);
    expect(warnings()).toEqual([
      'redis: a session write reached 0 of 1 replicas within 50 ms; a failover now may lose writes (not waiting for replicas for 10 s)',
    ]);
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + REPLICA_BACKOFF_MS + 1);
    try {
      await st.delete(s.id);
    } finally {
      clock.mockRestore();
    }
    expect(warnings()).toHaveLength(2);
    expect(await st.get(s.id)).toBeNull();
  });
});

describe('redisSessionStore when Redis fails', () => {
  it('fails within the timeout even with a default client that queues commands offline', async () => {
    const dying = await startRedis();
    const queueing = new Redis(dying.url); // defaults: offline queue on, 20 retries per request
    db.closeAfterAll(queueing);
    try {
      const st = redisSessionStore(queueing, { secret: SECRET, timeout: 0.25, logger: silentLogger });
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
      const st = redisSessionStore(c, { secret: SECRET, timeout: 0.3, logger });
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
