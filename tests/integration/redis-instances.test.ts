/**
 * Issue 7 over real HTTP: two `next start` instances of the example app share one redis-server and
 * one example backend (BFF_SESSION_STORE=redis). Distributed single-flight refresh (docs/security.md 24),
 * revocation across instances (docs/security.md 11), an opaque cookie, and login rate limits in Redis.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKeyRing } from '../../packages/bffkit/src/core/crypto/keys';
import { unsealJson } from '../../packages/bffkit/src/core/crypto/seal';
import { startApp, TEST_SECRET, type AppProcess } from '../support/app-process';
import { startBackend, type RunningBackend } from '../support/backend-process';
import { getJson, jsonPost, setCookies } from '../support/http';
import { startRedis, type RedisProcess } from '../support/redis-process';

const COOKIE = 'bffkit';
/** Access-token lifetime: refresh is due after half of it, leaving the other half for the storm. */
const TTL = 10;
const STORM = 100;
const DEMO = { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' };
const SECOND = { email: 'second@example.com', password: 'second-password', name: 'Second User' };

let redisServer: RedisProcess;
let backend: RunningBackend;
let a: AppProcess;
let b: AppProcess;
let redis: Redis;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function signIn(app: AppProcess, creds: { email: string; password: string }): Promise<{ cookie: string; user: { id: string } }> {
  const res = await jsonPost(`${app.url}/api/auth/login`, creds);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { user: { id: string } };
  const value = setCookies(res).find((c) => c.name === COOKIE)?.value;
  if (!value) throw new Error('no session cookie');
  return { cookie: `${COOKIE}=${value}`, user: body.user };
}

beforeAll(async () => {
  [redisServer, backend] = await Promise.all([startRedis(), startBackend({ accessTokenTtl: TTL })]);
  const env = { BFF_SESSION_STORE: 'redis', REDIS_URL: redisServer.url };
  [a, b] = await Promise.all([startApp({ backendUrl: backend.url, env }), startApp({ backendUrl: backend.url, env })]);
  redis = new Redis(redisServer.url);
});

afterAll(async () => {
  redis?.disconnect();
  await Promise.all([a?.stop(), b?.stop()]);
  await backend?.stop();
  await redisServer?.stop();
});

describe('two app instances sharing Redis', () => {
  it('a session signed in on A is the same session on B', async () => {
    const { cookie } = await signIn(a, DEMO);
    const res = await getJson(`${b.url}/api/auth/session`, { cookie });
    expect(await res.json()).toMatchObject({ status: 'authenticated', user: { email: DEMO.email } });
  });

  it(`${STORM} concurrent requests with an expired access token, split across A and B, make exactly one backend refresh`, async () => {
    const { cookie } = await signIn(a, DEMO);
    // Warm both instances (modules, Redis connection) while the token is still fresh.
    for (const app of [a, b]) expect((await getJson(`${app.url}/api/backend/notes`, { cookie })).status).toBe(200);
    await sleep((TTL / 2 + 0.3) * 1000);
    await backend.resetStats();

    const responses = await Promise.all(
      Array.from({ length: STORM }, (_, i) => getJson(`${(i % 2 ? a : b).url}/api/backend/notes`, { cookie })),
    );
    const statuses = responses.map((r) => r.status);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect(statuses).toEqual(Array(STORM).fill(200));
    const stats = await backend.stats();
    expect(stats.refreshes).toBe(1);
    expect(stats.refresh_reuse_detected).toBe(0);
    expect(stats.expired_token_requests).toBe(0);

    // The rotated refresh token is the one in Redis: the next refresh (on the other instance) works too.
    await sleep((TTL / 2 + 0.3) * 1000);
    expect((await getJson(`${a.url}/api/backend/notes`, { cookie })).status).toBe(200);
    const after = await backend.stats();
    expect(after.refreshes).toBe(2);
    expect(after.refresh_reuse_detected).toBe(0);
  });

  it('signing out on A makes the same cookie get 401 on B immediately', async () => {
    const { cookie } = await signIn(a, DEMO);
    expect((await getJson(`${b.url}/api/backend/notes`, { cookie })).status).toBe(200);
    const out = await jsonPost(`${a.url}/api/auth/logout`, {}, { cookie });
    expect(out.status).toBe(200);
    const replay = await getJson(`${b.url}/api/backend/notes`, { cookie });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: expect.stringMatching(/^(unauthenticated|session_expired)$/) });
    expect(await (await getJson(`${b.url}/api/auth/session`, { cookie })).json()).toEqual({ status: 'unauthenticated' });
  });

  it('the cookie holds only a sealed random id: constant length, nothing about the user, tokens only in Redis', async () => {
    const sessions = [await signIn(a, DEMO), await signIn(b, SECOND), await signIn(a, DEMO), await signIn(b, SECOND)];
    const values = sessions.map((s) => s.cookie.slice(COOKIE.length + 1));
    expect(new Set(values.map((v) => v.length)).size).toBe(1);
    const idRing = deriveKeyRing([TEST_SECRET], 'session-id');
    const ids = values.map((v) => unsealJson<{ i: string }>(idRing, v)?.i);
    expect(new Set(ids).size).toBe(values.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{22}$/); // the user's slot tag, then 16 random bytes
    for (const [i, value] of values.entries()) {
      const decoded = Buffer.from(value, 'base64url').toString('latin1');
      const user = i % 2 ? SECOND : DEMO;
      for (const needle of [user.email, user.name, 'example.com', String(sessions[i]!.user.id)]) {
        if (needle.length < 3) continue; // a one- or two-digit id would match random bytes by chance
        expect(value).not.toContain(needle);
        expect(decoded).not.toContain(needle);
      }
    }
    // Nothing readable at rest either: keys are hashes and ids, values are ciphertext.
    const keys = await redis.keys('*');
    const dump = (await Promise.all(keys.map(async (k) => ((await redis.type(k)) === 'string' ? `${k}=${await redis.get(k)}` : k)))).join('\n');
    for (const needle of [DEMO.email, SECOND.email, DEMO.name, 'eyJ']) expect(dump).not.toContain(needle);
  });

  it('counts failed logins across instances: failures on A lock the account on B (429)', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await jsonPost(`${a.url}/api/auth/login`, { email: SECOND.email, password: 'wrong' });
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    const blocked = await jsonPost(`${b.url}/api/auth/login`, SECOND);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({ code: 'rate_limited' });
  });

  it('logs no unhandled error on either instance', () => {
    for (const app of [a, b]) expect(app.output()).not.toMatch(/unhandled|uncaught|\[ioredis\]/i);
  });
});
