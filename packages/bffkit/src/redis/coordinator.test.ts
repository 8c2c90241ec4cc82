import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../../tests/support/redis-process';
import { describeCoordinatorContract } from '../../../../tests/support/redis-contract';
import { singleNodeTarget, useRedisPerFile } from '../../../../tests/support/redis-per-file';
import { createBff, type Bff } from '../core/bff';
import { silentLogger } from '../core/logger';
import { APP, SECRET, fakeBackend, fakeClock, jsonPost, cookieHeaderFrom, DEMO, type FakeBackend } from '../core/testing/support';
import { redisRefreshCoordinator } from './coordinator';
import { redisSessionStore } from './store';

const db = useRedisPerFile();
const client = db.client;
/** The file's own client, for direct looks at the keys. */
let redis: Redis;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  redis = db.redis;
});

describeCoordinatorContract('one node', () => singleNodeTarget(db));

describe('redisRefreshCoordinator on one node', () => {
  it('answers store_unavailable when Redis is gone (a renewal too), and a release never throws', async () => {
    const dying = await startRedis();
    try {
      const c = redisRefreshCoordinator(client(dying.url), { logger: silentLogger });
      expect(c.shared).toBe(true);
      const lease = await c.acquire('k5', 15);
      await dying.kill();
      await expect(c.acquire('k6', 15)).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(c.getSuccessor('k5')).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(lease!.renew(15)).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(lease!.release()).resolves.toBeUndefined();
      await expect(c.setSuccessor('k5', 'v', 60)).resolves.toBeUndefined();
    } finally {
      await dying.stop();
    }
  });
});

describe('refresh single flight across instances sharing Redis', () => {
  /** Two bffkit instances (own clients, own in-process state) in front of one backend. */
  function instances(backend: FakeBackend, clock: ReturnType<typeof fakeClock>, coordinatorUrl = db.server.url): Bff[] {
    return [0, 1].map(() => {
      const c = client();
      return createBff({
        secret: SECRET,
        baseUrl: APP,
        backend,
        clock,
        logger: silentLogger,
        session: { store: redisSessionStore(c, { secret: SECRET, logger: silentLogger }) },
        refresh: { coordinator: redisRefreshCoordinator(client(coordinatorUrl), { logger: silentLogger }) },
      });
    });
  }

  async function signIn(bff: Bff): Promise<string> {
    const res = await bff.handleAuth(jsonPost('/api/auth/login', DEMO));
    expect(res.status).toBe(200);
    return cookieHeaderFrom(res.headers.getSetCookie());
  }

  it('100 concurrent requests with an expired access token cause exactly one backend refresh', async () => {
    const clock = fakeClock(Math.floor(Date.now() / 1000));
    const backend = fakeBackend(clock, { accessTtl: 60 });
    const [a, b] = instances(backend, clock);
    const cookie = await signIn(a!);
    clock.advance(61);
    const loads = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a! : b!).loadSession(cookie)));
    expect(backend.calls.refresh).toBe(1);
    const tokens = new Set(loads.map((l) => (l.kind === 'active' ? l.session.tokens.accessToken : l.kind)));
    expect([...tokens]).toHaveLength(1);
    expect([...tokens][0]).toMatch(/^access-token-2-/);
    // The rotated session is what both instances now read; the next refresh rotates again, no reuse.
    clock.advance(61);
    expect((await b!.loadSession(cookie)).kind).toBe('active');
    expect(backend.calls.refresh).toBe(2);
    expect(backend.refreshedWith[1]).not.toBe(backend.refreshedWith[0]);
  });

  it('a refresh whose coordinator Redis is down keeps the session and answers store_unavailable', async () => {
    const coordinatorRedis = await startRedis();
    try {
      const clock = fakeClock(Math.floor(Date.now() / 1000));
      const backend = fakeBackend(clock, { accessTtl: 60 });
      const [a] = instances(backend, clock, coordinatorRedis.url);
      const cookie = await signIn(a!);
      clock.advance(61);
      await coordinatorRedis.kill();
      const loaded = await a!.loadSession(cookie);
      expect(loaded).toMatchObject({ kind: 'unavailable', error: { code: 'store_unavailable' } });
      expect(backend.calls.refresh).toBe(0);
      await coordinatorRedis.restart();
      await expect.poll(async () => (await a!.loadSession(cookie)).kind, { timeout: 10_000 }).toBe('active');
      expect(backend.calls.refresh).toBe(1);
    } finally {
      await coordinatorRedis.stop();
    }
  });
});
