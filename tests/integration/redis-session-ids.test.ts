/**
 * Issue 7: session ids. 10,000 sign-ins through bffkit's login route with the Redis store (a real
 * redis-server; a scripted backend so ten thousand logins take seconds, not argon2 minutes): every
 * id is unique and 128 bits of randomness, every cookie has the same length whoever signs in, and
 * no cookie reveals anything about its user.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBff, type Bff } from '../../packages/bffkit/src/core/bff';
import { deriveKeyRing } from '../../packages/bffkit/src/core/crypto/keys';
import { silentLogger } from '../../packages/bffkit/src/core/logger';
import { unsealJson } from '../../packages/bffkit/src/core/crypto/seal';
import { APP, DEMO, SECRET, fakeBackend, fakeClock, jsonPost, type FakeBackend } from '../../packages/bffkit/src/core/testing/support';
import type { SessionUser } from '../../packages/bffkit/src/core/types';
import { redisSessionStore } from '../../packages/bffkit/src/redis/store';
import { startRedis, type RedisProcess } from '../support/redis-process';

const COUNT = 10_000;
const BATCH = 200;

let server: RedisProcess;
let redis: Redis;
let bff: Bff;
let backend: FakeBackend;
const issued: { cookie: string; user: SessionUser }[] = [];

/** Users of very different shapes: long and short names, unicode, numeric-looking ids. */
function userNumber(i: number): SessionUser {
  return { id: `user-${i}-${'x'.repeat(i % 50)}`, email: `person.${i}@example-${i % 7}.org`, name: `Person ${'Ü'.repeat(i % 30)} ${i}` };
}

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  const clock = fakeClock(Math.floor(Date.now() / 1000));
  backend = fakeBackend(clock);
  bff = createBff({
    secret: SECRET,
    baseUrl: APP,
    backend,
    clock,
    logger: silentLogger,
    session: { store: redisSessionStore(redis, { secret: SECRET, logger: silentLogger }) },
    loginRateLimit: { maxPerAddress: COUNT * 2, maxPerAccount: COUNT * 2 },
  });
  for (let start = 0; start < COUNT; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, COUNT - start) }, async (_, j) => {
      const user = userNumber(start + j);
      backend.nextUser.push({ ok: true, value: user });
      const res = await bff.handleAuth(jsonPost('/api/auth/login', DEMO));
      if (res.status !== 200) throw new Error(`login ${start + j} answered ${res.status}`);
      const body = (await res.json()) as { user: SessionUser };
      const line = res.headers.getSetCookie().find((l) => l.startsWith('bffkit='))!;
      issued.push({ cookie: line.slice('bffkit='.length, line.indexOf(';')), user: body.user });
    });
    await Promise.all(batch);
  }
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe(`${COUNT.toLocaleString('en')} sessions in Redis`, () => {
  it('are all stored, each under its own id', async () => {
    expect(issued).toHaveLength(COUNT);
    expect((await redis.keys('bffkit:*sess:*')).length).toBe(COUNT);
  });

  it('have unique ids of 128 random bits (22 base64url characters after the user\'s slot tag)', () => {
    const ring = deriveKeyRing([SECRET], 'session-id');
    const ids = issued.map(({ cookie }) => unsealJson<{ i: string }>(ring, cookie)?.i);
    expect(new Set(ids).size).toBe(COUNT);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{22}$/);
    // No structure in the random part: every base64url character shows up in its first position.
    const firstChars = new Set(ids.map((id) => id!.split('.')[1]![0]));
    expect(firstChars.size).toBe(64);
  });

  it('give every cookie the same length, however long the user data is', () => {
    const lengths = new Set(issued.map(({ cookie }) => cookie.length));
    expect([...lengths]).toHaveLength(1);
    expect([...lengths][0]).toBeLessThan(100);
  });

  it('reveal nothing about the user: no id, email or name in the cookie, encoded or decoded', () => {
    for (const { cookie, user } of issued) {
      const decoded = Buffer.from(cookie, 'base64url').toString('latin1');
      for (const needle of [user.id, user.email!, user.name!, 'example-', 'Person', 'user-']) {
        expect(cookie.includes(needle) || decoded.includes(needle)).toBe(false);
      }
    }
  });

  it('are unique cookies too (fresh IV per seal)', () => {
    expect(new Set(issued.map(({ cookie }) => cookie)).size).toBe(COUNT);
  });
});
